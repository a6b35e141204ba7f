"""A task enqueued on commit runs in a real worker, and its write is visible."""

import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from knox.models import AuthToken

from accounts.services import token_issue
from accounts.tasks import tokens_purge_expired_task

pytestmark = pytest.mark.integration


def wait_for(predicate, seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_worker_runs_task_enqueued_on_commit_and_its_write_is_visible(
    celery_worker, make_user
):
    user = make_user("cpo", username="worker-test")
    live, _ = token_issue(user=user, days=30)
    with transaction.atomic():
        expired, _ = token_issue(user=user, days=1)
        AuthToken.objects.filter(digest=expired.digest).update(
            expiry=timezone.now() - timedelta(days=1)
        )
        # Nothing is sent before the commit: the worker must see the row.
        transaction.on_commit(lambda: tokens_purge_expired_task.delay())

    assert wait_for(
        lambda: not AuthToken.objects.filter(digest=expired.digest).exists()
    )
    assert AuthToken.objects.filter(digest=live.digest).exists()


def test_worker_returns_the_result_through_redis(celery_worker, make_user):
    user = make_user("cpo", username="worker-result")
    token, _ = token_issue(user=user, days=1)
    AuthToken.objects.filter(digest=token.digest).update(
        expiry=timezone.now() - timedelta(days=1)
    )

    result = tokens_purge_expired_task.delay()

    assert result.get(timeout=30) == 1
