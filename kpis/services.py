"""Writes for KPIs and measurements: keyword-only, one transaction each.

`actor` is the user on whose behalf the write happens (checked against the
policies, recorded in the KPI change history); `actor=None` is the system (seed
data, tools) and skips the role checks.

Measurements arrive in bulk from other tools, so `measurements_ingest` is built
for speed: the rows are decoded in one pass (kpis/ingest.py), their KPIs and the
caller's rights looked up in ONE query, and the valid rows written with ONE
set-based upsert (PostgreSQL: COPY into a temporary table, then one
INSERT … ON CONFLICT). No statement per row.
"""

import io
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.permissions import require
from accounts.roles import Role, has_role
from cpo.common.services import (
    EntityServices,
    model_create,
    model_delete,
    model_update,
)
from portfolio.models import Objective, Product
from portfolio.services import products_changed_notify

from . import ingest
from .ingest import MAX_BULK_ROWS, KpiRef, RowErrors, add_error
from .models import Cadence, Direction, Kpi, Measurement, Source, target_rule_errors
from .policies import kpi_policy, measurement_policy, writes_any_product

KPI_FIELDS = (
    "product",
    "key",
    "name",
    "category",
    "unit",
    "direction",
    "baseline",
    "target",
    "cadence",
    "weight",
    "objective",
    "is_active",
)
# Fields whose change moves the product's health.
_RULE_FIELDS = frozenset({"direction", "baseline", "target"})


class Mode:
    ATOMIC = "atomic"
    PARTIAL = "partial"
    ALL = (ATOMIC, PARTIAL)


MSG_KPI_GONE = (
    "A KPI named in this batch was deleted meanwhile; nothing was written. "
    "Send the batch again."
)
MSG_TOO_MANY = "At most {limit:,} rows per request; this one has {count:,}."


# --- KPIs -----------------------------------------------------------------------


def _check_key_free(*, product: Product, key: str, exclude_pk: int | None) -> None:
    taken = Kpi.objects.filter(product=product, key=key)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if key and taken.exists():
        raise ValidationError(
            {"key": [f"Product “{product.slug}” already has a KPI with key “{key}”."]}
        )


@transaction.atomic
def kpi_create(
    *,
    actor: Any,
    product: Product,
    key: str,
    name: str,
    category: str,
    unit: str = "",
    direction: str = Direction.HIGHER_IS_BETTER,
    baseline: float | None = None,
    target: float | None = None,
    cadence: str = Cadence.MONTHLY,
    weight: float = 1.0,
    objective: Objective | None = None,
    is_active: bool = True,
) -> Kpi:
    """Define a KPI of a product (the CPO, or one of the product's managers)."""
    require(
        actor is None or kpi_policy.can_write_for(actor, product),
        "You may only define KPIs of the products you manage.",
    )
    _check_key_free(product=product, key=key, exclude_pk=None)
    kpi = Kpi(
        product=product,
        key=key,
        name=name,
        category=category,
        unit=unit,
        direction=direction,
        baseline=baseline,
        target=target,
        cadence=cadence,
        weight=weight,
        objective=objective,
        is_active=is_active,
    )
    model_create(instance=kpi, actor=actor)
    products_changed_notify(product_ids=[product.pk])
    return kpi


@transaction.atomic
def kpi_update(*, kpi: Kpi, actor: Any, data: Mapping[str, Any]) -> Kpi:
    """Change a KPI; the target rule is checked against the stored values too."""
    require(
        actor is None or kpi_policy.can_change(actor, kpi),
        "You may only change the KPIs of the products you manage.",
    )
    if "product" in data and getattr(data["product"], "pk", data["product"]) != (
        kpi.product_id
    ):
        raise ValidationError(
            {
                "product": [
                    "A KPI cannot move to another product; define a new KPI there."
                ]
            }
        )
    if "key" in data:
        _check_key_free(product=kpi.product, key=data["key"], exclude_pk=kpi.pk)
    sent_rule_fields = _RULE_FIELDS & set(data)
    if sent_rule_fields == {"direction"}:
        # Checked here so that the error names the field the request changed.
        errors = target_rule_errors(
            direction=data["direction"], baseline=kpi.baseline, target=kpi.target
        )
        if errors:
            raise ValidationError({"direction": next(iter(errors.values()))})
    kpi, changed = model_update(instance=kpi, fields=KPI_FIELDS, data=data, actor=actor)
    if changed:
        products_changed_notify(product_ids=[kpi.product_id])
    return kpi


