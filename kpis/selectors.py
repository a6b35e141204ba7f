"""Reads for KPIs and measurements: user-aware, set-wise, N+1-free."""

from datetime import datetime
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery

from .attainment import Attainment, kpi_attainment
from .models import Kpi, Measurement
from .policies import kpi_policy, measurement_policy


def with_latest(queryset: QuerySet[Kpi]) -> QuerySet[Kpi]:
    """Annotate each KPI with its latest measurement (`latest_value`, `latest_at`).

    Correlated subqueries with LIMIT 1: each is one backward step of the unique
    (kpi, measured_at) index, so a page of KPIs costs the same whatever the length
    of their histories (STACK.md: LATERAL-style lookups do not grow with history;
    DISTINCT ON and window functions do).
    """
    latest = Measurement.objects.filter(kpi=OuterRef("pk")).order_by("-measured_at")
    return queryset.annotate(
        latest_value=Subquery(latest.values("value")[:1]),
        latest_at=Subquery(latest.values("measured_at")[:1]),
    )


def kpi_list(*, user: Any) -> QuerySet[Kpi]:
    """KPIs the user may see, each with its product and latest measurement."""
    queryset = with_latest(
        Kpi.objects.select_related("product").order_by("product_id", "key")
    )
    return kpi_policy.visible(user, queryset)


def kpi_attainment_of(kpi: Kpi, *, now: datetime) -> Attainment:
    """Attainment and staleness of a KPI annotated by `with_latest`."""
    return kpi_attainment(
        direction=kpi.direction,
        baseline=kpi.baseline,
        target=kpi.target,
        cadence=kpi.cadence,
        latest_value=getattr(kpi, "latest_value", None),
        latest_at=getattr(kpi, "latest_at", None),
        now=now,
    )


def measurement_list(
    *,
    user: Any,
    kpi: Kpi,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[Measurement]:
    """A KPI's measurements, newest first; `since` inclusive, `until` exclusive."""
    queryset = Measurement.objects.filter(kpi=kpi).order_by("-measured_at")
    if since is not None:
        queryset = queryset.filter(measured_at__gte=since)
    if until is not None:
        queryset = queryset.filter(measured_at__lt=until)
    return measurement_policy.visible(user, queryset)
