"""Celery tasks of the health engine: ids in, one service call, safe to run twice.

All are `acks_late` with `reject_on_worker_lost` (a task whose worker dies is
redelivered) and time-limited; only database connection errors — transient —
are retried, with exponential backoff and jitter.
"""

from typing import Any

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import services

TRANSIENT = (OperationalError, InterfaceError)
RETRY = {
    "autoretry_for": TRANSIENT,
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 5,
}
COMMON: dict[str, Any] = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "soft_time_limit": 240,
    "time_limit": 300,
}


@shared_task(bind=True, **COMMON, **RETRY)
def health_chunk_process_task(self: Any, run_id: str, index: int) -> bool:
    """Score one chunk of a recompute run (a no-op when it is done already)."""
    try:
        return services.health_chunk_process(run_id=run_id, index=index)
    except TRANSIENT:
        if self.request.retries >= RETRY["max_retries"]:
            services.health_run_fail(run_id=run_id, error="database unavailable")
        raise
    except Exception as exc:
        # Not transient: retrying cannot cure it. The run says so, then the
        # error propagates (logged by Celery, raised in eager mode).
        services.health_run_fail(run_id=run_id, error=f"{type(exc).__name__}: {exc}")
        raise


@shared_task(**COMMON, **RETRY)
def health_recompute_products_task(product_ids: list[int]) -> str:
    """Recompute the products a burst of changes touched (debounced)."""
    return str(services.health_recompute_scheduled(product_ids=product_ids).pk)


@shared_task(**COMMON, **RETRY)
def health_recompute_all_task() -> str:
    """Hourly, from beat: the reconciliation. Runs whose chunk messages were lost
    get them again, then every scored product is recomputed — a product whose
    change event was lost (a broker outage) is healed within the hour."""
    services.health_runs_reconcile()
    return str(services.health_run_start().pk)


@shared_task(**COMMON, **RETRY)
def health_portfolio_snapshot_task() -> int:
    """Snapshot the portfolio (daily, from beat: a chart point per day)."""
    return services.portfolio_snapshot_take().pk


@shared_task(**COMMON, **RETRY)
def health_snapshots_prune_task() -> int:
    """Thin out snapshots older than 35 days to the last of each day (daily)."""
    return services.snapshots_prune()
