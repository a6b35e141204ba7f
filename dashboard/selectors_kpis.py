"""Reads for `/kpis/`: every KPI's attainment, stale KPIs first, one page at a time.

A 1,000-product portfolio has 10,000 KPIs, so the order (stale first, then the
furthest from target) and the totals must come from the database. Each KPI's
latest measurement is read once (PostgreSQL: a LATERAL join, one backward probe
of the unique (kpi, measured_at) index per KPI, so the cost does not grow with
history; elsewhere two correlated subqueries in a fenced derived table).
Staleness and attainment (SPEC §2) are computed over it in plain SQL, and the
totals as window aggregates of the same scan, so one query gives the page's ids
and the totals. Written with Django's ORM annotations, the planner inlines the
latest-measurement subqueries into every expression that uses them (five probes
per KPI instead of one). The figures shown for a page's rows then come from
`kpis.attainment`, the function the API and the health engine use.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.core.paginator import Page
from django.db import connection
from django.db.models import BooleanField, F, Q, QuerySet, Value

from kpis.attainment import CADENCE_DAYS, HIGHER_IS_BETTER, stale_after
from kpis.models import Kpi, Measurement
from kpis.selectors import kpi_list
from portfolio.models import LifecycleStage

from .params import CountedPaginator, check_page

PER_PAGE = 50
# LIMIT on the inner query: a fence, so the planner keeps it a derived table.
_FENCE = 1_000_000_000

_ORDER = {
    "stale": "is_stale DESC, attainment_rank ASC, product_name, kpi_name, id",
    "attainment": "attainment_rank ASC, product_name, kpi_name, id",
    "-attainment": "attainment_rank_desc ASC, product_name, kpi_name, id",
    "product": "product_name, kpi_name, id",
}
SORTS = list(_ORDER)
SORT_LABELS = {
    "stale": "Stale first, then furthest from target",
    "attainment": "Furthest from target first",
    "-attainment": "Closest to target first",
    "product": "Product and name",
}
STATES = {"": "All", "stale": "Stale only", "fresh": "Fresh only"}


@dataclass(frozen=True)
class KpiFilters:
    product: str = ""  # slug
    category: str = ""
    objective: int | None = None
    state: str = ""  # "", "stale", "fresh"
    q: str = ""
    sort: str = "stale"


def _latest_sql(inner_sql: str) -> str:
    """Each row of `inner_sql` (with an `id` column) with its latest measurement."""
    table = Measurement._meta.db_table
    if connection.vendor == "postgresql":
        # One index descent and one heap visit per KPI for both columns.
        return (
            "SELECT k0.*, l.measured_at AS latest_at, l.value AS latest_value "  # noqa: S608 — ours; values are parameters
            f"FROM ({inner_sql}) k0 LEFT JOIN LATERAL (SELECT m.measured_at, m.value "
            f"FROM {table} m WHERE m.kpi_id = k0.id ORDER BY m.measured_at DESC "
            "LIMIT 1) l ON TRUE"
        )
    latest = (
        f"FROM {table} m WHERE m.kpi_id = k0.id ORDER BY m.measured_at DESC LIMIT 1"
    )
    # The LIMIT fences the subqueries: computed once per row, not per use.
    return (
        f"SELECT k0.*, (SELECT m.measured_at {latest}) AS latest_at, "  # noqa: S608
        f"(SELECT m.value {latest}) AS latest_value FROM ({inner_sql}) k0 "
        f"LIMIT {_FENCE}"
    )


def _figure_columns(queryset: QuerySet[Kpi]) -> QuerySet[Kpi, dict[str, Any]]:
    return (
        queryset.annotate(product_name=F("product__name"), kpi_name=F("name"))
        .order_by()
        .values(
            "id",
            "product_id",
            "objective_id",
            "cadence",
            "direction",
            "baseline",
            "target",
            "product_name",
            "kpi_name",
        )
    )


def figures_sql(queryset: QuerySet[Kpi], *, now: datetime) -> tuple[str, list[Any]]:
    """SQL of a derived table over the KPIs of `queryset`: columns id, product_id,
    objective_id, product_name, kpi_name, target, is_stale (0/1) and attainment
    (NULL without a target, 0 when stale, else clamped to 0..1)."""
    try:
        inner_sql, inner_params = _figure_columns(queryset).query.sql_with_params()
    except EmptyResultSet:
        # Nothing can match (an empty id list, say) and Django writes no SQL for
        # that: the same columns WHERE false keep the statement's shape.
        nothing = queryset.model.objects.filter(
            Value(False, output_field=BooleanField())
        )
        inner_sql, inner_params = _figure_columns(nothing).query.sql_with_params()
    adapt = connection.ops.adapt_datetimefield_value
    limit_cases = " ".join("WHEN %s THEN %s" for _ in CADENCE_DAYS)
    limit_params: list[Any] = []
    for cadence in CADENCE_DAYS:
        limit_params += [cadence, adapt(now - stale_after(cadence))]
    staled = (
        "SELECT k.*, CASE WHEN k.latest_at IS NULL OR k.latest_at < "  # noqa: S608
        f"(CASE k.cadence {limit_cases} END) THEN 1 ELSE 0 END AS is_stale "
        f"FROM ({_latest_sql(inner_sql)}) k"
    )
    higher = "(s.latest_value - s.baseline) / (s.target - s.baseline)"
    lower = "(s.baseline - s.latest_value) / (s.baseline - s.target)"
    span = f"(CASE WHEN s.direction = %s THEN {higher} ELSE {lower} END)"
    clamp = f"(CASE WHEN {span} < 0 THEN 0.0 WHEN {span} > 1 THEN 1.0 ELSE {span} END)"
    sql = (
        "SELECT s.id, s.product_id, s.objective_id, s.product_name, s.kpi_name, "  # noqa: S608
        "s.target, s.is_stale, CASE WHEN s.target IS NULL OR s.baseline IS NULL "
        f"THEN NULL WHEN s.is_stale = 1 THEN 0.0 ELSE {clamp} END AS attainment "
        f"FROM ({staled}) s"
    )
    # Placeholders in text order: the clamp (3), the cadence limits, the inner query.
    return sql, [*([HIGHER_IS_BETTER] * 3), *limit_params, *inner_params]


def _base(user: Any) -> QuerySet[Kpi]:
    return (
        kpi_list(user=user)
        .filter(is_active=True)
        .exclude(product__lifecycle_stage=LifecycleStage.RETIRED)
    )


def _filtered(user: Any, filters: KpiFilters) -> QuerySet[Kpi]:
    queryset = _base(user)
    if filters.product:
        queryset = queryset.filter(product__slug=filters.product)
    if filters.category:
        queryset = queryset.filter(category=filters.category)
    if filters.objective is not None:
        queryset = queryset.filter(objective_id=filters.objective)
    if filters.q:
        queryset = queryset.filter(
            Q(name__icontains=filters.q)
            | Q(key__icontains=filters.q)
            | Q(product__name__icontains=filters.q)
        )
    return queryset


@dataclass
class KpiBoard:
    page: Page
    kpis: list[Kpi]
    total: int
    stale: int
    with_target: int
    mean_attainment: float | None


def kpi_board(*, user: Any, now: datetime, filters: KpiFilters, page: int) -> KpiBoard:
    """One page of KPIs in the chosen order, with the totals over every match."""
    sql, params = figures_sql(_filtered(user, filters), now=now)
    where = {"stale": "WHERE f.is_stale = 1", "fresh": "WHERE f.is_stale = 0"}.get(
        filters.state, ""
    )
    # attainment_rank: NULL (no target) last in both directions.
    query = (
        "SELECT f.id, COUNT(*) OVER (), SUM(f.is_stale) OVER (), "  # noqa: S608
        "COUNT(f.target) OVER (), AVG(f.attainment) OVER () FROM ("
        "SELECT f0.*, COALESCE(f0.attainment, 2.0) AS attainment_rank, "
        "COALESCE(-f0.attainment, 2.0) AS attainment_rank_desc "
        f"FROM ({sql}) f0) f {where} ORDER BY {_ORDER[filters.sort]} "
        "LIMIT %s OFFSET %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(query, [*params, PER_PAGE, (page - 1) * PER_PAGE])
        rows = cursor.fetchall()
    if rows:
        total, stale, with_target, mean = rows[0][1:]
    else:
        total, stale, with_target, mean = 0, 0, 0, None
        if page > 1:  # past the end: count, to say how many pages there are
            with connection.cursor() as cursor:
                count = f"SELECT COUNT(*) FROM ({sql}) f {where}"  # noqa: S608
                cursor.execute(count, params)
                total = cursor.fetchone()[0]
    paginator = CountedPaginator([], PER_PAGE, int(total))
    check_page(page, paginator.num_pages)
    ids = [row[0] for row in rows]
    by_id = {
        kpi.pk: kpi
        for kpi in kpi_list(user=user)
        .filter(pk__in=ids)
        .select_related("product", "objective")
    }
    kpis = [by_id[pk] for pk in ids if pk in by_id]
    return KpiBoard(
        page=Page(kpis, page, paginator),
        kpis=kpis,
        total=int(total),
        stale=int(stale or 0),
        with_target=int(with_target),
        mean_attainment=None if mean is None else float(mean),
    )