@transaction.atomic
def kpi_delete(*, kpi: Kpi, actor: Any) -> None:
    """Delete a KPI and its measurements."""
    require(
        actor is None or kpi_policy.can_change(actor, kpi),
        "You may only delete the KPIs of the products you manage.",
    )
    product_id = kpi.product_id
    model_delete(instance=kpi, actor=actor)
    products_changed_notify(product_ids=[product_id])


# --- measurements ---------------------------------------------------------------


@dataclass
class IngestResult:
    """What a bulk write did: exact counts and the errors of each bad row."""

    created: int = 0
    updated: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    product_ids: set[int] = field(default_factory=set)
    # Seconds spent validating (decode + the one lookup) and writing.
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {"created": self.created, "updated": self.updated, "errors": self.errors}


# One valid row, ready to write: (kpi id, product id, timestamp, value).
ValidRow = tuple[int, int, ingest.ParsedTimestamp, float]


def _lookup_kpis(
    *, actor: Any, refs: Iterable[KpiRef]
) -> tuple[dict[int, tuple[int, str, bool]], dict[tuple[str, str], int]]:
    """Find the KPIs the rows name and whether the actor may write them: ONE query.

    Returns {kpi id: (product id, product slug, writable)} and
    {(product slug, kpi key): kpi id}.
    """
    ids: set[int] = set()
    slugs: set[str] = set()
    keys: set[str] = set()
    for ref in refs:
        if isinstance(ref, int):
            ids.add(ref)
        else:
            slugs.add(ref[0])
            keys.add(ref[1])
    if not ids and not slugs:
        return {}, {}
    condition = Q()
    if ids:
        condition |= Q(pk__in=ids)
    if slugs:
        # May also find other keys of these products; they are simply unused.
        condition |= Q(product__slug__in=slugs, key__in=keys)
    queryset = Kpi.objects.filter(condition)
    fields = ["pk", "product_id", "product__slug", "key"]
    if actor is None or writes_any_product(actor):
        rows = [(*row, True) for row in queryset.values_list(*fields)]
    elif has_role(actor, Role.PRODUCT_MANAGER):
        managed = Product.managers.through.objects.filter(
            product_id=OuterRef("product_id"), user_id=actor.pk
        )
        rows = list(
            queryset.annotate(_writable=Exists(managed)).values_list(
                *fields, "_writable"
            )
        )
    else:
        rows = [(*row, False) for row in queryset.values_list(*fields)]
    by_id: dict[int, tuple[int, str, bool]] = {}
    by_key: dict[tuple[str, str], int] = {}
    for pk, product_id, slug, key, writable in rows:
        by_id[pk] = (product_id, slug, bool(writable))
        by_key[(slug, key)] = pk
    return by_id, by_key


def _resolve(
    decoded: ingest.DecodedRows, *, actor: Any
) -> tuple[list[ValidRow], dict[int, RowErrors]]:
    """Name each row's KPI, check the actor's right and in-batch repeats."""
    errors = decoded.errors
    by_id, by_key = _lookup_kpis(
        actor=actor,
        refs=[r[0] for r in decoded.rows.values()]
        + [r[0] for r in decoded.refs.values()],
    )
    valid: list[ValidRow] = []
    first_row: dict[tuple[int, datetime], int] = {}
    for index in sorted([*decoded.rows, *decoded.refs]):
        entry = decoded.rows.get(index)
        ref, parsed = entry[:2] if entry is not None else decoded.refs[index]
        if isinstance(ref, int):
            kpi_id, field_name = ref, "kpi"
            if ref not in by_id:
                add_error(errors, index, "kpi", ingest.msg_unknown_kpi(ref))
                continue
        else:
            found = by_key.get(ref)
            if found is None:
                add_error(errors, index, "kpi_key", ingest.msg_unknown_key(*ref))
                continue
            kpi_id, field_name = found, "product"
        product_id, slug, writable = by_id[kpi_id]
        if not writable:
            add_error(errors, index, field_name, ingest.msg_not_writable(slug))
        pair = (kpi_id, parsed.at)
        earlier = first_row.setdefault(pair, index)
        if earlier != index:
            add_error(errors, index, "measured_at", ingest.msg_repeats(earlier))
        if entry is not None and index not in errors:
            valid.append((kpi_id, product_id, parsed, entry[2]))
    return valid, errors


