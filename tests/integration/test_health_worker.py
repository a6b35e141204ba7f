"""Health recomputes through a real Celery worker on Redis and PostgreSQL."""

from datetime import timedelta

import pytest
from django.utils import timezone

from health.models import PortfolioSnapshot, ProductSnapshot, RecomputeRun
from portfolio.models import Product
from tests.factories.kpis import KpiFactory, MeasurementFactory
from tests.factories.portfolio import ProductFactory
from tests.integration.test_celery_worker import wait_for

pytestmark = pytest.mark.integration


def test_bulk_measurements_are_scored_by_the_worker(celery_worker, api_as, make_user):
    product = ProductFactory()
    kpi = KpiFactory(product=product, baseline=0, target=100, cadence="daily")
    now = timezone.now().replace(microsecond=0)
    rows = [
        {
            "kpi": kpi.pk,
            "measured_at": (now - timedelta(hours=h)).isoformat(),
            "value": 70,
        }
        for h in range(100)
    ]

    response = api_as(make_user("integration")).post(
        "/api/v1/measurements/bulk/", {"measurements": rows}
    )

    assert response.status_code == 200
    # Folded into one run (debounced), done by the worker after the commit.
    assert wait_for(
        lambda: Product.objects.get(pk=product.pk).health_score == 70.0, seconds=60
    )
    assert ProductSnapshot.objects.filter(product=product).count() == 1
    assert RecomputeRun.objects.get().state == "success"


def test_the_cpo_recompute_reaches_success_through_the_worker(
    celery_worker, api_as, make_user
):
    for n in range(3):
        MeasurementFactory(
            kpi=KpiFactory(product=ProductFactory(name=f"P{n}"), baseline=0, target=10),
            value=5.0,
            measured_at=timezone.now(),  # fresh: the factory's sequence goes back
        )
    client = api_as(make_user("cpo"))

    accepted = client.post("/api/v1/health/recompute/", {}).json()

    assert wait_for(
        lambda: client.get(accepted["status_url"]).json()["state"] == "success",
        seconds=60,
    )
    assert client.get(accepted["status_url"]).json() == {
        "state": "success",
        "done": 3,
        "total": 3,
    }
    assert ProductSnapshot.objects.filter(run_id=accepted["task_id"]).count() == 3
    assert PortfolioSnapshot.objects.get(run_id=accepted["task_id"]).score == 50.0
