"""Reads for `/objectives/`: objective → products → KPIs, a page of objectives.

A product serves an objective when it lists it (`Product.objectives`) or when
one of its KPIs is a key result of it (`Kpi.objective`). The links of the
page's objectives are read as id pairs (two queries), the products' stored
health in one, the shown KPIs with their latest value in one, and every
objective's KPI figures (count, stale, mean attainment) in one aggregate over
`selectors_kpis.figures_sql`: a fixed number of queries whatever the size.
"""

from collections import defaultdict
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Case, IntegerField, QuerySet, Value, When

from kpis.models import Kpi
from kpis.selectors import kpi_list
from portfolio.models import LifecycleStage, Objective, ObjectiveStatus, Product
from portfolio.selectors import objective_list, product_list

from .selectors_kpis import figures_sql

PER_PAGE = 10
# Products shown under each objective (the weakest first); the rest are counted.
PRODUCTS_LIMIT = 12

STATUS_ORDER = [
    ObjectiveStatus.ACTIVE,
    ObjectiveStatus.ACHIEVED,
    ObjectiveStatus.MISSED,
    ObjectiveStatus.DROPPED,
]


def objectives(*, user: Any, status: str = "") -> QuerySet[Objective]:
    """Objectives, active first, then by period (latest first) and title."""
    queryset = objective_list(user=user)
    if status:
        queryset = queryset.filter(status=status)
    rank = Case(
        *[When(status=s, then=Value(i)) for i, s in enumerate(STATUS_ORDER)],
        default=Value(len(STATUS_ORDER)),
        output_field=IntegerField(),
    )
    return queryset.annotate(rank=rank).order_by("rank", "-period", "title", "pk")


def links(*, user: Any, objective_ids: list[int]) -> dict[int, dict[int, bool]]:
    """objective id → {product id: listed in the product's objectives}."""
    visible = (
        product_list(user=user)
        .exclude(lifecycle_stage=LifecycleStage.RETIRED)
        .order_by()
        .values("pk")
    )
    through = Product.objectives.through
    out: dict[int, dict[int, bool]] = defaultdict(dict)
    for objective_id, product_id in through.objects.filter(
        objective_id__in=objective_ids, product_id__in=visible
    ).values_list("objective_id", "product_id"):
        out[objective_id][product_id] = True
    for objective_id, product_id in (
        Kpi.objects.filter(objective_id__in=objective_ids, product_id__in=visible)
        .order_by()
        .values_list("objective_id", "product_id")
        .distinct()
    ):
        out[objective_id].setdefault(product_id, False)
    return out


def product_health(*, product_ids: set[int]) -> dict[int, dict[str, Any]]:
    """The stored health of these products."""
    return {
        row["pk"]: dict(row)
        for row in Product.objects.filter(pk__in=product_ids).values(
            "pk",
            "name",
            "slug",
            "strategic_importance",
            "health_score",
            "health_status",
        )
    }


def shown_kpis(
    *, user: Any, objective_ids: list[int], product_ids: set[int]
) -> list[Kpi]:
    """The active KPIs keyed to these objectives under these products."""
    return list(
        kpi_list(user=user)
        .filter(
            objective_id__in=objective_ids,
            product_id__in=product_ids,
            is_active=True,
        )
        .order_by("objective_id", "product_id", "name", "pk")
    )


def kpi_figures(
    *, user: Any, objective_ids: list[int], now: datetime
) -> dict[int, dict[str, Any]]:
    """Per objective: its active KPIs, how many are stale, their mean attainment."""
    queryset = (
        kpi_list(user=user)
        .filter(objective_id__in=objective_ids, is_active=True)
        .exclude(product__lifecycle_stage=LifecycleStage.RETIRED)
    )
    sql, params = figures_sql(queryset, now=now)
    query = (
        "SELECT f.objective_id, COUNT(*), SUM(f.is_stale), COUNT(f.target), "  # noqa: S608 — ours
        f"AVG(f.attainment) FROM ({sql}) f GROUP BY f.objective_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return {
            row[0]: {
                "total": row[1],
                "stale": int(row[2] or 0),
                "with_target": row[3],
                "mean": None if row[4] is None else float(row[4]),
            }
            for row in cursor.fetchall()
        }