def _write_postgresql(rows: Sequence[ValidRow], source: str) -> int:
    """Upsert with COPY into a temporary table and one INSERT … ON CONFLICT.

    Returns how many rows were new. Unchanged rows are not rewritten (no dead
    tuples, so re-sent batches are faster than new ones); they count as updated.
    """
    buffer = io.StringIO()
    buffer.writelines(
        f"{kpi_id}\t{parsed.text}\t{value!r}\n" for kpi_id, _, parsed, value in rows
    )
    buffer.seek(0)
    table = Measurement._meta.db_table
    with connection.cursor() as cursor:
        # Foreign keys checked now, not at commit: a KPI deleted since the lookup
        # is then an error this service can report (and the cost is the same).
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "CREATE TEMPORARY TABLE kpis_ingest "
            "(kpi_id bigint, measured_at timestamptz, value double precision) "
            "ON COMMIT DROP"
        )
        cursor.copy_expert("COPY kpis_ingest FROM STDIN", buffer)
        cursor.execute(
            f"""
            WITH written AS (
                INSERT INTO {table}
                    (kpi_id, measured_at, value, source, created_at, updated_at)
                SELECT kpi_id, measured_at, value, %s, now(), now()
                FROM kpis_ingest
                ON CONFLICT (kpi_id, measured_at) DO UPDATE
                    SET value = EXCLUDED.value,
                        source = EXCLUDED.source,
                        updated_at = EXCLUDED.updated_at
                    WHERE ({table}.value, {table}.source)
                        IS DISTINCT FROM (EXCLUDED.value, EXCLUDED.source)
                RETURNING (xmax = 0) AS created
            )
            SELECT count(*) FILTER (WHERE created) FROM written
            """,  # noqa: S608 - the table name is ours, the values are parameters
            [source],
        )
        created = int(cursor.fetchone()[0])
        # Dropped now, not at commit: a test's transaction never commits.
        cursor.execute("DROP TABLE kpis_ingest")
    return created


# SQLite limits the variables of one statement (Django shrinks insert batches to
# fit it anyway); 500 ids per existence query stay well inside the limit.
_PORTABLE_BATCH = 500


def _write_portable(rows: Sequence[ValidRow], source: str) -> int:
    """Upsert on any other database (SQLite for `make run`); returns the new rows."""
    kpi_ids = sorted({row[0] for row in rows})
    moments = [row[2].at for row in rows]
    existing: set[tuple[int, datetime]] = set()
    for start in range(0, len(kpi_ids), _PORTABLE_BATCH):
        existing.update(
            Measurement.objects.filter(
                kpi_id__in=kpi_ids[start : start + _PORTABLE_BATCH],
                measured_at__gte=min(moments),
                measured_at__lte=max(moments),
            ).values_list("kpi_id", "measured_at")
        )
    created = sum(1 for row in rows if (row[0], row[2].at) not in existing)
    Measurement.objects.bulk_create(
        [
            Measurement(
                kpi_id=kpi_id, measured_at=parsed.at, value=value, source=source
            )
            for kpi_id, _, parsed, value in rows
        ],
        batch_size=_PORTABLE_BATCH,
        update_conflicts=True,
        unique_fields=["kpi", "measured_at"],
        update_fields=["value", "source", "updated_at"],
    )
    return created


