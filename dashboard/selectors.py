"""Reads for the CPO's pages: set-wise, a fixed number of queries per page.

The portfolio page reads every scored product in one query, with its weakest
component and its weekly score history as correlated subqueries (each one probe
of the (product, -computed_at) snapshot index, so the cost does not grow with
the length of the history); the aggregates (by status, stage, horizon, budget)
are summed in Python from those same rows. The product page reads each kind of
record once (KPIs with their latest value, every KPI's series in one query, the
items with their target-date changes in two, …), so neither page's query count
depends on how many products, KPIs, items or teams there are.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import F, OuterRef, Prefetch, Q, Subquery
from django.shortcuts import get_object_or_404

from health.models import (
    PortfolioSnapshot,
    ProductSnapshot,
    RecomputeRun,
    RunState,
)
from health.selectors import product_snapshot_history, product_snapshot_latest
from hiring.models import PositionStatus
from hiring.selectors import position_list, team_list
from kpis.models import Kpi, Measurement
from kpis.selectors import kpi_list
from portfolio.models import HealthStatus, Insight, LifecycleStage, Product
from portfolio.selectors import insight_list, product_list
from roadmaps.models import (
    ItemStatus,
    Launch,
    LaunchStatus,
    RoadmapItem,
    TargetDateChange,
)
from roadmaps.selectors import launch_list, roadmap_item_list

# Weekly points in each product's sparkline: 7 past weeks + the stored score
# (each past week is one index probe per product: ~6 µs each at 1,000 products).
SPARK_WEEKS = 7
# The at-risk list names the worst products; the table shows every one.
AT_RISK_LIMIT = 10
# How far back the product page's charts look.
HISTORY_DAYS = 180
INSIGHTS_LIMIT = 8

PRODUCT_ROW_FIELDS = (
    "pk",
    "name",
    "slug",
    "lifecycle_stage",
    "horizon",
    "strategic_importance",
    "annual_budget",
    "health_score",
    "health_status",
    "health_trend",
    "health_computed_at",
    "product_line__name",
)

SORTS = {
    "name": ("name",),
    "-name": ("-name",),
    "score": ("health_score", "name"),
    "-score": ("-health_score", "name"),
    "importance": ("-strategic_importance", "name"),
    "stage": ("lifecycle_stage", "name"),
    "trend": ("health_trend", "name"),
}


def spark_moments(now: datetime) -> list[datetime]:
    """The past moments each sparkline samples, oldest first (weekly)."""
    return [now - timedelta(weeks=k) for k in range(SPARK_WEEKS, 0, -1)]


def _score_as_of(moment: datetime) -> Subquery:
    return Subquery(
        ProductSnapshot.objects.filter(product=OuterRef("pk"), computed_at__lte=moment)
        .order_by("-computed_at")
        .values("score")[:1]
    )


def portfolio_product_rows(
    *, user: Any, now: datetime, sort: str = "name", status: str = ""
) -> list[dict[str, Any]]:
    """Every scored product the user may see, as dicts with `spark` and `weakest`."""
    moments = spark_moments(now)
    weakest = ProductSnapshot.objects.filter(
        product=OuterRef("pk"), computed_at=OuterRef("health_computed_at")
    ).values("weakest")[:1]
    queryset = (
        product_list(user=user)
        .exclude(lifecycle_stage=LifecycleStage.RETIRED)
        .annotate(
            weakest=Subquery(weakest),
            **{f"spark_{i}": _score_as_of(m) for i, m in enumerate(moments)},
        )
        .order_by(*SORTS.get(sort, SORTS["name"]))
    )
    if status:
        queryset = queryset.filter(health_status=status)
    spark_fields = [f"spark_{i}" for i in range(len(moments))]
    rows = []
    for row in queryset.values(*PRODUCT_ROW_FIELDS, "weakest", *spark_fields):
        row["spark"] = [row.pop(f) for f in spark_fields] + [row["health_score"]]
        rows.append(row)
    return rows


def at_risk_snapshots(*, user: Any) -> list[ProductSnapshot]:
    """The latest snapshots of the worst at-risk and critical products, worst first."""
    visible = product_list(user=user).exclude(lifecycle_stage=LifecycleStage.RETIRED)
    return list(
        ProductSnapshot.objects.filter(
            product__in=visible.filter(
                health_status__in=[HealthStatus.AT_RISK, HealthStatus.CRITICAL]
            ),
            # The snapshot the product's stored health was copied from.
            computed_at=F("product__health_computed_at"),
        )
        .select_related("product")
        .only(
            "id",
            "computed_at",
            "score",
            "status",
            "weakest",
            "components",
            "product__id",
            "product__name",
            "product__slug",
            "product__strategic_importance",
            "product__health_score",
            "product__health_status",
            "product__health_computed_at",
        )
        .order_by(
            "product__health_score", "-product__strategic_importance", "product__name"
        )[:AT_RISK_LIMIT]
    )


def portfolio_history(*, since: datetime) -> list[tuple[datetime, float | None]]:
    """The portfolio's score at each snapshot since `since`, oldest first."""
    return list(
        PortfolioSnapshot.objects.filter(computed_at__gte=since)
        .order_by("computed_at")
        .values_list("computed_at", "score")
    )


