"""Time a full recompute against the floor: the bare SQL reading the same inputs.

    manage.py seed_scale --products 1000 --kpis 10 --history-days 200
    manage.py bench_health [--repeat 3]

Prints the data size, the wall time and SQL query count of a full recompute
through the service (gather, score, write snapshots and product health, the
portfolio snapshot; no broker), a one-product recompute, and — on PostgreSQL —
the floor: one statement reading every input (latest value per KPI with a
LATERAL index probe, delivery credits, staffing sums), with the ratio. Each
figure is the median of `--repeat` runs; the snapshots it writes are rolled back.
"""

import statistics
import time
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone

from kpis.models import Kpi, Measurement

from ... import selectors, services

FLOOR_SQL = """
SELECT k.product_id, k.id, m.value, m.measured_at
FROM kpis_kpi k
JOIN portfolio_product p ON p.id = k.product_id AND p.lifecycle_stage <> 'retired'
LEFT JOIN LATERAL (
    SELECT value, measured_at FROM kpis_measurement
    WHERE kpi_id = k.id AND measured_at <= %(now)s
    ORDER BY measured_at DESC LIMIT 1
) m ON true;
SELECT i.product_id,
       sum(CASE WHEN i.delivered_on IS NULL THEN 0
                WHEN i.delivered_on <= i.target_date THEN 1 ELSE 0.5 END),
       count(*)
FROM roadmaps_roadmapitem i
WHERE i.status <> 'cancelled' AND i.target_date BETWEEN %(start)s AND %(end)s
GROUP BY i.product_id;
SELECT t.product_id, sum(t.planned_headcount), sum(t.current_headcount)
FROM hiring_team t GROUP BY t.product_id;
"""


class _Rollback(Exception):
    pass


def _timed(fn: Any) -> tuple[float, int]:
    """(seconds, SQL queries) of fn(), rolled back afterwards."""
    queries = 0

    def count(execute: Any, sql: str, *args: Any) -> Any:
        nonlocal queries
        queries += 1
        return execute(sql, *args)

    started = time.perf_counter()
    try:
        with transaction.atomic(), connection.execute_wrapper(count):
            fn()
            elapsed = time.perf_counter() - started
            raise _Rollback
    except _Rollback:
        pass
    return elapsed, queries


class Command(BaseCommand):
    help = "Full and one-product recompute times and queries, beside the SQL floor."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--repeat", type=int, default=3)

    def handle(self, *args: Any, repeat: int, **options: Any) -> None:
        ids = selectors.scored_product_ids()
        if not ids:
            self.stdout.write("No products: run seed_scale first.")
            return
        out = self.stdout.write
        out(
            f"{connection.vendor}: {len(ids)} scored products, "
            f"{Kpi.objects.count():,} KPIs, "
            f"{Measurement.objects.count():,} measurements"
        )

        def full() -> None:
            now = timezone.now()
            for start in range(0, len(ids), services.CHUNK_SIZE):
                chunk = ids[start : start + services.CHUNK_SIZE]
                services.products_score(product_ids=chunk, now=now)
            services.portfolio_snapshot_take(now=now)

        def one() -> None:
            now = timezone.now()
            services.products_score(product_ids=ids[:1], now=now)
            services.portfolio_snapshot_take(now=now)

        runs = [_timed(full) for _ in range(repeat)]
        full_s = statistics.median(r[0] for r in runs)
        out(f"  full recompute       {full_s * 1000:9.0f} ms   {runs[0][1]} queries")
        runs = [_timed(one) for _ in range(repeat)]
        one_s = statistics.median(r[0] for r in runs)
        out(f"  one product          {one_s * 1000:9.0f} ms   {runs[0][1]} queries")
        if connection.vendor != "postgresql":
            out("  floor                n/a (the LATERAL floor needs PostgreSQL)")
            return
        policy = selectors.policy_get()
        today = timezone.localdate()
        params = {
            "now": timezone.now(),
            "start": today - timedelta(days=policy.delivery_window_days),
            "end": today - timedelta(days=1),
        }

        def floor() -> None:
            with connection.cursor() as cursor:
                for statement in filter(str.strip, FLOOR_SQL.split(";")):
                    cursor.execute(statement, params)
                    cursor.fetchall()

        floor_s = statistics.median(_timed(floor)[0] for _ in range(repeat))
        out(f"  floor (bare SQL)     {floor_s * 1000:9.0f} ms")
        out(f"  full / floor         {full_s / floor_s:9.2f}x")
