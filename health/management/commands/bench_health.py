"""Time a full recompute against the floor, and end to end through real workers.

    manage.py seed_scale --products 1000 --kpis 10 --history-days 200
    manage.py bench_health [--repeat 3] [--workers 1 2] [--chunk-size 500]

Prints the data size, the wall time and SQL query count of a full recompute
through the service in this process (gather, score, write snapshots and product
health, the portfolio snapshot; no broker), a one-product recompute, and — on
PostgreSQL — the floor: one statement reading every input (latest value per KPI
with a LATERAL index probe, delivery credits, staffing sums), with the ratio.
Each figure is the median of `--repeat` runs; those snapshots are rolled back.

With `--workers N…` (needs REDIS_URL and PostgreSQL) it then starts, for each N,
one `celery worker --concurrency N` on this database and Redis and times full
recomputes end to end: from the CPO's `POST /api/v1/health/recompute/` (through
the test client, in this process) to the run's `success`, polled every 10 ms.
One warm-up run first; the snapshots of these runs are deleted afterwards.
`--chunk-size` fixes the chunk size for these runs (else `chunk_size_for`).
"""

import os
import statistics
import subprocess
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from accounts.services import token_issue, user_create
from cpo.celery import app as celery_app
from cpo.celery import worker_command
from kpis.models import Kpi, Measurement

from ... import selectors, services
from ...models import ProductSnapshot, RecomputeRun, RunState

ROOT = Path(__file__).resolve().parents[3]
WORKER_READY_SECONDS = 60
RUN_TIMEOUT_SECONDS = 300

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
        parser.add_argument(
            "--workers",
            type=int,
            nargs="*",
            default=[],
            help="Worker process counts to time end to end (e.g. 1 2).",
        )
        parser.add_argument("--chunk-size", type=int, default=None)
        parser.add_argument(
            "--skip-in-process",
            action="store_true",
            help="Only the runs through workers.",
        )

    def handle(
        self,
        *args: Any,
        repeat: int,
        workers: list[int],
        chunk_size: int | None,
        skip_in_process: bool,
        **options: Any,
    ) -> None:
        if workers and (not settings.CELERY_BROKER_URL.startswith("redis")):
            raise CommandError("--workers needs REDIS_URL (a real broker).")
        if workers and connection.vendor != "postgresql":
            raise CommandError("--workers needs PostgreSQL (workers share it).")
        if not skip_in_process:
            self._in_process(repeat)
        if chunk_size is not None:
            services.CHUNK_SIZE = services.MIN_CHUNK_SIZE = chunk_size
        for count in workers:
            self._through_workers(count, repeat)

    def _in_process(self, repeat: int) -> None:
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
            size = services.chunk_size_for(len(ids))
            for start in range(0, len(ids), size):
                chunk = ids[start : start + size]
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

    # --- end to end through real workers ----------------------------------------

    def _through_workers(self, count: int, repeat: int) -> None:
        out = self.stdout.write
        client = self._cpo_client()
        celery_app.control.purge()
        worker = _start_worker(count)
        eager = celery_app.conf.task_always_eager
        celery_app.conf.task_always_eager = False
        try:
            seconds = []
            for attempt in range(repeat + 1):  # the first is a warm-up
                elapsed, run = self._one_run(client)
                if attempt:
                    seconds.append(elapsed)
                ProductSnapshot.objects.filter(run=run).delete()
            median = statistics.median(seconds)
            out(
                f"  {count} worker process{'es' if count > 1 else ''}, chunks of "
                f"{services.chunk_size_for(run.total)}: API call to success "
                f"{median * 1000:7.0f} ms (median of {repeat}; "
                f"{', '.join(f'{s * 1000:.0f}' for s in seconds)} ms); "
                f"{run.total} products"
            )
        finally:
            celery_app.conf.task_always_eager = eager
            worker.terminate()
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()

    def _cpo_client(self) -> Client:
        user = User.objects.filter(username="bench-health-cpo").first()
        if user is None:
            user = user_create(
                username="bench-health-cpo", password=None, roles=[Role.CPO]
            )
        _, key = token_issue(user=user, days=1)
        host = next((h for h in settings.ALLOWED_HOSTS if h not in ("*", "")), "")
        return Client(
            HTTP_AUTHORIZATION=f"Bearer {key}",
            HTTP_HOST=host.lstrip(".") or "testserver",
        )

    def _one_run(self, client: Client) -> tuple[float, RecomputeRun]:
        started = time.perf_counter()
        response = client.post(
            "/api/v1/health/recompute/", {}, content_type="application/json"
        )
        if response.status_code != 202:
            raise CommandError(f"recompute answered {response.status_code}")
        run_id = response.json()["task_id"]
        deadline = started + RUN_TIMEOUT_SECONDS
        while time.perf_counter() < deadline:
            state = (
                RecomputeRun.objects.filter(pk=run_id)
                .values_list("state", flat=True)
                .first()
            )
            if state in (RunState.SUCCESS, RunState.FAILURE):
                break
            time.sleep(0.01)
        elapsed = time.perf_counter() - started
        run = RecomputeRun.objects.get(pk=run_id)
        if run.state != RunState.SUCCESS:
            raise CommandError(f"run {run_id} ended {run.state}: {run.error}")
        return elapsed, run


def _start_worker(concurrency: int) -> subprocess.Popen[bytes]:
    """`celery -A cpo worker --concurrency N` on this process's settings."""
    worker = subprocess.Popen(  # noqa: S603 — a fixed command line
        worker_command(
            name=f"bench-{os.getpid()}@%h", concurrency=concurrency, loglevel="WARNING"
        ),
        cwd=ROOT,
        env={**os.environ},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + WORKER_READY_SECONDS
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise CommandError("the celery worker exited at start")
        replies = celery_app.control.ping(timeout=0.5)
        # Every pool process is up once the worker answers (prefork starts them
        # before it consumes).
        if replies:
            return worker
    worker.kill()
    raise CommandError("the celery worker did not answer a ping in time")