def portfolio_snapshot_current() -> PortfolioSnapshot | None:
    """The newest portfolio snapshot."""
    return PortfolioSnapshot.objects.order_by("-computed_at").first()


def recompute_run_active() -> RecomputeRun | None:
    """The newest recompute still pending or in progress, if any."""
    return (
        RecomputeRun.objects.filter(state__in=[RunState.PENDING, RunState.PROGRESS])
        .order_by("-created_at")
        .first()
    )


def recompute_run_get(*, run_id: Any) -> RecomputeRun:
    """One recompute run (404 when unknown)."""
    return get_object_or_404(RecomputeRun, pk=run_id)


# --- the product page ----------------------------------------------------------------


@dataclass
class ProductPage:
    product: Product
    snapshot: ProductSnapshot | None
    history: list[tuple[datetime, float]]
    kpis: list[Kpi]
    series: dict[int, list[tuple[datetime, float]]]
    items: list[RoadmapItem]
    teams: list[Any]
    positions: list[Any]
    launches: list[Launch]
    insights: list[Insight]


def product_get(*, user: Any, slug: str) -> Product:
    """The product with this slug (404 when unknown), with its strategy links."""
    queryset = (
        product_list(user=user)
        .select_related("product_line")
        .prefetch_related("segments", "objectives", "managers")
    )
    return get_object_or_404(queryset, slug=slug)


def product_page(*, user: Any, slug: str, now: datetime) -> ProductPage:
    """Everything the product page shows, each kind of record read once."""
    product = product_get(user=user, slug=slug)
    since = now - timedelta(days=HISTORY_DAYS)
    snapshot = product_snapshot_latest(product=product)
    # Several snapshots a day in the last weeks (hourly runs): one per day suffices.
    per_day: dict[Any, tuple[datetime, float]] = {}
    for snap in product_snapshot_history(product=product, since=since).reverse():
        if snap.score is not None:
            per_day[snap.computed_at.date()] = (snap.computed_at, snap.score)
    kpis = list(
        kpi_list(user=user)
        .filter(product=product)
        .select_related("objective")
        .order_by("-is_active", "name", "pk")
    )
    series: dict[int, list[tuple[datetime, float]]] = defaultdict(list)
    rows = (
        Measurement.objects.filter(kpi__product=product, measured_at__gte=since)
        .order_by("kpi_id", "measured_at")
        .values_list("kpi_id", "measured_at", "value")
    )
    for kpi_id, measured_at, value in rows:
        series[kpi_id].append((measured_at, value))
    items = list(
        roadmap_item_list(user=user)
        .filter(product=product)
        .exclude(status=ItemStatus.CANCELLED)
        .select_related("release")
        .prefetch_related(
            Prefetch(
                "target_date_changes",
                queryset=TargetDateChange.objects.order_by("changed_at", "id"),
            )
        )
    )
    teams = list(team_list(user=user).filter(product=product).select_related("lead"))
    positions = list(
        position_list(user=user).filter(
            team__product=product, status=PositionStatus.OPEN
        )
    )
    launches = list(
        launch_list(user=user)
        .filter(product=product)
        .filter(
            Q(launch_date__gte=now.date() - timedelta(days=30))
            & ~Q(status=LaunchStatus.CANCELLED)
        )
        .select_related("release")
    )
    insights = list(
        insight_list(user=user)
        .filter(products=product)
        .select_related("segment")[:INSIGHTS_LIMIT]
    )
    return ProductPage(
        product=product,
        snapshot=snapshot,
        history=sorted(per_day.values()),
        kpis=kpis,
        series=dict(series),
        items=items,
        teams=teams,
        positions=positions,
        launches=launches,
        insights=insights,
    )
