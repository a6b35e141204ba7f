"""Browser tests: Playwright drives Debian's Chromium (no browser download)."""

import os

import pytest

from tests.conftest import CHROMIUM, chromium_available, need

# Playwright's sync API runs an event loop in this thread; Django's ORM is safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": CHROMIUM_ARGS,
        "headless": True,
    }


@pytest.fixture(autouse=True)
def _need_chromium():
    need("Chromium", chromium_available(), f"{CHROMIUM} is not installed")


# The recompute test drives a real Celery worker (tests/workers.py).
from tests.workers import celery_worker  # noqa: E402, F401 — a fixture
