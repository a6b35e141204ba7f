"""A real Celery worker against Redis and the test database (STACK.md 15 and 16).

Shared by tests/integration and tests/e2e: their conftest.py import the
`celery_worker` fixture from here.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from cpo.celery import app as celery_app
from tests.conftest import need, postgres_in_use, redis_available

ROOT = Path(__file__).resolve().parents[1]
WORKER_READY_SECONDS = 60


def _test_database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] or ""
    if s.get("PASSWORD"):
        auth += f":{s['PASSWORD']}"
    host = s["HOST"] or "127.0.0.1"
    port = s["PORT"] or 5432
    return f"postgres://{auth}@{host}:{port}/{s['NAME']}"


@pytest.fixture
def celery_worker(transactional_db):
    """Start `celery -A cpo worker` on the test database; stop it before teardown."""
    need("Redis", redis_available(), "REDIS_URL unset or not answering")
    need(
        "PostgreSQL",
        postgres_in_use(),
        "a worker process cannot share SQLite's test database",
    )
    celery_app.control.purge()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cpo.settings.test",
        "DATABASE_URL": _test_database_url(),
    }
    hostname = f"test-{os.getpid()}@%h"
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "cpo",
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            "1",
            "--loglevel",
            "INFO",
            "--hostname",
            hostname,
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        deadline = time.monotonic() + WORKER_READY_SECONDS
        while time.monotonic() < deadline:
            if worker.poll() is not None:
                pytest.fail(f"celery worker exited early:\n{worker.stdout.read()}")
            if celery_app.control.ping(timeout=0.5):
                break
        else:
            pytest.fail("celery worker did not answer a ping in time")
        yield worker
    finally:
        celery_app.conf.task_always_eager = eager
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
