from datetime import timedelta

import factory
from django.utils import timezone

from kpis.models import Kpi, Measurement
from tests.factories.portfolio import ProductFactory


class KpiFactory(factory.django.DjangoModelFactory):
    """A KPI with a consistent baseline and target (higher is better by default)."""

    class Meta:
        model = Kpi

    product = factory.SubFactory(ProductFactory)
    key = factory.Sequence(lambda n: f"kpi-{n}")
    name = factory.Sequence(lambda n: f"KPI {n}")
    category = "business"
    unit = "%"
    direction = "higher_is_better"
    baseline = 10.0
    target = 20.0
    cadence = "weekly"
    weight = 1.0


class MeasurementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Measurement

    kpi = factory.SubFactory(KpiFactory)
    # Distinct moments, newest first and a minute apart: batches never collide on
    # (kpi, time), and 10,000 of them in a session stay fresh for any cadence.
    measured_at = factory.Sequence(lambda n: timezone.now() - timedelta(minutes=n))
    value = 15.0
    source = "api"
