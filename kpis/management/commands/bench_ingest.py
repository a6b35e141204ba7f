"""Measure bulk ingestion through the real HTTP stack against the configured DB.

Posts batches of rows to /api/v1/measurements/bulk/ with Django's test client
(the whole WSGI handler, middleware, token authentication, throttling), first as
new rows and then re-sent, and beside them times PostgreSQL's COPY of the same
rows into a scratch table built like the measurement table (same columns,
indexes, checks and foreign key): the floor, measured in the same run.

Everything it creates (a product, KPIs, a service account, the scratch table)
is removed at the end unless --keep is given.
"""

import io
import json
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client

from accounts.models import User
from accounts.roles import Role
from accounts.services import token_issue, user_create
from kpis.ingest import MAX_BULK_ROWS
from kpis.models import Kpi, Measurement
from portfolio.models import Product

URL = "/api/v1/measurements/bulk/"
SCRATCH = "kpis_measurement_bench"
START = datetime(2020, 1, 1, tzinfo=UTC)


def _server_timing(header: str) -> dict[str, float]:
    parts: dict[str, float] = {}
    for item in header.split(","):
        name, _, duration = item.strip().partition(";dur=")
        if duration:
            parts[name] = float(duration) / 1000
    return parts


class Command(BaseCommand):
    help = (
        "Benchmark POST /api/v1/measurements/bulk/ (new and re-sent rows) against "
        "a PostgreSQL COPY of the same rows."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batches", type=int, default=5, help="batches per phase")
        parser.add_argument(
            "--rows", type=int, default=MAX_BULK_ROWS, help="rows per batch"
        )
        parser.add_argument(
            "--kpis", type=int, default=100, help="KPIs the rows spread over"
        )
        parser.add_argument(
            "--by-key",
            action="store_true",
            help="name KPIs by product slug + kpi_key instead of id",
        )
        parser.add_argument(
            "--keep", action="store_true", help="keep the data it created"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        batches, per_batch, kpi_count = (
            options["batches"],
            options["rows"],
            options["kpis"],
        )
        if not 1 <= per_batch <= MAX_BULK_ROWS or batches < 1 or kpi_count < 1:
            raise CommandError(
                f"--rows must be 1 to {MAX_BULK_ROWS}; --batches, --kpis at least 1."
            )
        postgres = connection.vendor == "postgresql"
        tag = uuid.uuid4().hex[:8]
        product = Product.objects.create(name=f"Bench {tag}", slug=f"bench-{tag}")
        kpis = Kpi.objects.bulk_create(
            Kpi(product=product, key=f"k{i}", name=f"K{i}", category="business")
            for i in range(kpi_count)
        )
        user = user_create(
            username=f"bench-{tag}", password=None, roles=[Role.INTEGRATION]
        )
        _, key = token_issue(user=user, days=1)
        client = Client(SERVER_NAME="localhost")
        headers = {"Authorization": f"Token {key}"}
        try:
            if postgres:
                self._create_scratch()
            self._run(
                client=client,
                headers=headers,
                kpis=kpis,
                slug=product.slug,
                batches=batches,
                per_batch=per_batch,
                by_key=options["by_key"],
                postgres=postgres,
            )
        finally:
            if not options["keep"]:
                with connection.cursor() as cursor:
                    cursor.execute(f"DROP TABLE IF EXISTS {SCRATCH}")
                Measurement.objects.filter(kpi__product=product).delete()
                Kpi.objects.filter(product=product).delete()
                product.delete()
                User.objects.filter(pk=user.pk).delete()

    def _rows(
        self,
        kpis: list[Kpi],
        slug: str,
        batch: int,
        per_batch: int,
        by_key: bool,
        start: datetime = START,
    ) -> list[dict[str, Any]]:
        per_kpi = -(-per_batch // len(kpis))
        rows: list[dict[str, Any]] = []
        for step in range(per_kpi):
            moment = (start + timedelta(hours=batch * per_kpi + step)).isoformat()
            for kpi in kpis:
                if len(rows) == per_batch:
                    break
                value = round(100 + step * 0.37 + kpi.pk % 7, 4)
                if by_key:
                    rows.append(
                        {
                            "product": slug,
                            "kpi_key": kpi.key,
                            "measured_at": moment,
                            "value": value,
                        }
                    )
                else:
                    rows.append({"kpi": kpi.pk, "measured_at": moment, "value": value})
        return rows

    def _create_scratch(self) -> None:
        table = Measurement._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {SCRATCH}")
            cursor.execute(f"CREATE TABLE {SCRATCH} (LIKE {table} INCLUDING ALL)")
            cursor.execute(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'f'",
                [table],
            )
            for (definition,) in cursor.fetchall():
                cursor.execute(f"ALTER TABLE {SCRATCH} ADD {definition}")

    def _copy(self, rows: list[dict[str, Any]], by_id: dict[str, int]) -> float:
        now = datetime.now(UTC).isoformat()
        text = "".join(
            f"{row.get('kpi') or by_id[row['kpi_key']]}\t{row['measured_at']}\t"
            f"{float(row['value'])!r}\tapi\t{now}\t{now}\n"
            for row in rows
        )
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.copy_expert(
                f"COPY {SCRATCH} (kpi_id, measured_at, value, source, created_at, "
                "updated_at) FROM STDIN",
                io.StringIO(text),
            )
        return time.perf_counter() - started

    def _post(
        self, client: Client, headers: dict[str, str], body: bytes, expect: str
    ) -> tuple[float, dict[str, float]]:
        started = time.perf_counter()
        response = client.post(
            URL, body, content_type="application/json", headers=headers
        )
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise CommandError(f"{response.status_code}: {response.content[:500]!r}")
        result = response.json()
        if result["errors"] or not result[expect]:
            raise CommandError(f"unexpected answer: {str(result)[:500]}")
        return elapsed, _server_timing(response.get("Server-Timing", ""))

    def _run(
        self,
        *,
        client: Client,
        headers: dict[str, str],
        kpis: list[Kpi],
        slug: str,
        batches: int,
        per_batch: int,
        by_key: bool,
        postgres: bool,
    ) -> None:
        by_id = {kpi.key: kpi.pk for kpi in kpis}
        times: dict[str, list[float]] = {"new": [], "resent": [], "copy": []}
        parts: dict[str, list[float]] = {
            "parse": [],
            "validate": [],
            "write": [],
            "commit": [],
        }
        resent_parts: dict[str, list[float]] = {"validate": [], "write": []}
        # Warm-up (connections, caches, the first request's imports): not counted.
        warm = self._rows(
            kpis, slug, 0, min(per_batch, 100), by_key, start=START - timedelta(days=9)
        )
        self._post(
            client, headers, json.dumps({"measurements": warm}).encode(), "created"
        )
        # Interleaved, so that the other load on the machine hits all three alike.
        for batch in range(batches):
            rows = self._rows(kpis, slug, batch, per_batch, by_key)
            body = json.dumps({"measurements": rows}).encode()
            elapsed, timing = self._post(client, headers, body, "created")
            times["new"].append(elapsed)
            for name in parts:
                parts[name].append(timing.get(name, 0.0))
            if postgres:
                times["copy"].append(self._copy(rows, by_id))
            elapsed, timing = self._post(client, headers, body, "updated")
            times["resent"].append(elapsed)
            for name in resent_parts:
                resent_parts[name].append(timing.get(name, 0.0))

        def rate(samples: list[float]) -> float:
            return per_batch / statistics.median(samples)

        out = self.stdout.write
        out(
            f"{connection.vendor}: {batches} batches x {per_batch:,} rows over "
            f"{len(kpis)} KPIs ({'slug + key' if by_key else 'id'}); medians"
        )
        out(f"  API, new rows      {rate(times['new']):>9,.0f} rows/s")
        out(f"  API, re-sent rows  {rate(times['resent']):>9,.0f} rows/s")
        if postgres:
            ratio = statistics.median(times["copy"]) / statistics.median(times["new"])
            out(f"  COPY (the floor)   {rate(times['copy']):>9,.0f} rows/s")
            out(f"  API new / COPY     {ratio:>9.0%}")
        else:
            out("  COPY (the floor)   n/a (not PostgreSQL)")
        total = statistics.median(times["new"])
        out(f"  per new batch      {total * 1000:>9.1f} ms, of which:")
        accounted = 0.0
        for name, samples in parts.items():
            ms = statistics.median(samples) * 1000
            accounted += ms
            out(f"    {name:<16} {ms:>9.1f} ms")
        out(f"    {'HTTP, auth, rest':<16} {total * 1000 - accounted:>9.1f} ms")
        resent = statistics.median(times["resent"])
        out(
            f"  per re-sent batch  {resent * 1000:>9.1f} ms (validate "
            f"{statistics.median(resent_parts['validate']) * 1000:.1f}, write "
            f"{statistics.median(resent_parts['write']) * 1000:.1f})"
        )
