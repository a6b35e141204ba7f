"""Integration tests run a real Celery worker (tests/workers.py)."""

from tests.workers import celery_worker  # noqa: F401 — a fixture
