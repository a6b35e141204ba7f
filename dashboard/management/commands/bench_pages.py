"""Time the CPO's pages at several portfolio sizes: queries, median and p90.

    manage.py bench_pages [--sizes 100 1000] [--requests 30] [--kpis 10]
                          [--history-days 180] [--snapshot-days 180]

For each size, inside one transaction that is rolled back at the end: load a
synthetic portfolio with `seed_scale` (N products, K daily KPIs over D days,
12 roadmap items and 2 teams each), add `--snapshot-days` of daily product and
portfolio snapshots plus two days of hourly ones (the shape the hourly beat
recompute and the daily clean-up leave), run one real recompute so the latest
snapshots carry real explanations, add 8 objectives (every product serving one
or two, a third of the KPIs their key results) and a launch for every third
product, positions, applications and launches (`dashboard.bench_hiring_report`),
then request `/`, a product page, `/roadmaps/`, `/kpis/` (as is and stale-only
by attainment), `/objectives/`, `/hiring/`, a position's pipeline, `/report/`
and its CSV as the CPO through the test client (the whole middleware stack) and
print each page's SQL query count, median and p90 milliseconds. Target: median
< 150 ms at 1,000 products on PostgreSQL.
"""

import random
import statistics
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.roles import Role
from accounts.services import user_create
from dashboard.bench_hiring_report import seed_hiring_and_launches
from health import services as health_services
from health.models import PortfolioSnapshot, ProductSnapshot
from health.selectors import scored_product_ids
from hiring.models import Position, PositionStatus
from kpis.models import Kpi
from portfolio.models import HealthStatus, Objective, Product
from roadmaps.models import Launch

# Rows per bulk insert of synthetic snapshots (bounded memory, few round trips).
BATCH = 5000


class _Rollback(Exception):
    pass


def _status(score: float) -> str:
    if score >= 70:
        return HealthStatus.HEALTHY
    return HealthStatus.AT_RISK if score >= 40 else HealthStatus.CRITICAL


