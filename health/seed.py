"""Demo health: 180 days of daily snapshots backfilled from the demo history, then
a live recompute — so trends, charts and the report have data from the first start.

Each past day is scored as of noon UTC that day with the same code as a live run:
KPIs by their latest measurement up to that moment, roadmap items delivered only
if delivered by then; teams as they are now (headcount history is not kept).
"""

from datetime import UTC, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from .models import ProductSnapshot
from .selectors import scored_product_ids
from .services import health_run_start, portfolio_snapshot_take, products_score

BACKFILL_DAYS = 180


def seed_demo(ctx: dict[str, Any]) -> None:
    """Backfill daily snapshots (once) and start a live recompute."""
    stdout = ctx.get("stdout")
    ids = scored_product_ids()
    if not ids:
        return
    if not ProductSnapshot.objects.exists():
        today = timezone.now().date()
        for days_ago in range(BACKFILL_DAYS, 0, -1):
            day = today - timedelta(days=days_ago)
            moment = datetime.combine(day, time(12), tzinfo=UTC)
            products_score(product_ids=ids, now=moment)
            portfolio_snapshot_take(now=moment)
        if stdout is not None:
            stdout.write(f"Health: {BACKFILL_DAYS} days of snapshots backfilled.")
    # The live scores: computed after the seed commits (in-process by default,
    # by the workers when a broker is configured).
    health_run_start()
