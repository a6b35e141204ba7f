"""The Celery app; its configuration is the CELERY_* block of the Django settings."""

import gc
import os

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
