"""Demo KPIs: 4 to 8 per live product, trending series, one stale KPI, idempotent."""

from datetime import timedelta

import pytest
from django.db.models import Count, Max, Min
from django.utils import timezone

from accounts import seed as accounts_seed
from kpis import seed as kpis_seed
from kpis.models import Kpi, Measurement
from kpis.selectors import kpi_attainment_of, kpi_list
from portfolio import seed as portfolio_seed

pytestmark = pytest.mark.django_db


def run_seed():
    ctx = {"password": "demo-pass-123"}
    accounts_seed.seed_demo(ctx)
    portfolio_seed.seed_demo(ctx)
    kpis_seed.seed_demo(ctx)
    return ctx


@pytest.fixture
def seeded():
    return run_seed()


def test_each_live_product_gets_4_to_8_kpis(seeded):
    per_product = Kpi.objects.values("product").annotate(n=Count("id"))
    live = [p for p in seeded["products"] if not p.is_retired]

    assert len(per_product) == len(live) == 11
    assert all(4 <= row["n"] <= 8 for row in per_product)
    for product in live:
        directions = set(product.kpis.values_list("direction", flat=True))
        assert directions == {"higher_is_better", "lower_is_better"}


def test_kpis_span_categories_cadences_and_weights():
    run_seed()

    assert set(Kpi.objects.values_list("category", flat=True)) == {
        "business",
        "customer",
        "adoption",
        "delivery",
        "quality",
    }
    assert set(Kpi.objects.values_list("cadence", flat=True)) == {
        "daily",
        "weekly",
        "monthly",
        "quarterly",
    }
    assert len(set(Kpi.objects.values_list("weight", flat=True))) >= 3
    assert Kpi.objects.filter(target__isnull=True).exists()


def test_series_cover_about_180_days(seeded):
    span = Measurement.objects.aggregate(
        first=Min("measured_at"), last=Max("measured_at")
    )

    assert span["last"] - span["first"] >= timedelta(days=175)
    assert Measurement.objects.count() > 2000


def test_some_products_meet_their_targets_some_miss_and_one_kpi_is_stale(seeded):
    now = timezone.now()
    figures = {
        (k.product.name, k.key): kpi_attainment_of(k, now=now)
        for k in kpi_list(user=seeded["demo_users"]["cpo"])
    }

    stale = [name for name, f in figures.items() if f.stale]
    assert stale == [("Order Hub", "csat")]
    by_product: dict[str, list[float]] = {}
    for (product, _), f in figures.items():
        if f.attainment is not None and not f.stale:
            by_product.setdefault(product, []).append(f.attainment)
    means = {p: sum(v) / len(v) for p, v in by_product.items()}
    assert means["Checkout"] > 0.8
    assert means["Fraud Shield"] < 0.3


def test_seed_runs_twice_without_adding_anything(seeded):
    before = (Kpi.objects.count(), Measurement.objects.count())

    run_seed()

    assert (Kpi.objects.count(), Measurement.objects.count()) == before
