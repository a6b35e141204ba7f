"""The Celery app; its configuration is the CELERY_* block of the Django settings."""

import gc
import os
import sys

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cpo.settings.local")

app = Celery("cpo")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def _gc_freeze(**kwargs: object) -> None:
    """Move everything a pool process has loaded (Django, the app) out of the
    collector's sight: a recompute chunk allocates ~10^5 objects, and each full
    collection would otherwise walk the whole loaded framework again."""
    gc.freeze()


def worker_command(*, name: str, concurrency: int, loglevel: str) -> list[str]:
    """The command line of one `celery -A cpo worker` with a prefork pool of
    `concurrency` processes, named `name` (for `bench_health` and the tests)."""
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "cpo",
        "worker",
        "--pool",
        "prefork",
        "--concurrency",
        str(concurrency),
        "--loglevel",
        loglevel,
        "--hostname",
        name,
        "--without-gossip",
        "--without-mingle",
    ]
