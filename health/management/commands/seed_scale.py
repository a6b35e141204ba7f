"""Load a large synthetic portfolio in bulk, for benchmarks (SPEC §7).

    manage.py seed_scale --products 1000 --kpis 10 --history-days 200

N products (`scale-00001`…), K daily KPIs each with one measurement per day over
D days (a trending random walk), 12 roadmap items and 2 teams per product. On
PostgreSQL the measurements go in with COPY (the bulk of the rows); elsewhere
with bulk_create. Rows of an earlier run of the command are removed first.
"""

import io
import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from hiring.models import Team
from kpis.models import Kpi, Measurement
from portfolio.models import Horizon, LifecycleStage, Product
from roadmaps.models import ItemStatus, RoadmapItem

PREFIX = "scale-"
STAGES = [s for s in LifecycleStage.values if s != LifecycleStage.RETIRED]
CATEGORIES = ["business", "customer", "adoption", "delivery", "quality"]
# Rows per COPY/bulk_create batch (COPY streams them; the batch bounds memory).
BATCH = 200_000


class Command(BaseCommand):
    help = "Load N products, K KPIs each, D days of measurements (plus items, teams)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--products", type=int, default=1000)
        parser.add_argument("--kpis", type=int, default=10)
        parser.add_argument("--history-days", type=int, default=200)
        parser.add_argument("--seed", type=int, default=7)

    def handle(
        self,
        *args: Any,
        products: int,
        kpis: int,
        history_days: int,
        seed: int,
        **options: Any,
    ) -> None:
        if products < 1 or kpis < 0 or history_days < 0:
            raise CommandError("--products must be ≥ 1; --kpis and --history-days ≥ 0")
        rng = random.Random(seed)  # noqa: S311 — synthetic data, not security
        started = time.perf_counter()
        with transaction.atomic():
            self._clear()
            made = self._products(products, rng)
            kpi_rows = self._kpis(made, kpis, rng)
            self._items_and_teams(made, rng)
            rows = self._measurements(kpi_rows, history_days, rng)
        if connection.vendor == "postgresql":
            # Fresh statistics for every table it filled, as autovacuum would
            # leave them: without them the planner reads a chunk's roadmap items
            # through the date index and filters 78,000 rows (18 ms, not 3).
            with connection.cursor() as cursor:
                cursor.execute(
                    "ANALYZE kpis_measurement; ANALYZE kpis_kpi; "
                    "ANALYZE portfolio_product; ANALYZE roadmaps_roadmapitem; "
                    "ANALYZE hiring_team"
                )
        self.stdout.write(
            f"seed_scale: {len(made)} products, {len(kpi_rows)} KPIs, "
            f"{rows:,} measurements in {time.perf_counter() - started:.1f} s"
        )

    def _clear(self) -> None:
        old = Product.objects.filter(slug__startswith=PREFIX)
        Measurement.objects.filter(kpi__product__in=old).delete()
        Kpi.objects.filter(product__in=old).delete()
        RoadmapItem.objects.filter(product__in=old).delete()
        Team.objects.filter(product__in=old).delete()
        # Snapshots cascade; the m2m links go with the products.
        old.delete()

    def _products(self, n: int, rng: random.Random) -> list[Product]:
        horizons = list(Horizon.values)
        return Product.objects.bulk_create(
            Product(
                name=f"Scale product {i:05}",
                slug=f"{PREFIX}{i:05}",
                lifecycle_stage=STAGES[i % len(STAGES)],
                horizon=horizons[i % len(horizons)],
                strategic_importance=rng.randint(1, 5),
            )
            for i in range(1, n + 1)
        )

    def _kpis(
        self, products: list[Product], k: int, rng: random.Random
    ) -> list[tuple[int, float, float, bool]]:
        kpis = []
        for product in products:
            for j in range(k):
                higher = j % 3 != 2
                baseline = rng.uniform(10, 100)
                target = baseline * (1.5 if higher else 0.5)
                kpis.append(
                    Kpi(
                        product=product,
                        key=f"kpi-{j:02}",
                        name=f"KPI {j}",
                        category=CATEGORIES[j % len(CATEGORIES)],
                        unit="%",
                        direction="higher_is_better" if higher else "lower_is_better",
                        baseline=round(baseline, 2),
                        target=round(target, 2),
                        cadence="daily",
                        weight=float(1 + j % 3),
                    )
                )
        made = Kpi.objects.bulk_create(kpis, batch_size=5000)
        return [
            (
                kpi.pk,
                float(kpi.baseline or 0),
                float(kpi.target or 0),
                kpi.direction[0] == "h",
            )
            for kpi in made
        ]

    def _items_and_teams(self, products: list[Product], rng: random.Random) -> None:
        today = timezone.localdate()
        items = []
        for product in products:
            for j in range(12):
                target = today - timedelta(days=rng.randint(-90, 170))
                done = target < today and rng.random() < 0.7
                delivered = (
                    target + timedelta(days=rng.randint(-10, 20)) if done else None
                )
                if delivered is not None and delivered > today:
                    delivered = today
                items.append(
                    RoadmapItem(
                        product=product,
                        title=f"Item {j}",
                        kind="feature",
                        status=ItemStatus.DONE if done else ItemStatus.IN_PROGRESS,
                        timeframe="now",
                        target_date=target,
                        delivered_on=delivered,
                    )
                )
        RoadmapItem.objects.bulk_create(items, batch_size=5000)
        Team.objects.bulk_create(
            (
                Team(
                    product=product,
                    name=f"{product.slug} team {t}",
                    planned_headcount=(planned := rng.randint(3, 9)),
                    current_headcount=rng.randint(planned // 2, planned),
                )
                for product in products
                for t in range(2)
            ),
            batch_size=5000,
        )

    def _measurements(
        self, kpis: list[tuple[int, float, float, bool]], days: int, rng: random.Random
    ) -> int:
        if not days or not kpis:
            return 0
        end = datetime.now(tz=UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        moments = [end - timedelta(days=d) for d in range(days - 1, -1, -1)]
        stamps = [m.isoformat() for m in moments]
        now = timezone.now().isoformat()

        def rows() -> Any:
            for pk, baseline, target, _higher in kpis:
                value = baseline
                drift = (target - baseline) / max(days, 1) * rng.uniform(0.2, 1.4)
                for stamp in stamps:
                    value += drift + rng.gauss(0, abs(target - baseline) * 0.01)
                    yield pk, stamp, round(value, 3)

        total = 0
        if connection.vendor == "postgresql":
            batch: list[str] = []
            with connection.cursor() as cursor:
                for pk, stamp, value in rows():
                    batch.append(f"{pk}\t{stamp}\t{value}\timport\t{now}\t{now}\n")
                    if len(batch) >= BATCH:
                        total += self._copy(cursor, batch)
                        batch = []
                if batch:
                    total += self._copy(cursor, batch)
            return total
        buffer: list[Measurement] = []
        for pk, stamp, value in rows():
            buffer.append(
                Measurement(
                    kpi_id=pk,
                    measured_at=datetime.fromisoformat(stamp),
                    value=value,
                    source="import",
                )
            )
            if len(buffer) >= 20_000:
                Measurement.objects.bulk_create(buffer, batch_size=2000)
                total += len(buffer)
                buffer = []
        Measurement.objects.bulk_create(buffer, batch_size=2000)
        return total + len(buffer)

    @staticmethod
    def _copy(cursor: Any, batch: list[str]) -> int:
        cursor.copy_expert(
            "COPY kpis_measurement (kpi_id, measured_at, value, source, created_at, "
            "updated_at) FROM STDIN",
            io.StringIO("".join(batch)),
        )
        return len(batch)
