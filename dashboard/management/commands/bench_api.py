"""Measure every API list endpoint against a bare DRF ListAPIView over the same table.

    manage.py bench_api [--products 1000] [--requests 200]

Runs inside one transaction that is rolled back: it adds a synthetic portfolio
(products with their links, insights, lines, objectives, segments, users) to the
configured database, calls each list endpoint at `page_size=50` through the
whole Django stack (middleware, token authentication, throttling, filters) with
the test client, and beside it a bare `ListAPIView` over the same model with the
same pagination and authentication — plain `ModelSerializer`, no filters, no
throttle. It prints the queries and the median milliseconds of each, and the
ratio of requests per second (target: at least 0.5).

Lists of apps without synthetic data here are measured over the rows that exist.
"""

import statistics
import sys
import time
import types
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand
from django.db import connection, models, transaction
from django.db.models import QuerySet
from django.test import Client
from django.test.utils import override_settings
from django.urls import clear_url_caches, path
from rest_framework import generics, permissions, serializers

from accounts.services import token_issue, user_create
from cpo.api_urls import router
from cpo.common.pagination import PageNumberPagination
from portfolio.models import (
    Insight,
    InsightSource,
    Objective,
    Product,
    ProductLine,
    Segment,
)

PAGE_SIZE = 50
URLCONF = "dashboard._bench_api_urls"


class _Rollback(Exception):
    pass


def bare_view(model: type[models.Model]) -> Any:
    """A bare DRF list over the model's own columns (no links, filters, throttle)."""
    meta = type(
        "Meta", (), {"model": model, "fields": [f.name for f in model._meta.fields]}
    )
    serializer = type(
        f"Bare{model.__name__}Serializer",
        (serializers.ModelSerializer,),
        {"Meta": meta},
    )

    class BareList(generics.ListAPIView):
        serializer_class = serializer
        pagination_class = PageNumberPagination
        permission_classes = [permissions.IsAuthenticated]
        throttle_classes: list[Any] = []
        filter_backends: list[Any] = []

        def get_queryset(self) -> QuerySet[Any]:
            return model._default_manager.order_by("pk")

    return BareList.as_view()


def list_endpoints() -> list[tuple[str, type[models.Model]]]:
    """(URL prefix, model) of every registered viewset that lists."""
    found = []
    for prefix, viewset, _ in router.registry:
        if not hasattr(viewset, "list"):
            continue
        queryset = getattr(viewset, "queryset", None)
        model = queryset.model if queryset is not None else None
        if model is None:
            serializer = getattr(viewset, "serializer_class", None)
            model = getattr(getattr(serializer, "Meta", None), "model", None)
        if model is not None:
            found.append((prefix, model))
    return found


def seed(products: int) -> None:
    """Add a synthetic portfolio of `products` products with their links."""
    lines = ProductLine.objects.bulk_create(
        ProductLine(name=f"bench line {i}") for i in range(60)
    )
    objectives = Objective.objects.bulk_create(
        Objective(title=f"bench objective {i}", period="2027-H1") for i in range(60)
    )
    segments = Segment.objects.bulk_create(
        Segment(name=f"bench segment {i}", size_estimate=1000 * i) for i in range(60)
    )
    managers = [
        user_create(username=f"bench-pm-{i}", password=None, roles=["product_manager"])
        for i in range(60)
    ]
    made = Product.objects.bulk_create(
        Product(
            name=f"bench product {i:05}",
            slug=f"bench-product-{i:05}",
            product_line=lines[i % len(lines)],
            vision="What it does for its customers, in a sentence or two.",
            problem="Which problem it fixes.",
            value_proposition="What value it adds.",
            annual_budget=Decimal("125000.00"),
        )
        for i in range(products)
    )
    through: Any = Product.segments.through
    through.objects.bulk_create(
        through(product=p, segment=segments[(i + k) % 60])
        for i, p in enumerate(made)
        for k in range(2)
    )
    through = Product.objectives.through
    through.objects.bulk_create(
        through(product=p, objective=objectives[(i + k) % 60])
        for i, p in enumerate(made)
        for k in range(2)
    )
    through = Product.managers.through
    through.objects.bulk_create(
        through(product=p, user=managers[i % 60]) for i, p in enumerate(made)
    )
    seed_apps(made, managers)
    insights = Insight.objects.bulk_create(
        Insight(
            title=f"bench insight {i}",
            body="What the customer said.",
            source=InsightSource.INTERVIEW,
            impact=3,
            author=managers[i % 60],
            segment=segments[i % 60],
        )
        for i in range(products)
    )
    through = Insight.products.through
    through.objects.bulk_create(
        through(insight=insight, product=made[(i + k) % len(made)])
        for i, insight in enumerate(insights)
        for k in range(2)
    )


