"""The health engine shared by real workers: chunks, concurrency, worker death,
reconciliation (issue "Health at scale"). Real Celery worker processes on Redis
and the PostgreSQL test database; never skipped in CI.

Where a test needs a worker to stop inside a chunk, a second database connection
holds a row lock the chunk needs, and the test waits until PostgreSQL reports a
backend waiting on a lock: no sleeps, no timing guesses.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from unittest import mock

import psycopg2
import pytest
from django.db import connection
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from health import services
from health.models import (
    PortfolioSnapshot,
    ProductSnapshot,
    RecomputeChunk,
    RecomputeRun,
)
from health.tasks import health_chunk_process_task, health_recompute_all_task
from kpis.models import Measurement
from portfolio.models import Product
from tests.factories.kpis import KpiFactory, MeasurementFactory
from tests.factories.portfolio import ProductFactory
from tests.integration.test_celery_worker import wait_for
from tests.workers import worker_database_url

pytestmark = pytest.mark.integration

CHUNK_TASK = "health.tasks.health_chunk_process_task["


def chunks_succeeded(log: str) -> int:
    return sum(
        1 for line in log.splitlines() if CHUNK_TASK in line and "succeeded" in line
    )


def products(count: int, value: float = 50.0) -> list[Product]:
    """Products with one daily KPI (0 → 100) measured an hour ago at `value`."""
    made = []
    for n in range(count):
        product = ProductFactory(name=f"Scale {n:03}")
        kpi = KpiFactory(product=product, baseline=0, target=100, cadence="daily")
        MeasurementFactory(
            kpi=kpi, value=value, measured_at=timezone.now() - timedelta(hours=1)
        )
        made.append(product)
    return made


@contextmanager
def locked(sql: str, params: list) -> Iterator[None]:
    """Hold the row locks `sql` takes, from a second connection, until the end."""
    side = psycopg2.connect(worker_database_url())
    try:
        with side.cursor() as cursor:
            cursor.execute(sql, params)
        yield
    finally:
        side.rollback()
        side.close()


def lock_waiters() -> int:
    """Backends of the test database waiting on a lock right now."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def activity() -> list[tuple]:
    """What each backend of the test database is doing (for failure messages)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT state, wait_event_type, wait_event, left(query, 80) "
            "FROM pg_stat_activity WHERE datname = current_database()"
        )
        return cursor.fetchall()


def run_state(run_id) -> str:
    return RecomputeRun.objects.get(pk=run_id).state


def snapshots_per_product(run_id) -> dict[int, int]:
    rows = (
        ProductSnapshot.objects.filter(run_id=run_id)
        .values("product_id")
        .annotate(n=Count("id"))
    )
    return {row["product_id"]: row["n"] for row in rows}


def recompute(client) -> str:
    response = client.post("/api/v1/health/recompute/", {})
    assert response.status_code == 202
    return response.json()["task_id"]


def test_a_full_recompute_is_shared_by_two_workers(
    celery_workers, api_as, make_user, monkeypatch
):
    made = products(12)
    monkeypatch.setattr(services, "CHUNK_SIZE", 2)  # 6 chunks
    first, second = celery_workers(count=2)
    client = api_as(make_user("cpo"))

    # The first product's row is locked: whichever worker takes chunk 0 waits
    # inside it, so the other must do the five other chunks.
    with locked(
        "SELECT 1 FROM portfolio_product WHERE id = %s FOR UPDATE", [made[0].pk]
    ):
        run_id = recompute(client)
        assert wait_for(lambda: lock_waiters() == 1, seconds=60), activity()
        assert wait_for(
            lambda: RecomputeRun.objects.get(pk=run_id).done == 10, seconds=60
        )
        assert run_state(run_id) == "progress"

    assert wait_for(lambda: run_state(run_id) == "success", seconds=60)
    status = client.get(reverse("health-task", kwargs={"task_id": run_id})).json()
    assert status == {"state": "success", "done": 12, "total": 12}
    assert snapshots_per_product(run_id) == {p.pk: 1 for p in made}
    assert PortfolioSnapshot.objects.get(run_id=run_id).score == 50.0
    assert RecomputeChunk.objects.filter(run_id=run_id, done_at=None).count() == 0
    # Both workers scored chunks: 6 successes between them, each at least one.
    done = [chunks_succeeded(w.log()) for w in (first, second)]
    assert sum(done) == 6 and min(done) >= 1, done


def test_a_pool_process_killed_mid_chunk_loses_nothing_and_doubles_nothing(
    celery_workers, api_as, make_user, monkeypatch
):
    made = products(6)
    monkeypatch.setattr(services, "CHUNK_SIZE", 3)  # 2 chunks
    (worker,) = celery_workers(count=1, concurrency=1)
    (child,) = worker.pool_pids()
    client = api_as(make_user("cpo"))

    with locked(
        "SELECT 1 FROM portfolio_product WHERE id = %s FOR UPDATE", [made[0].pk]
    ):
        run_id = recompute(client)
        # The pool process is inside chunk 0: scored, snapshots written (not
        # committed), waiting for the product row.
        assert wait_for(lambda: lock_waiters() == 1, seconds=60), activity()
        assert RecomputeRun.objects.get(pk=run_id).done == 0
        worker.kill_pool_process(child)
        # The worker replaces its pool process (STACK.md 16: the killed
        # child's task is requeued at once, reject_on_worker_lost).
        assert wait_for(lambda: worker.pool_pids() not in ([], [child]), seconds=60)

    assert wait_for(lambda: run_state(run_id) == "success", seconds=90)
    run = RecomputeRun.objects.get(pk=run_id)
    assert (run.done, run.total) == (6, 6)
    assert snapshots_per_product(run_id) == {p.pk: 1 for p in made}
    assert PortfolioSnapshot.objects.filter(run_id=run_id).count() == 1
    assert "WorkerLostError" in worker.log()
    assert worker.process.poll() is None  # the worker itself lives on


def test_an_older_run_finishing_last_does_not_overwrite_the_newer(
    celery_workers, api_as, make_user
):
    made = products(3, value=40.0)
    celery_workers(count=2)
    client = api_as(make_user("cpo"))
    # Run A, five minutes ago, whose chunk message is late (a busy queue, say).
    with mock.patch.object(health_chunk_process_task, "delay") as held:
        older = services.health_run_start(now=timezone.now() - timedelta(minutes=5))
    assert held.call_count == 1
    # Then the data change (measured after A's moment; no event) and run B,
    # started now, lands first.
    for product in made:
        Measurement.objects.create(
            kpi=product.kpis.get(),
            value=90.0,
            measured_at=timezone.now() - timedelta(minutes=1),
        )
    newer_id = recompute(client)
    assert wait_for(lambda: run_state(newer_id) == "success", seconds=60)
    newer = RecomputeRun.objects.get(pk=newer_id)
    assert {p.health_score for p in Product.objects.all()} == {90.0}

    # Now A's chunk arrives: it scores the data as of A's moment (40) and must
    # not overwrite B's newer result (90) on the products.
    health_chunk_process_task.delay(str(older.pk), 0)
    assert wait_for(lambda: run_state(older.pk) == "success", seconds=60)
    assert {s.score for s in ProductSnapshot.objects.filter(run_id=older.pk)} == {40.0}

    assert snapshots_per_product(older.pk) == {p.pk: 1 for p in made}
    assert snapshots_per_product(newer.pk) == {p.pk: 1 for p in made}
    for product in Product.objects.all():
        assert product.health_computed_at == newer.computed_at
        assert product.health_score == 90.0


def test_two_recomputes_at_once_over_shared_products_neither_duplicate_nor_deadlock(
    celery_workers, api_as, make_user, monkeypatch
):
    made = products(20)
    celery_workers(count=2)
    client = api_as(make_user("cpo"))

    # Different chunkings, so the two runs' chunks overlap in different orders.
    monkeypatch.setattr(services, "CHUNK_SIZE", 3)
    first = recompute(client)
    monkeypatch.setattr(services, "CHUNK_SIZE", 7)
    second = recompute(client)

    assert wait_for(
        lambda: {run_state(first), run_state(second)} == {"success"}, seconds=90
    )
    assert snapshots_per_product(first) == {p.pk: 1 for p in made}
    assert snapshots_per_product(second) == {p.pk: 1 for p in made}
    newest = RecomputeRun.objects.get(pk=second)
    for product in Product.objects.all():
        # The later run's moment is on every product, with its score.
        assert product.health_computed_at == newest.computed_at
        assert (
            product.health_score
            == ProductSnapshot.objects.get(product=product, run_id=second).score
        )
    assert PortfolioSnapshot.objects.filter(run_id__in=[first, second]).count() == 2


def test_a_lost_event_is_healed_by_the_hourly_reconciliation(
    celery_worker, api_as, make_user
):
    (product,) = products(1, value=30.0)
    first = recompute(api_as(make_user("cpo")))
    assert wait_for(lambda: run_state(first) == "success", seconds=60)
    assert Product.objects.get(pk=product.pk).health_score == 30.0

    # A change whose event never reached a worker (a broker outage): written
    # straight to the table, no product_data_changed, no recompute queued.
    Measurement.objects.create(
        kpi=product.kpis.get(), value=80.0, measured_at=timezone.now()
    )
    assert not RecomputeRun.objects.exclude(pk=first).exists()

    health_recompute_all_task.delay()  # what beat sends every hour

    assert wait_for(
        lambda: Product.objects.get(pk=product.pk).health_score == 80.0, seconds=60
    )
    assert ProductSnapshot.objects.filter(product=product).count() == 2


def test_the_hourly_reconciliation_resends_the_chunks_of_a_stalled_run(
    celery_worker, monkeypatch
):
    made = products(4)
    monkeypatch.setattr(services, "CHUNK_SIZE", 2)
    # A run whose chunk messages were lost (the broker restarted empty).
    with mock.patch.object(health_chunk_process_task, "delay"):
        stalled = services.health_run_start()
    RecomputeRun.objects.filter(pk=stalled.pk).update(
        updated_at=timezone.now() - services.stalled_after() - timedelta(minutes=1)
    )

    health_recompute_all_task.delay()

    assert wait_for(lambda: run_state(stalled.pk) == "success", seconds=60)
    assert snapshots_per_product(stalled.pk) == {p.pk: 1 for p in made}
    # …and the hourly full recompute ran as well.
    assert wait_for(
        lambda: RecomputeRun.objects.filter(state="success").count() == 2, seconds=60
    )
