""" "Recompute now": the CSRF-protected POST, the progress partial, who may."""

import uuid

import pytest
from django.test import Client
from django.utils import timezone

from health.models import PortfolioSnapshot, RecomputeRun, RunKind, RunState

from .portfolio_data import portfolio

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_cpo_recompute_answers_the_progress_bar_and_polls_it_to_success(
    client, users, django_capture_on_commit_callbacks
):
    portfolio(3)
    client.force_login(users["cpo"])

    # The tasks run when the test's transaction "commits": after the answer.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/recompute/", **HTMX)

    assert response.status_code == 200
    run = RecomputeRun.objects.get(requested_by=users["cpo"])
    html = response.content.decode()
    assert 'data-testid="recompute-progress"' in html
    assert 'data-state="pending"' in html
    assert f'hx-get="/recompute/{run.pk}/"' in html
    assert run.state == RunState.SUCCESS
    assert (run.kind, run.done, run.total) == (RunKind.FULL, 3, 3)
    assert PortfolioSnapshot.objects.filter(run=run).exists()

    polled = client.get(f"/recompute/{run.pk}/", **HTMX).content.decode()

    assert 'data-state="success"' in polled
    assert "3 / 3 products" in polled
    assert "hx-get" not in polled  # finished: no more polling


def test_recompute_without_htmx_redirects_to_the_dashboard(
    client, users, django_capture_on_commit_callbacks
):
    portfolio(1)
    client.force_login(users["cpo"])

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/recompute/")

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert RecomputeRun.objects.count() == 1


@pytest.mark.parametrize("role", ["product_manager", "executive", "recruiter"])
def test_other_roles_may_not_recompute(client, users, role):
    client.force_login(users[role])

    response = client.post("/recompute/", **HTMX)

    assert response.status_code == 403
    assert not RecomputeRun.objects.exists()


def test_integration_may_not_recompute_from_the_pages(client, users):
    client.force_login(users["integration"])

    response = client.post("/recompute/", **HTMX)

    assert response.status_code == 403
    assert not RecomputeRun.objects.exists()


def test_anonymous_recompute_goes_to_the_login_page(client):
    response = client.post("/recompute/", **HTMX)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not RecomputeRun.objects.exists()


def test_recompute_needs_the_csrf_token(users):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["cpo"])

    response = client.post("/recompute/", **HTMX)

    assert response.status_code == 403
    assert not RecomputeRun.objects.exists()


def test_recompute_is_a_post(client, users):
    client.force_login(users["cpo"])

    response = client.get("/recompute/")

    assert response.status_code == 405


def test_progress_of_a_running_recompute_keeps_polling(client, users):
    run = RecomputeRun.objects.create(
        kind=RunKind.FULL,
        computed_at=timezone.now(),
        total=10,
        done=4,
        state=RunState.PROGRESS,
    )
    client.force_login(users["cpo"])

    response = client.get(f"/recompute/{run.pk}/", **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-state="progress"' in html
    assert f'hx-get="/recompute/{run.pk}/"' in html
    assert 'hx-trigger="load delay:700ms"' in html
    assert '<progress id="recompute-bar-' in html and 'max="10" value="4"' in html
    assert "4 / 10 products" in html


def test_progress_of_a_failed_recompute_says_so_and_stops(client, users):
    run = RecomputeRun.objects.create(
        kind=RunKind.FULL,
        computed_at=timezone.now(),
        total=10,
        done=0,
        state=RunState.FAILURE,
        error="database unavailable",
    )
    client.force_login(users["cpo"])

    html = client.get(f"/recompute/{run.pk}/").content.decode()

    assert 'data-state="failure"' in html
    assert "The recompute failed: database unavailable." in html
    assert "hx-get" not in html


def test_progress_of_an_unknown_run_is_a_404(client, users):
    client.force_login(users["cpo"])

    response = client.get(f"/recompute/{uuid.uuid4()}/")

    assert response.status_code == 404


def test_progress_is_the_cpos(client, users):
    run = RecomputeRun.objects.create(kind=RunKind.FULL, computed_at=timezone.now())
    client.force_login(users["executive"])

    response = client.get(f"/recompute/{run.pk}/")

    assert response.status_code == 403


def test_dashboard_resumes_the_progress_of_a_running_recompute(client, users):
    run = RecomputeRun.objects.create(
        kind=RunKind.FULL, computed_at=timezone.now(), total=5, state=RunState.PENDING
    )
    client.force_login(users["cpo"])

    html = client.get("/").content.decode()

    assert f'hx-get="/recompute/{run.pk}/"' in html
    assert 'data-state="pending"' in html