def seed_apps(products: list[Product], managers: list[Any]) -> None:
    """Give every other list at least 50 rows (roadmaps, KPIs, hiring)."""
    from datetime import timedelta

    from django.utils import timezone

    from hiring.models import Application, Candidate, Interview, Position, Team
    from kpis.models import Kpi, Measurement
    from roadmaps.models import Launch, Release, RoadmapItem

    today = timezone.localdate()
    now = timezone.now()
    some = products[:100]
    Release.objects.bulk_create(
        Release(product=p, name=f"R{k}", target_date=today + timedelta(days=30 * k))
        for p in some
        for k in range(2)
    )
    RoadmapItem.objects.bulk_create(
        RoadmapItem(
            product=p,
            title=f"Item {k}",
            kind="feature",
            status="planned",
            timeframe="next",
            target_date=today + timedelta(days=10 * k),
            reach=1000,
            impact=1.0,
            confidence=80,
            effort=2.0,
        )
        for p in some
        for k in range(2)
    )
    Launch.objects.bulk_create(
        Launch(product=p, name="Launch", launch_date=today, status="planned")
        for p in some
    )
    kpis = Kpi.objects.bulk_create(
        Kpi(
            product=p,
            key="nps",
            name="NPS",
            category="customer",
            unit="pt",
            direction="higher_is_better",
            baseline=10.0,
            target=50.0,
            cadence="weekly",
        )
        for p in some
    )
    Measurement.objects.bulk_create(
        Measurement(kpi=kpi, measured_at=now - timedelta(days=1), value=30.0)
        for kpi in kpis
    )
    teams = Team.objects.bulk_create(
        Team(product=p, name=f"{p.slug} team", planned_headcount=5, current_headcount=3)
        for p in some
    )
    positions = Position.objects.bulk_create(
        Position(
            team=team,
            title="Engineer",
            level="Senior",
            status="open",
            opened_on=today - timedelta(days=20),
            hiring_manager=managers[i % len(managers)],
        )
        for i, team in enumerate(teams)
    )
    candidates = Candidate.objects.bulk_create(
        Candidate(
            full_name=f"Candidate {i}", email=f"c{i}@example.com", source="inbound"
        )
        for i in range(100)
    )
    applications = Application.objects.bulk_create(
        Application(candidate=c, position=positions[i % len(positions)])
        for i, c in enumerate(candidates)
    )
    Interview.objects.bulk_create(
        Interview(
            application=a,
            interviewer=managers[i % len(managers)],
            kind="technical",
            scheduled_at=now,
        )
        for i, a in enumerate(applications)
    )


class Command(BaseCommand):
    help = "Queries and median ms of every API list at 50 rows, beside a bare DRF list."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--products", type=int, default=1000)
        parser.add_argument("--requests", type=int, default=200)

    def handle(self, *args: Any, products: int, requests: int, **options: Any) -> None:
        try:
            with transaction.atomic():
                self._run(products, requests)
                raise _Rollback
        except _Rollback:
            pass

    def _run(self, products: int, requests: int) -> None:
        seed(products)
        cpo = user_create(username="bench-cpo", password=None, roles=["cpo"])
        _, key = token_issue(user=cpo)
        endpoints = list_endpoints()
        module = types.ModuleType(URLCONF)
        module.urlpatterns = [  # type: ignore[attr-defined]
            path(f"bare/{prefix}/", bare_view(model)) for prefix, model in endpoints
        ]
        from cpo import urls as project_urls

        module.urlpatterns += project_urls.urlpatterns  # type: ignore[attr-defined]
        sys.modules[URLCONF] = module
        client = Client(HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_HOST="localhost")
        self.stdout.write(
            f"{connection.vendor}, {Product.objects.count()} products, "
            f"page_size={PAGE_SIZE}, {requests} requests each (median ms)"
        )
        header = (
            f"{'endpoint':<26}{'rows':>5}{'queries':>9}{'ms':>8}"
            f"{'bare q':>8}{'bare ms':>9}{'ratio':>7}"
        )
        self.stdout.write(header)
        with override_settings(ROOT_URLCONF=URLCONF, API_RATE_LIMIT="100000000/hour"):
            clear_url_caches()
            try:
                for prefix, _ in endpoints:
                    ours = self._measure(client, f"/api/v1/{prefix}/", requests)
                    bare = self._measure(client, f"/bare/{prefix}/", requests)
                    ratio = bare[2] / ours[2] if ours[2] else float("nan")
                    self.stdout.write(
                        f"{prefix:<26}{ours[0]:>5}{ours[1]:>9}{ours[2]:>8.2f}"
                        f"{bare[1]:>8}{bare[2]:>9.2f}{ratio:>7.2f}"
                    )
            finally:
                clear_url_caches()
                del sys.modules[URLCONF]

    def _measure(
        self, client: Client, url: str, requests: int
    ) -> tuple[int, int, float]:
        """(rows on the page, queries per request, median ms) of GET url."""
        params = {"page_size": PAGE_SIZE}
        for _ in range(5):  # warm up caches and connections
            response = client.get(url, params)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        rows = len(response.json()["results"])
        queries: list[str] = []

        def count(execute: Any, sql: str, *args: Any) -> Any:
            queries.append(sql)
            return execute(sql, *args)

        with connection.execute_wrapper(count):
            client.get(url, params)
        timings = []
        for _ in range(requests):
            start = time.perf_counter()
            client.get(url, params)
            timings.append((time.perf_counter() - start) * 1000)
        return rows, len(queries), statistics.median(timings)
