"""Integration tests run a real Celery worker (tests/workers.py)."""

from tests.workers import celery_worker, celery_workers  # noqa: F401 — fixtures
