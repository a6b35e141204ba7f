from celery import shared_task

from .services import tokens_purge_expired


@shared_task(
    acks_late=True, reject_on_worker_lost=True, time_limit=120, soft_time_limit=100
)
def tokens_purge_expired_task() -> int:
    """Delete expired API tokens (daily, from beat)."""
    return tokens_purge_expired()
