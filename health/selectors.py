"""Reads for the health engine: the scoring inputs of many products at once.

`health_inputs_gather` reads everything a recompute needs with a fixed number of
queries whatever the number of products or the length of the measurement
history: products (with the score of their snapshot from before the trend
window), KPIs (each with its latest value as of the moment, one backward index
probe per KPI on the unique (kpi, measured_at) index), roadmap items in the
delivery window, teams. Plain rows in, `scoring` dataclasses out.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import OuterRef, QuerySet, Subquery

from hiring.models import Team
from kpis.models import Kpi, Measurement
from portfolio.models import LifecycleStage, Product
from roadmaps.models import ItemStatus, RoadmapItem

from . import scoring
from .models import HealthPolicy, PortfolioSnapshot, ProductSnapshot


@dataclass(frozen=True)
class Gathered:
    """The inputs of a recompute: one ProductInputs per product, and importances."""

    inputs: list[scoring.ProductInputs]
    importance: dict[int, int]


def policy_get() -> HealthPolicy:
    """The health policy (created with the defaults on first use)."""
    return HealthPolicy.objects.get_or_create(pk=1)[0]


def policy_as_scoring(policy: HealthPolicy) -> scoring.Policy:
    """The stored policy as the scoring module's plain dataclass."""
    return scoring.Policy(
        kpi_weight=policy.kpi_weight,
        delivery_weight=policy.delivery_weight,
        staffing_weight=policy.staffing_weight,
        healthy=policy.healthy_threshold,
        at_risk=policy.at_risk_threshold,
        delivery_window_days=policy.delivery_window_days,
        trend_days=policy.trend_days,
    )


def scored_products() -> QuerySet[Product]:
    """Products that are scored: every one that is not retired (SPEC §2)."""
    return Product.objects.exclude(lifecycle_stage=LifecycleStage.RETIRED)


def scored_product_ids(product_ids: Iterable[int] | None = None) -> list[int]:
    """Ids of the scored products, all of them or those among `product_ids`."""
    queryset = scored_products()
    if product_ids is not None:
        queryset = queryset.filter(pk__in=list(product_ids))
    return list(queryset.order_by("pk").values_list("pk", flat=True))


def _latest(field: str, as_of: datetime) -> Subquery:
    return Subquery(
        Measurement.objects.filter(kpi=OuterRef("pk"), measured_at__lte=as_of)
        .order_by("-measured_at")
        .values(field)[:1]
    )


KPI_COLUMNS = (
    "product_id",
    "id",
    "key",
    "name",
    "unit",
    "direction",
    "baseline",
    "target",
    "cadence",
    "weight",
    "is_active",
)
# PostgreSQL: one LATERAL probe of the (kpi, measured_at) index per KPI — 80 ms
# for 10,000 KPIs whatever the history (STACK.md floors); the portable form
# below makes two correlated subqueries per KPI.
KPI_LATEST_SQL = """
SELECT {columns}, m.value, m.measured_at
FROM kpis_kpi k
LEFT JOIN LATERAL (
    SELECT value, measured_at FROM kpis_measurement
    WHERE kpi_id = k.id AND measured_at <= %s
    ORDER BY measured_at DESC LIMIT 1
) m ON true
WHERE k.product_id = ANY(%s)
ORDER BY k.product_id, k.key
""".format(columns=", ".join(f"k.{c}" for c in KPI_COLUMNS))  # noqa: S608 (constants)


# KpiInput is built positionally from these rows (health_inputs_gather).
if (*KPI_COLUMNS[1:], "latest_value", "latest_at") != tuple(
    f.name for f in fields(scoring.KpiInput)
):
    raise ImportError("KPI_COLUMNS must follow scoring.KpiInput's field order")


