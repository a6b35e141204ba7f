"""A small scored portfolio for the page tests (and the browser tests)."""

import itertools
from datetime import UTC, date, datetime, timedelta

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from health import services as health_services
from health.selectors import scored_product_ids
from tests.factories.hiring import PositionFactory, TeamFactory
from tests.factories.kpis import KpiFactory, MeasurementFactory
from tests.factories.portfolio import (
    InsightFactory,
    ObjectiveFactory,
    ProductFactory,
    SegmentFactory,
)
from tests.factories.roadmaps import RoadmapItemFactory

_numbers = itertools.count(1)
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
TODAY = date(2026, 11, 20)
# The roles that may open the CPO's pages (SPEC §3).
PAGE_ROLES = ["cpo", "product_manager", "executive", "recruiter"]


def get(client, user, url):
    """GET `url` logged in as `user` (a session, as in the browser)."""
    client.force_login(user)
    return client.get(url)


def count_queries(client, url) -> int:
    """The SQL queries one GET of `url` makes (which must answer 200)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def product_with_records(
    name: str, *, kpis: int = 1, items: int = 1, teams: int = 1, **kwargs
):
    """KPIs at 50 %, overdue items, teams at 4 of 5: 0.5·50 + 0.3·0 + 0.2·80 = 41."""
    product = ProductFactory(name=name, **kwargs)
    for _ in range(kpis):
        kpi = KpiFactory(product=product, baseline=10, target=20, cadence="weekly")
        for days in (40, 20, 1):
            MeasurementFactory(
                kpi=kpi, value=15.0, measured_at=NOW - timedelta(days=days)
            )
    for _ in range(items):
        RoadmapItemFactory(
            product=product, status="in_progress", target_date=TODAY - timedelta(5)
        )
    for _ in range(teams):
        team = TeamFactory(product=product, planned_headcount=5, current_headcount=4)
        PositionFactory(team=team)
    return product


def score_all(now: datetime = NOW) -> None:
    """Score every product and snapshot the portfolio, as a run would, at `now`."""
    with time_machine.travel(now, tick=False):
        health_services.products_score(product_ids=scored_product_ids(), now=now)
        health_services.portfolio_snapshot_take(now=now)


def portfolio(size: int, **kwargs) -> list:
    """`size` products with records, scored twice (30 days apart, for trends)."""
    products = [
        product_with_records(f"Product {next(_numbers):04}", **kwargs)
        for _ in range(size)
    ]
    score_all(NOW - timedelta(days=30))
    score_all(NOW)
    return products


def rich_product():
    """One product with every part of the product page filled in."""
    segment = SegmentFactory(name="Mid-market retail")
    objective = ObjectiveFactory(title="Win the mid-market")
    product = ProductFactory(
        name="Atlas",
        slug="atlas",
        vision="Self-service ordering.",
        problem="Orders arrive by email.",
        value_proposition="Buyers reorder in minutes.",
        segments=[segment],
        objectives=[objective],
        annual_budget=1_200_000,
    )
    fresh = KpiFactory(product=product, name="Activation rate", baseline=10, target=20)
    MeasurementFactory(kpi=fresh, value=12.0, measured_at=NOW - timedelta(days=1))
    stale = KpiFactory(
        product=product, name="Net revenue", baseline=100, target=200, cadence="daily"
    )
    MeasurementFactory(kpi=stale, value=150.0, measured_at=NOW - timedelta(days=20))
    RoadmapItemFactory(
        product=product,
        title="Bulk editing",
        status="in_progress",
        target_date=TODAY - timedelta(days=10),
    )
    RoadmapItemFactory(
        product=product,
        title="Audit log",
        status="done",
        target_date=TODAY - timedelta(days=30),
        delivered_on=TODAY - timedelta(days=25),
    )
    RoadmapItemFactory(
        product=product, title="Usage pricing", target_date=TODAY + timedelta(40)
    )
    team = TeamFactory(
        product=product, name="Atlas squad", planned_headcount=6, current_headcount=2
    )
    PositionFactory(team=team, title="Backend engineer")
    InsightFactory(title="Buyers want price lists", products=[product])
    score_all(NOW)
    return product