def _write(rows: Sequence[ValidRow], source: str) -> int:
    if not rows:
        return 0
    if connection.vendor == "postgresql":
        return _write_postgresql(rows, source)
    return _write_portable(rows, source)


def _error_list(errors: Mapping[int, RowErrors]) -> list[dict[str, Any]]:
    return [{"index": index, "errors": errors[index]} for index in sorted(errors)]


@transaction.atomic
def measurements_ingest(
    *,
    actor: Any,
    rows: Sequence[Any],
    mode: str = Mode.ATOMIC,
    source: str = Source.API,
    now: datetime | None = None,
) -> IngestResult:
    """Upsert a batch of measurements (SPEC §4 bulk rules); report each bad row.

    Atomic mode writes nothing when any row is bad; partial mode writes the good
    rows. Health is told once, for the products of the rows written.
    """
    require(actor is None or measurement_policy.can_write_some(actor))
    if mode not in Mode.ALL:
        raise ValidationError({"mode": [f"Must be one of: {', '.join(Mode.ALL)}."]})
    if len(rows) > MAX_BULK_ROWS:
        raise ValidationError(
            {
                "measurements": [
                    MSG_TOO_MANY.format(limit=MAX_BULK_ROWS, count=len(rows))
                ]
            }
        )
    started = time.perf_counter()
    decoded = ingest.decode_rows(rows, now=now or timezone.now())
    valid, errors = _resolve(decoded, actor=actor)
    result = IngestResult(errors=_error_list(errors))
    validated = time.perf_counter()
    result.timings["validate"] = validated - started
    if errors and mode == Mode.ATOMIC:
        return result
    try:
        result.created = _write(valid, source)
    except IntegrityError as exc:
        # A KPI of the batch was deleted between the lookup and the write. (No
        # savepoint needed: the error leaves this atomic block, which rolls back.)
        raise ValidationError({"measurements": [MSG_KPI_GONE]}) from exc
    result.timings["write"] = time.perf_counter() - validated
    result.updated = len(valid) - result.created
    result.product_ids = {row[1] for row in valid}
    products_changed_notify(product_ids=result.product_ids)
    return result


@transaction.atomic
def measurement_record(
    *,
    actor: Any,
    kpi: Kpi,
    measured_at: Any,
    value: Any,
    source: str = Source.API,
    now: datetime | None = None,
) -> tuple[Measurement, bool]:
    """Write one measurement (replacing the value at that moment); True when new."""
    require(
        actor is None or measurement_policy.can_write_for(actor, kpi.product),
        "You may only write measurements of the products you manage.",
    )
    decoded = ingest.decode_rows(
        [{"kpi": kpi.pk, "measured_at": measured_at, "value": value}],
        now=now or timezone.now(),
    )
    if decoded.errors:
        raise ValidationError(decoded.errors[0])
    _, parsed, number = decoded.rows[0]
    created = _write([(kpi.pk, kpi.product_id, parsed, number)], source) == 1
    products_changed_notify(product_ids=[kpi.product_id])
    measurement = Measurement.objects.get(kpi=kpi, measured_at=parsed.at)
    return measurement, created


@transaction.atomic
def measurements_delete(*, actor: Any, queryset: QuerySet[Measurement]) -> int:
    """Delete measurements (values pushed by mistake); returns how many."""
    product_ids = set(
        queryset.order_by().values_list("kpi__product_id", flat=True).distinct()
    )
    if actor is not None and not writes_any_product(actor):
        managed = (
            set(
                Product.objects.filter(pk__in=product_ids, managers=actor).values_list(
                    "pk", flat=True
                )
            )
            if has_role(actor, Role.PRODUCT_MANAGER)
            else set()
        )
        require(
            product_ids <= managed,
            "You may only delete measurements of the products you manage.",
        )
    deleted, _ = Measurement.objects.filter(pk__in=queryset.values("pk")).delete()
    products_changed_notify(product_ids=product_ids)
    return deleted


# Each entity's services, for the generic admin code.
KPI = EntityServices(kpi_create, kpi_update, kpi_delete, "kpi")