def _kpi_rows(product_ids: list[int], now: datetime) -> Iterable[tuple[Any, ...]]:
    """(product_id, KPI fields…, latest value, latest at) of the products' KPIs."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(KPI_LATEST_SQL, [now, list(product_ids)])
            return cursor.fetchall()
    return (
        Kpi.objects.filter(product_id__in=product_ids)
        .annotate(
            latest_value=_latest("value", now), latest_at=_latest("measured_at", now)
        )
        .order_by("product_id", "key")
        .values_list(*KPI_COLUMNS, "latest_value", "latest_at")
    )


def health_inputs_gather(
    *, product_ids: list[int], now: datetime, today: date, policy: scoring.Policy
) -> Gathered:
    """Read the scoring inputs of these products as of `now`, in four queries."""
    trend_cutoff = now - timedelta(days=policy.trend_days)
    previous = (
        ProductSnapshot.objects.filter(
            product=OuterRef("pk"), computed_at__lte=trend_cutoff
        )
        .order_by("-computed_at")
        .values("score")[:1]
    )
    products = (
        Product.objects.filter(pk__in=product_ids)
        .annotate(previous_score=Subquery(previous))
        .values_list("pk", "strategic_importance", "previous_score")
    )
    kpis: dict[int, list[scoring.KpiInput]] = defaultdict(list)
    kpi_rows = _kpi_rows(product_ids, now)
    # The rows carry KpiInput's fields in its order (checked at import below):
    # positional construction, ~10,000 per 1,000 products.
    for product_id, *values in kpi_rows:
        kpis[product_id].append(scoring.KpiInput(*values))
    window_start = today - timedelta(days=policy.delivery_window_days)
    items: dict[int, list[scoring.ItemInput]] = defaultdict(list)
    item_rows = (
        RoadmapItem.objects.filter(
            product_id__in=product_ids,
            target_date__gte=window_start,
            target_date__lte=today - timedelta(days=1),
        )
        .exclude(status=ItemStatus.CANCELLED)
        .order_by("product_id", "target_date", "pk")
        .values_list(
            "product_id", "pk", "title", "status", "target_date", "delivered_on"
        )
    )
    for product_id, pk, title, status, target, delivered in item_rows:
        if delivered is not None and delivered > today:
            delivered = None  # as of `today` it was not delivered yet (backfill)
        items[product_id].append(
            scoring.ItemInput(
                id=pk,
                title=title,
                status=status,
                target_date=target,
                delivered_on=delivered,
            )
        )
    teams: dict[int, list[scoring.TeamInput]] = defaultdict(list)
    team_rows = (
        Team.objects.filter(product_id__in=product_ids)
        .order_by("product_id", "name", "pk")
        .values_list(
            "product_id", "pk", "name", "planned_headcount", "current_headcount"
        )
    )
    for product_id, pk, name, planned, current in team_rows:
        teams[product_id].append(
            scoring.TeamInput(id=pk, name=name, planned=planned, current=current)
        )
    inputs = []
    importance = {}
    for pk, weight, previous_score in products:
        importance[pk] = weight
        inputs.append(
            scoring.ProductInputs(
                product_id=pk,
                kpis=tuple(kpis[pk]),
                items=tuple(items[pk]),
                teams=tuple(teams[pk]),
                previous_score=previous_score,
            )
        )
    return Gathered(inputs=inputs, importance=importance)


def portfolio_inputs() -> list[tuple[float | None, int]]:
    """(stored score, strategic importance) of every scored product, one query."""
    return list(scored_products().values_list("health_score", "strategic_importance"))


def portfolio_previous_score(*, now: datetime, trend_days: int) -> float | None:
    """The score of the latest portfolio snapshot from before the trend window."""
    snapshot = (
        PortfolioSnapshot.objects.filter(
            computed_at__lte=now - timedelta(days=trend_days)
        )
        .order_by("-computed_at")
        .values_list("score", flat=True)
        .first()
    )
    return snapshot


def product_snapshot_latest(*, product: Product) -> ProductSnapshot | None:
    """The product's newest snapshot, if any."""
    return (
        ProductSnapshot.objects.filter(product=product).order_by("-computed_at").first()
    )


def product_snapshot_history(
    *, product: Product, since: datetime | None = None
) -> QuerySet[ProductSnapshot]:
    """The product's snapshots, newest first (only what charts need)."""
    queryset = ProductSnapshot.objects.filter(product=product)
    if since is not None:
        queryset = queryset.filter(computed_at__gte=since)
    return queryset.only("id", "computed_at", "score", "status").order_by(
        "-computed_at", "-id"
    )


def portfolio_snapshot_latest() -> PortfolioSnapshot | None:
    """The newest portfolio snapshot, if any."""
    return PortfolioSnapshot.objects.order_by("-computed_at").first()