class Command(BaseCommand):
    help = "Time the CPO's pages at 100 and 1,000 products (rolled back)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
        parser.add_argument("--requests", type=int, default=30)
        parser.add_argument("--kpis", type=int, default=10)
        parser.add_argument("--history-days", type=int, default=180)
        parser.add_argument("--snapshot-days", type=int, default=180)

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(
            f"database: {connection.vendor}; {options['requests']} requests per page "
            f"after 3 warm-up requests; KPIs per product {options['kpis']}, "
            f"{options['history_days']} days of measurements, "
            f"{options['snapshot_days']} days of snapshots"
        )
        self.stdout.write(
            f"{'products':>8}  {'page':<22} {'queries':>7} {'median ms':>10} "
            f"{'p90 ms':>8} {'KB':>6}"
        )
        for size in options["sizes"]:
            try:
                with transaction.atomic():
                    self._one_size(size, **options)
                    raise _Rollback
            except _Rollback:
                pass

    def _one_size(self, size: int, **options: Any) -> None:
        call_command(
            "seed_scale",
            products=size,
            kpis=options["kpis"],
            history_days=options["history_days"],
            stdout=open("/dev/null", "w"),  # noqa: SIM115 — its report is noise here
        )
        self._snapshots(options["snapshot_days"])
        self._strategy()
        seed_hiring_and_launches(prefix="scale-")
        health_services.products_score(
            product_ids=scored_product_ids(), now=timezone.now()
        )
        health_services.portfolio_snapshot_take()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "ANALYZE health_productsnapshot; ANALYZE portfolio_product;"
                    " ANALYZE hiring_position; ANALYZE hiring_application;"
                    " ANALYZE hiring_stagemove; ANALYZE roadmaps_launch"
                )
        cpo = user_create(username="bench-pages-cpo", password=None, roles=[Role.CPO])
        host = next((h for h in settings.ALLOWED_HOSTS if h not in ("*", "")), "")
        client = Client(HTTP_HOST=host.lstrip(".") or "testserver")
        client.force_login(cpo)
        middle = Product.objects.filter(slug__startswith="scale-").order_by("slug")
        slug = middle[size // 2].slug
        open_positions = Position.objects.filter(
            status=PositionStatus.OPEN, team__product__slug__startswith="scale-"
        ).order_by("pk")
        position = open_positions[open_positions.count() // 2]
        for label, url in (
            ("/ (portfolio)", "/"),
            ("/products/<slug>/", f"/products/{slug}/"),
            ("/roadmaps/", "/roadmaps/"),
            ("/kpis/", "/kpis/"),
            ("/kpis/?state=stale", "/kpis/?state=stale&sort=attainment"),
            ("/objectives/", "/objectives/"),
            ("/hiring/", "/hiring/"),
            ("/hiring/positions/<id>/", f"/hiring/positions/{position.pk}/"),
            ("/report/", "/report/"),
            ("/report/products.csv", "/report/products.csv"),
        ):
            self._measure(client, size, label, url, options["requests"])

    def _strategy(self) -> None:
        """8 objectives, each product serving 1-2 of them and a third of the KPIs
        their key results; a launch for every third product (for /objectives/
        and /roadmaps/)."""
        rng = random.Random(13)  # noqa: S311 — synthetic data
        objectives = [
            Objective.objects.create(title=f"Bench objective {n}", period="2027-H1")
            for n in range(8)
        ]
        products = list(Product.objects.filter(slug__startswith="scale-"))
        through = Product.objectives.through
        links = []
        for product in products:
            for objective in rng.sample(objectives, rng.choice((1, 2))):
                links.append(through(product_id=product.pk, objective_id=objective.pk))
        through.objects.bulk_create(links, batch_size=BATCH)
        kpis = list(Kpi.objects.filter(product__in=products).only("id"))
        for kpi in kpis[::3]:
            kpi.objective = rng.choice(objectives)
        Kpi.objects.bulk_update(kpis[::3], ["objective"], batch_size=BATCH)
        today = timezone.localdate()
        Launch.objects.bulk_create(
            [
                Launch(
                    product=product,
                    name=f"{product.name} launch",
                    launch_date=today + timedelta(days=rng.randint(-60, 120)),
                )
                for product in products[::3]
            ],
            batch_size=BATCH,
        )

    def _snapshots(self, days: int) -> None:
        """Daily snapshots over `days` plus hourly ones for the last two days."""
        rng = random.Random(11)  # noqa: S311 — synthetic data
        now = timezone.now().replace(minute=0, second=0, microsecond=0)
        moments = [now - timedelta(days=d) for d in range(days, 2, -1)]
        moments += [now - timedelta(hours=h) for h in range(48, 0, -1)]
        ids = list(
            Product.objects.filter(slug__startswith="scale-").values_list(
                "pk", flat=True
            )
        )
        base = {pk: rng.uniform(25, 90) for pk in ids}
        batch: list[ProductSnapshot] = []
        for n, moment in enumerate(moments):
            for pk in ids:
                score = round(
                    min(max(base[pk] + rng.gauss(0, 3) + n * 0.02, 0), 100), 1
                )
                batch.append(
                    ProductSnapshot(
                        product_id=pk,
                        computed_at=moment,
                        score=score,
                        status=_status(score),
                        weakest="kpi",
                        components=[],
                    )
                )
                if len(batch) >= BATCH:
                    ProductSnapshot.objects.bulk_create(batch)
                    batch = []
            PortfolioSnapshot.objects.get_or_create(
                computed_at=moment,
                defaults={"score": 60.0, "status": HealthStatus.AT_RISK, "counts": {}},
            )
        ProductSnapshot.objects.bulk_create(batch)

    def _measure(
        self, client: Client, size: int, label: str, url: str, requests: int
    ) -> None:
        for _ in range(3):
            response = client.get(url)
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}")
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        # Read now: the next request's `request_started` clears the query log.
        count = len(queries)
        times = []
        for _ in range(requests):
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        p90 = times[min(len(times) - 1, int(len(times) * 0.9))]
        self.stdout.write(
            f"{size:>8}  {label:<22} {count:>7} "
            f"{statistics.median(times):>10.1f} {p90:>8.1f} "
            f"{len(response.content) / 1024:>6.0f}"
        )
