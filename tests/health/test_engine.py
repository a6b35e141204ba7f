"""The health engine through the database: gathering, snapshots, runs, clean-up."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from health import services
from health.models import (
    HealthPolicy,
    PortfolioSnapshot,
    ProductSnapshot,
    RecomputeChunk,
    RecomputeRun,
    RunState,
)
from portfolio.models import Product
from tests.factories.hiring import TeamFactory
from tests.factories.kpis import KpiFactory, MeasurementFactory
from tests.factories.portfolio import ProductFactory
from tests.factories.roadmaps import RoadmapItemFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
TODAY = date(2026, 11, 20)


def scored_product(name="Atlas", *, kpi_value=15.0, importance=3, **kwargs):
    """A product with a KPI at 50 %, two items (one on time, one overdue), a team
    at 3 of 4: KPI 50, delivery 50, staffing 75 → 0.5·50 + 0.3·50 + 0.2·75 = 55."""
    product = ProductFactory(name=name, strategic_importance=importance, **kwargs)
    kpi = KpiFactory(product=product, baseline=10, target=20, cadence="weekly")
    MeasurementFactory(kpi=kpi, value=kpi_value, measured_at=NOW - timedelta(days=1))
    RoadmapItemFactory(
        product=product,
        status="done",
        target_date=TODAY - timedelta(days=10),
        delivered_on=TODAY - timedelta(days=12),
    )
    RoadmapItemFactory(
        product=product, status="in_progress", target_date=TODAY - timedelta(days=5)
    )
    TeamFactory(product=product, planned_headcount=4, current_headcount=3)
    return product


def run_all(now=NOW, product_ids=None):
    """Start a run and process its chunks in-process (as eager Celery does)."""
    with time_machine.travel(now, tick=False):
        run = services.health_run_start(product_ids=product_ids, now=now)
        for chunk in run.chunks.order_by("index"):
            services.health_chunk_process(run_id=run.pk, index=chunk.index)
        if not run.chunks.exists():
            services.health_run_finish(run_id=run.pk)
    run.refresh_from_db()
    return run


def test_a_run_scores_a_product_from_its_data():
    product = scored_product()

    run = run_all()

    snapshot = ProductSnapshot.objects.get(product=product)
    assert (snapshot.score, snapshot.status) == (55.0, "at_risk")
    assert (run.state, run.done, run.total) == (RunState.SUCCESS, 1, 1)
    assert snapshot.run_id == run.pk and snapshot.computed_at == NOW


def test_the_snapshot_explains_each_component():
    product = scored_product()

    run_all()

    components = {
        c["name"]: c for c in ProductSnapshot.objects.get(product=product).components
    }
    kpi = components["kpi"]["details"][0]
    outcomes = sorted(d["outcome"] for d in components["delivery"]["details"])
    team = components["staffing"]["details"][0]
    assert (kpi["value"], kpi["target"], kpi["attainment"], kpi["stale"]) == (
        15.0,
        20.0,
        0.5,
        False,
    )
    assert outcomes == ["on_time", "overdue"]
    assert (team["planned"], team["current"], team["gap"]) == (4, 3, 1)
    assert components["staffing"]["score"] == 75.0


def test_the_latest_health_is_copied_onto_the_product():
    product = scored_product()

    run_all()

    product.refresh_from_db()
    assert (product.health_score, product.health_status) == (55.0, "at_risk")
    assert product.health_computed_at == NOW


def test_an_older_run_never_overwrites_a_newer_health():
    product = scored_product()
    run_all(now=NOW)

    run_all(now=NOW - timedelta(hours=1))

    product.refresh_from_db()
    assert product.health_computed_at == NOW
    assert ProductSnapshot.objects.filter(product=product).count() == 2


def test_retired_products_get_no_snapshot_and_count_nowhere():
    scored_product("Live")
    retired = scored_product("Old", lifecycle_stage="retired")

    run = run_all()

    portfolio = PortfolioSnapshot.objects.get(run=run)
    assert not ProductSnapshot.objects.filter(product=retired).exists()
    assert run.total == 1
    assert portfolio.counts == {"healthy": 0, "at_risk": 1, "critical": 0, "unknown": 0}


def test_the_portfolio_snapshot_weights_scores_by_importance():
    scored_product("Strong", kpi_value=20.0, importance=4)  # KPI 100 → 80.0
    scored_product("Weak", kpi_value=10.0, importance=1)  # KPI 0 → 30.0

    run = run_all()

    portfolio = PortfolioSnapshot.objects.get(run=run)
    assert portfolio.score == 70.0  # (80·4 + 30·1) / 5
    assert portfolio.status == "healthy"
    assert portfolio.counts["healthy"] == 1 and portfolio.counts["critical"] == 1


def test_a_product_without_data_is_unknown():
    product = ProductFactory()

    run_all()

    snapshot = ProductSnapshot.objects.get(product=product)
    assert (snapshot.score, snapshot.status, snapshot.weakest) == (None, "unknown", "")


def test_trend_compares_with_the_snapshot_from_before_the_trend_window():
    kpi = KpiFactory(baseline=10, target=20, cadence="weekly")
    MeasurementFactory(kpi=kpi, value=12.5, measured_at=NOW - timedelta(days=31))
    MeasurementFactory(kpi=kpi, value=20.0, measured_at=NOW - timedelta(days=1))
    run_all(now=NOW - timedelta(days=30))  # as of then: 25.0
    run_all(now=NOW - timedelta(days=20))  # too recent to compare with

    run_all(now=NOW)  # 100.0

    scores = list(
        ProductSnapshot.objects.order_by("computed_at").values_list("score", "trend")
    )
    assert scores == [(25.0, None), (25.0, None), (100.0, 75.0)]


def test_trend_is_null_without_a_snapshot_old_enough():
    scored_product()
    run_all(now=NOW - timedelta(days=10))

    run_all(now=NOW)

    assert ProductSnapshot.objects.get(computed_at=NOW).trend is None


def test_a_chunk_processed_twice_is_scored_and_counted_once():
    product = scored_product()
    with time_machine.travel(NOW, tick=False):
        run = services.health_run_start(now=NOW)

    first = services.health_chunk_process(run_id=run.pk, index=0)
    second = services.health_chunk_process(run_id=run.pk, index=0)

    run.refresh_from_db()
    assert (first, second) == (True, False)
    assert (run.done, run.total, run.state) == (1, 1, RunState.SUCCESS)
    assert ProductSnapshot.objects.filter(product=product).count() == 1
    assert PortfolioSnapshot.objects.filter(run=run).count() == 1


def test_a_chunk_redelivered_after_its_commit_still_finishes_the_run(monkeypatch):
    # The worker committed the chunk, then died before finishing the run.
    scored_product()
    with time_machine.travel(NOW, tick=False):
        run = services.health_run_start(now=NOW)
    finish = services.health_run_finish
    monkeypatch.setattr(services, "health_run_finish", lambda **kwargs: False)
    assert services.health_chunk_process(run_id=run.pk, index=0) is True
    run.refresh_from_db()
    assert (run.state, run.done) == (RunState.PROGRESS, 1)
    monkeypatch.setattr(services, "health_run_finish", finish)

    redelivered = services.health_chunk_process(run_id=run.pk, index=0)

    run.refresh_from_db()
    assert redelivered is False  # nothing scored again…
    assert (run.state, run.done) == (RunState.SUCCESS, 1)  # …but the run ends
    assert ProductSnapshot.objects.filter(run=run).count() == 1
    assert PortfolioSnapshot.objects.filter(run=run).count() == 1


def _age(run, **delta):
    RecomputeRun.objects.filter(pk=run.pk).update(
        created_at=NOW - timedelta(**delta), updated_at=NOW - timedelta(**delta)
    )


def test_reconciliation_resends_only_the_missing_chunks_of_stalled_runs(monkeypatch):
    from health import tasks

    monkeypatch.setattr(services, "CHUNK_SIZE", 1)
    for n in range(3):
        ProductFactory(name=f"P{n}")
    stalled = services.health_run_start(now=NOW)
    fresh = services.health_run_start(now=NOW)
    services.health_chunk_process(run_id=stalled.pk, index=1)
    _age(stalled, minutes=services.stalled_after().total_seconds() / 60 + 1)
    sent = []
    monkeypatch.setattr(
        tasks.health_chunk_process_task, "delay", lambda *args: sent.append(args)
    )

    with time_machine.travel(NOW, tick=False):
        count = services.health_runs_reconcile()

    assert count == 2
    assert sorted(sent) == [(str(stalled.pk), 0), (str(stalled.pk), 2)]
    fresh.refresh_from_db()
    assert fresh.state == RunState.PENDING  # not stalled: left alone


def test_reconciliation_finishes_a_run_whose_chunks_are_all_done(monkeypatch):
    scored_product()
    with time_machine.travel(NOW, tick=False):
        run = services.health_run_start(now=NOW)
    monkeypatch.setattr(services, "health_run_finish", lambda **kwargs: False)
    services.health_chunk_process(run_id=run.pk, index=0)
    monkeypatch.undo()
    _age(run, hours=1)

    with time_machine.travel(NOW, tick=False):
        assert services.health_runs_reconcile() == 0

    run.refresh_from_db()
    assert run.state == RunState.SUCCESS
    assert PortfolioSnapshot.objects.filter(run=run).count() == 1


def test_reconciliation_fails_a_run_abandoned_for_six_hours():
    scored_product()
    run = services.health_run_start(now=NOW)
    _age(run, hours=7)

    with time_machine.travel(NOW, tick=False):
        services.health_runs_reconcile()

    run.refresh_from_db()
    assert run.state == RunState.FAILURE
    assert run.error == "abandoned: not finished in 6 hours"


def test_a_full_run_is_split_into_chunks(monkeypatch):
    monkeypatch.setattr(services, "CHUNK_SIZE", 2)
    for n in range(5):
        ProductFactory(name=f"P{n}")

    run = run_all()

    assert list(run.chunks.values_list("index", flat=True).order_by("index")) == [
        0,
        1,
        2,
    ]
    assert [len(c.product_ids) for c in run.chunks.order_by("index")] == [2, 2, 1]
    assert (run.done, run.state) == (5, RunState.SUCCESS)
    assert RecomputeChunk.objects.filter(run=run, done_at__isnull=True).count() == 0


@pytest.mark.parametrize(
    "total, size",
    [(1, 50), (100, 50), (400, 50), (1_000, 125), (8_000, 1000), (10_000, 1000)],
)
def test_chunks_are_large_but_a_run_has_eight_of_them(total, size):
    assert services.chunk_size_for(total) == size
    chunks = -(-total // size)
    assert chunks >= min(8, -(-total // 50))


def test_a_run_with_nothing_to_score_still_snapshots_the_portfolio():
    run = run_all()

    assert (run.state, run.total) == (RunState.SUCCESS, 0)
    assert PortfolioSnapshot.objects.filter(run=run).exists()


def test_a_failing_chunk_marks_the_run_failed(monkeypatch):
    from health import tasks

    scored_product()

    def broken(**kwargs):
        raise ValueError("boom")

    monkeypatch.setattr(services, "products_score", broken)
    with time_machine.travel(NOW, tick=False):
        run = services.health_run_start(now=NOW)
    with pytest.raises(ValueError, match="boom"):
        tasks.health_chunk_process_task.apply(args=[str(run.pk), 0], throw=True)

    run.refresh_from_db()
    assert run.state == RunState.FAILURE
    assert run.error == "ValueError: boom"


def test_a_full_recompute_costs_the_same_queries_for_20_and_200_products(
    monkeypatch,
):
    monkeypatch.setattr(services, "CHUNK_SIZE", 1000)
    monkeypatch.setattr(services, "MIN_CHUNKS", 1)  # one chunk either way
    services.selectors.policy_get()  # the policy row exists (as after migrate)
    counts = []
    for batch, more in enumerate((20, 180)):  # 20 products, then 200
        for n in range(more):
            scored_product(f"P{batch}-{n:03}")
        with CaptureQueriesContext(connection) as queries:
            run_all(now=NOW + timedelta(minutes=batch))
        # SQLite caps a statement at 999 parameters, so its bulk INSERT of the
        # snapshots comes in batches of ~111 rows; PostgreSQL streams them in one
        # COPY (not a query the context sees, so none is an INSERT).
        inserts = [
            q
            for q in queries
            if q["sql"].startswith("INSERT") and '"health_productsnapshot"' in q["sql"]
        ]
        if connection.vendor == "postgresql":
            assert inserts == []
        counts.append(len(queries) - len(inserts))
        assert (
            ProductSnapshot.objects.filter(
                computed_at=NOW + timedelta(minutes=batch)
            ).count()
            == 20 + 180 * batch
        )

    assert Product.objects.count() == 200
    assert counts[0] == counts[1]


def test_snapshots_older_than_35_days_keep_the_last_of_each_day():
    product = ProductFactory()
    old_day = NOW - timedelta(days=40)
    for hour in (8, 12, 18):
        ProductSnapshot.objects.create(
            product=product,
            computed_at=old_day.replace(hour=hour),
            score=hour,
            status="critical",
        )
    for hour in (8, 18):
        ProductSnapshot.objects.create(
            product=product,
            computed_at=(NOW - timedelta(days=2)).replace(hour=hour),
            score=hour,
            status="critical",
        )

    deleted = services.snapshots_prune(now=NOW)

    kept = sorted(
        ProductSnapshot.objects.values_list("score", flat=True).order_by("score")
    )
    assert deleted == 2
    assert kept == [8.0, 18.0, 18.0]


def test_policy_update_triggers_a_full_recompute(django_capture_on_commit_callbacks):
    scored_product()

    with django_capture_on_commit_callbacks(execute=True):
        services.policy_update(actor=None, data={"kpi_weight": 1.0})

    assert HealthPolicy.objects.get().kpi_weight == 1.0
    run = RecomputeRun.objects.get()
    assert run.kind == "full" and run.state == RunState.SUCCESS


def test_an_unchanged_policy_starts_no_run(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.policy_update(actor=None, data={"kpi_weight": 0.5})

    assert not RecomputeRun.objects.exists()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"kpi_weight": 0, "delivery_weight": 0, "staffing_weight": 0},
            "weights",
            "At least one weight must be above 0.",
        ),
        ({"kpi_weight": -1}, "weights", "Every weight must be 0 or more."),
        (
            {"healthy_threshold": 40, "at_risk_threshold": 40},
            "thresholds",
            "Thresholds must satisfy 0 ≤ at_risk < healthy ≤ 100 "
            "(got at_risk 40, healthy 40).",
        ),
        (
            {"healthy_threshold": 101},
            "thresholds",
            "Thresholds must satisfy 0 ≤ at_risk < healthy ≤ 100 "
            "(got at_risk 40, healthy 101).",
        ),
        ({"trend_days": 0}, "trend_days", "Must be at least 1 day."),
    ],
)
def test_policy_rules_are_enforced_and_nothing_saved(data, field, message):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as info:
        services.policy_update(actor=None, data=data)

    assert info.value.message_dict == {field: [message]}
    assert services.selectors.policy_get().kpi_weight == 0.5


def test_data_changes_fold_into_one_queued_recompute(monkeypatch):
    from health import tasks

    queued = []
    monkeypatch.setattr(
        tasks.health_recompute_products_task,
        "apply_async",
        lambda args, countdown: queued.append((args, countdown)),
    )

    first = services.health_schedule(product_ids=[3, 1])
    second = services.health_schedule(product_ids=[1, 2])

    assert (first, second) == ([1, 3], [2])
    assert queued == [([[1, 3]], services.DEBOUNCE_SECONDS), ([[2]], 2)]


def test_a_queued_recompute_releases_its_products_first(monkeypatch):
    from health import tasks

    monkeypatch.setattr(
        tasks.health_recompute_products_task, "apply_async", lambda **kwargs: None
    )
    product = scored_product()
    services.health_schedule(product_ids=[product.pk])

    services.health_recompute_scheduled(product_ids=[product.pk])

    assert services.health_schedule(product_ids=[product.pk]) == [product.pk]


def test_bulk_ingestion_of_10000_rows_recomputes_the_product_once(
    api_as, make_user, django_capture_on_commit_callbacks
):
    product = ProductFactory()
    kpi = KpiFactory(product=product, cadence="daily")
    start = datetime(2025, 1, 1, tzinfo=UTC)
    rows = [
        {
            "kpi": kpi.pk,
            "measured_at": (start + timedelta(hours=n)).isoformat(),
            "value": n,
        }
        for n in range(10_000)
    ]

    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(make_user("cpo")).post(
            "/api/v1/measurements/bulk/", {"measurements": rows}
        )

    assert response.status_code == 200, response.content[:300]
    assert response.json()["created"] == 10_000
    runs = list(RecomputeRun.objects.all())
    assert [(r.kind, r.total, r.state) for r in runs] == [("products", 1, "success")]
    assert ProductSnapshot.objects.filter(product=product).count() == 1


def test_a_team_change_recomputes_its_product(django_capture_on_commit_callbacks):
    from hiring import services as hiring_services

    product = scored_product()
    team = product.teams.get()

    with django_capture_on_commit_callbacks(execute=True):
        hiring_services.team_update(
            team=team, actor=None, data={"current_headcount": 4}
        )

    product.refresh_from_db()
    assert RecomputeRun.objects.filter(kind="products").count() == 1
    assert product.health_status != "unknown"


def test_seed_backfills_daily_snapshots(django_capture_on_commit_callbacks):
    from health import seed

    product = scored_product()

    with django_capture_on_commit_callbacks(execute=True):
        seed.seed_demo({})

    days = ProductSnapshot.objects.filter(product=product, run__isnull=True)
    assert days.count() == seed.BACKFILL_DAYS
    assert PortfolioSnapshot.objects.filter(run__isnull=True).count() == 180
    assert RecomputeRun.objects.get().state == RunState.SUCCESS
    assert Product.objects.get(pk=product.pk).health_trend is not None
