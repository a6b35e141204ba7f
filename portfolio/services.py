"""Writes for the portfolio: keyword-only, one transaction each, actor recorded.

`actor` is the user on whose behalf the write happens; it is checked against the
policies and recorded on the change-history rows. `actor=None` means the system
(seed data, migrations, the health engine) and skips the role checks.
"""

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils.text import slugify

from accounts.models import User
from accounts.permissions import require
from accounts.roles import Role
from cpo.common.services import (
    EntityServices,
    model_create,
    model_delete,
    model_update,
)

from .models import (
    PRODUCT_NAME_MAX_LENGTH,
    HealthStatus,
    Horizon,
    Insight,
    LifecycleStage,
    Objective,
    ObjectiveStatus,
    Product,
    ProductLine,
    Segment,
)
from .policies import insight_policy, product_policy, strategy_policy
from .signals import product_data_changed

PRODUCT_LINE_FIELDS = ("name", "description")
OBJECTIVE_FIELDS = ("title", "description", "period", "status")
SEGMENT_FIELDS = ("name", "description", "size_estimate")
PRODUCT_FIELDS = (
    "name",
    "slug",
    "product_line",
    "lifecycle_stage",
    "horizon",
    "strategic_importance",
    "vision",
    "problem",
    "value_proposition",
    "annual_budget",
    "segments",
    "objectives",
    "managers",
)
# Product fields that feed the health score or the portfolio figures (SPEC §2:
# retired products are not scored; the portfolio mean is weighted by importance).
HEALTH_RELEVANT_FIELDS = frozenset({"lifecycle_stage", "strategic_importance"})
INSIGHT_FIELDS = (
    "title",
    "body",
    "source",
    "segment",
    "products",
    "impact",
    "captured_on",
)

# --- shared helpers -----------------------------------------------------------


class _ChangedProducts:
    """The products a transaction changed: one signal for all of them on commit.

    A seed, an admin bulk action or a CSV import calls many services in one
    transaction; each would otherwise send its own signal (and start its own
    recompute where tasks run in-process).
    """

    def __init__(self) -> None:
        self.ids: set[int] = set()
        self.sent = False

    def __call__(self) -> None:
        self.sent = True
        product_data_changed.send(sender=Product, product_ids=sorted(self.ids))


def products_changed_notify(*, product_ids: Iterable[int]) -> None:
    """Send `product_data_changed` for these products once the transaction commits.

    Calls within one transaction fold into one signal carrying every product.
    """
    ids = {int(pk) for pk in product_ids}
    if not ids:
        return
    conn = transaction.get_connection()
    # The pending callback of this transaction, if still registered: a rolled-
    # back block discards its callbacks, and a fresh one is registered then.
    pending = next(
        (
            func
            for _, func, _ in conn.run_on_commit
            if isinstance(func, _ChangedProducts) and not func.sent
        ),
        None,
    )
    if pending is None or not conn.in_atomic_block:
        pending = _ChangedProducts()
        pending.ids |= ids
        transaction.on_commit(pending, robust=True)
        return
    pending.ids |= ids


# --- product lines, objectives, segments ---------------------------------------


@transaction.atomic
def product_line_create(*, actor: Any, name: str, description: str = "") -> ProductLine:
    """Create a product line."""
    require(actor is None or strategy_policy.can_create(actor))
    return model_create(
        instance=ProductLine(name=name, description=description), actor=actor
    )


@transaction.atomic
def product_line_update(
    *, product_line: ProductLine, actor: Any, data: Mapping[str, Any]
) -> ProductLine:
    """Change a product line's name or description."""
    require(actor is None or strategy_policy.can_change(actor, product_line))
    return model_update(
        instance=product_line, fields=PRODUCT_LINE_FIELDS, data=data, actor=actor
    )[0]


@transaction.atomic
def product_line_delete(*, product_line: ProductLine, actor: Any) -> None:
    """Delete a product line that no product belongs to (else 409)."""
    require(actor is None or strategy_policy.can_delete(actor, product_line))
    model_delete(
        instance=product_line,
        actor=actor,
        hint="Move its products to another line first.",
    )


@transaction.atomic
def objective_create(
    *,
    actor: Any,
    title: str,
    description: str = "",
    period: str = "",
    status: str = ObjectiveStatus.ACTIVE,
) -> Objective:
    """Create a company objective."""
    require(actor is None or strategy_policy.can_create(actor))
    objective = Objective(
        title=title, description=description, period=period, status=status
    )
    return model_create(instance=objective, actor=actor)


@transaction.atomic
def objective_update(
    *, objective: Objective, actor: Any, data: Mapping[str, Any]
) -> Objective:
    """Change an objective (its status, typically)."""
    require(actor is None or strategy_policy.can_change(actor, objective))
    return model_update(
        instance=objective, fields=OBJECTIVE_FIELDS, data=data, actor=actor
    )[0]


@transaction.atomic
def objective_delete(*, objective: Objective, actor: Any) -> None:
    """Delete an objective nothing is aligned with (else 409)."""
    require(actor is None or strategy_policy.can_delete(actor, objective))
    model_delete(instance=objective, actor=actor, hint="Mark it dropped instead.")


@transaction.atomic
def segment_create(
    *,
    actor: Any,
    name: str,
    description: str = "",
    size_estimate: int | None = None,
) -> Segment:
    """Create a market segment."""
    require(actor is None or strategy_policy.can_create(actor))
    segment = Segment(name=name, description=description, size_estimate=size_estimate)
    return model_create(instance=segment, actor=actor)


@transaction.atomic
def segment_update(*, segment: Segment, actor: Any, data: Mapping[str, Any]) -> Segment:
    """Change a market segment."""
    require(actor is None or strategy_policy.can_change(actor, segment))
    return model_update(
        instance=segment, fields=SEGMENT_FIELDS, data=data, actor=actor
    )[0]


@transaction.atomic
def segment_delete(*, segment: Segment, actor: Any) -> None:
    """Delete a segment that no product or insight refers to (else 409)."""
    require(actor is None or strategy_policy.can_delete(actor, segment))
    model_delete(instance=segment, actor=actor)


# --- products -----------------------------------------------------------------


def product_slug_for(name: str, *, exclude_pk: int | None = None) -> str:
    """A free slug derived from the name: 'billing-hub', else 'billing-hub-2'…"""
    base = slugify(name)[:PRODUCT_NAME_MAX_LENGTH].strip("-") or "product"
    taken_qs = Product.objects.filter(slug__startswith=base)
    if exclude_pk is not None:
        taken_qs = taken_qs.exclude(pk=exclude_pk)
    taken = set(taken_qs.values_list("slug", flat=True))
    candidate, n = base, 2
    while candidate in taken:
        candidate = f"{base}-{n}"
        n += 1
    return candidate


MANAGER_ROLES = (Role.PRODUCT_MANAGER, Role.CPO)


def eligible_managers() -> QuerySet[User]:
    """Users who may manage a product: active holders of product_manager or cpo."""
    return (
        User.objects.filter(is_active=True, groups__name__in=MANAGER_ROLES)
        .distinct()
        .order_by("username")
    )


def _check_managers_eligible(
    managers: Iterable[Any], *, product: Product | None = None
) -> None:
    """Refuse newly named managers who hold neither role (current ones may stay)."""
    ids = {int(getattr(m, "pk", m)) for m in managers}
    if product is not None and product.pk is not None:
        ids -= set(product.managers.values_list("pk", flat=True))
    eligible = set(eligible_managers().filter(pk__in=ids).values_list("pk", flat=True))
    refused = sorted(ids - eligible)
    if refused:
        listed = ", ".join(map(str, refused))
        raise ValidationError(
            {"managers": [f"Not a product manager or the CPO: user {listed}."]}
        )


def _check_managers_change(product: Product | None, managers: Any, actor: Any) -> None:
    if actor is None or product_policy.can_change_managers(actor):
        return
    new = {getattr(m, "pk", m) for m in managers}
    old = (
        set() if product is None else set(product.managers.values_list("pk", flat=True))
    )
    require(new == old, "Only the CPO may change who manages a product.")


@transaction.atomic
def product_create(
    *,
    actor: Any,
    name: str,
    slug: str = "",
    product_line: ProductLine | None = None,
    lifecycle_stage: str = LifecycleStage.CONCEPT,
    horizon: str = Horizon.H1,
    strategic_importance: int = 3,
    vision: str = "",
    problem: str = "",
    value_proposition: str = "",
    annual_budget: Decimal | None = None,
    segments: Iterable[Segment | int] = (),
    objectives: Iterable[Objective | int] = (),
    managers: Iterable[Any] = (),
) -> Product:
    """Create a product (slug derived from the name when not given)."""
    require(actor is None or product_policy.can_create(actor))
    managers = list(managers)
    _check_managers_eligible(managers)
    product = Product(
        name=name,
        slug=slug or product_slug_for(name),
        product_line=product_line,
        lifecycle_stage=lifecycle_stage,
        horizon=horizon,
        strategic_importance=strategic_importance,
        vision=vision,
        problem=problem,
        value_proposition=value_proposition,
        annual_budget=annual_budget,
    )
    model_create(instance=product, actor=actor)
    product.segments.set(list(segments))
    product.objectives.set(list(objectives))
    product.managers.set(managers)
    products_changed_notify(product_ids=[product.pk])
    return product


@transaction.atomic
def product_update(*, product: Product, actor: Any, data: Mapping[str, Any]) -> Product:
    """Change a product; health is told when its stage or importance changed."""
    require(
        actor is None or product_policy.can_change(actor, product),
        "You may only change the products you manage.",
    )
    if "managers" in data:
        _check_managers_change(product, data["managers"], actor)
        _check_managers_eligible(data["managers"], product=product)
    data = dict(data)
    if "slug" in data and not data["slug"]:
        # An emptied slug is derived again from the (new) name.
        data["slug"] = product_slug_for(
            data.get("name", product.name), exclude_pk=product.pk
        )
    before = {name: getattr(product, name) for name in HEALTH_RELEVANT_FIELDS}
    product = model_update(
        instance=product, fields=PRODUCT_FIELDS, data=data, actor=actor
    )[0]
    if any(getattr(product, name) != value for name, value in before.items()):
        products_changed_notify(product_ids=[product.pk])
    return product


@transaction.atomic
def product_delete(*, product: Product, actor: Any) -> None:
    """Delete a product nothing refers to (else 409: retire it instead)."""
    require(actor is None or product_policy.can_delete(actor, product))
    product_id = product.pk
    model_delete(instance=product, actor=actor, hint="Retire the product instead.")
    products_changed_notify(product_ids=[product_id])


@transaction.atomic
def product_health_store(
    *,
    product_id: int,
    score: float | None,
    status: str,
    computed_at: datetime,
    trend: float | None,
) -> bool:
    """Copy a computed health onto the product when newer than the stored one.

    For the health engine. Writes only the health columns (update_fields), under a
    row lock, and no change-history row. Returns whether it wrote.
    """
    if status not in HealthStatus.values:
        raise ValueError(f"Unknown health status {status!r}")
    product = (
        Product.objects.select_for_update()
        .only("pk", *Product.HEALTH_FIELDS)
        .filter(pk=product_id)
        .first()
    )
    if product is None:
        return False
    if (
        product.health_computed_at is not None
        and product.health_computed_at >= computed_at
    ):
        return False
    product.health_score = score
    product.health_status = status
    product.health_computed_at = computed_at
    product.health_trend = trend
    product.skip_history_when_saving = True  # type: ignore[attr-defined]
    try:
        product.save(update_fields=list(Product.HEALTH_FIELDS))
    finally:
        del product.skip_history_when_saving  # type: ignore[attr-defined]
    return True


def products_health_store_many(
    *,
    rows: Iterable[tuple[int, float | None, str, float | None]],
    computed_at: datetime,
) -> int:
    """Copy one run's computed health onto many products, where newer than stored.

    For the health engine: `rows` are (product id, score, status, trend), all
    computed at `computed_at`. One UPDATE of the health columns only (a
    concurrent save of other fields cannot undo it, nor it them), and only
    where the stored health is older — a slower, older run never overwrites a
    newer one. No change-history row. Returns how many products it wrote.
    """
    rows = list(rows)
    if not rows:
        return 0
    for _, _, status, _ in rows:
        if status not in HealthStatus.values:
            raise ValueError(f"Unknown health status {status!r}")

    # UPDATE … FROM (VALUES …): one join, where a CASE per column would test
    # every product against every row (0.7 s for 1,000 products on PostgreSQL;
    # this takes ~25 ms). SQLite reads the same statement (UPDATE FROM, 3.33+).
    table = connection.ops.quote_name(Product._meta.db_table)
    values = ", ".join(["(%s, %s, %s, %s)"] * len(rows))
    cast = "::double precision" if connection.vendor == "postgresql" else ""
    # Only the table's quoted name and placeholders are formatted in.
    sql = (
        f"WITH v(id, score, status, trend) AS (VALUES {values}) "  # noqa: S608
        f"UPDATE {table} SET health_score = v.score{cast}, "
        "health_status = v.status, "
        f"health_trend = v.trend{cast}, health_computed_at = %s "
        f"FROM v WHERE {table}.id = v.id AND ({table}.health_computed_at IS NULL "
        f"OR {table}.health_computed_at < %s)"
    )
    stamp = connection.ops.adapt_datetimefield_value(computed_at)
    rows.sort(key=lambda row: row[0])
    params = _update_from_params(rows, stamp)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The race this lock prevents: two runs that share products (a full
            # run's chunk and a one-product run, say) each UPDATE them in the
            # order of their join plan; locking the rows first, in id order,
            # means every writer queues in the same order and none deadlocks.
            # A writer that waited then re-checks the WHERE on the row as the
            # other left it (READ COMMITTED), so the newer result stays.
            cursor.execute(
                f"SELECT id FROM {table} WHERE id = ANY(%s) "  # noqa: S608
                "ORDER BY id FOR NO KEY UPDATE",
                [[row[0] for row in rows]],
            )
        cursor.execute(sql, params)
        return int(cursor.rowcount)


def _update_from_params(
    rows: list[tuple[int, float | None, str, float | None]], stamp: Any
) -> list[Any]:
    """Parameters in statement order: the VALUES, SET's timestamp, WHERE's."""
    params: list[Any] = []
    for row in rows:
        params.extend(row)
    return [*params, stamp, stamp]


# --- insights -----------------------------------------------------------------


def _check_citations(actor: Any, products: Iterable[Any]) -> None:
    if actor is None:
        return
    ids = [getattr(p, "pk", p) for p in products]
    objects = list(Product.objects.filter(pk__in=ids)) if ids else []
    refused = insight_policy.uncitable_products(actor, objects)
    if refused:
        names = ", ".join(sorted(p.name for p in refused))
        raise PermissionDenied(f"You may only cite products you manage; not: {names}.")


@transaction.atomic
def insight_create(
    *,
    actor: Any,
    title: str,
    body: str,
    source: str,
    segment: Segment | None = None,
    products: Iterable[Product | int] = (),
    impact: int = 3,
    captured_on: date | None = None,
    author: Any = None,
) -> Insight:
    """Record an insight; its author is the actor (or `author` for the system)."""
    require(actor is None or insight_policy.can_create(actor))
    products = list(products)
    _check_citations(actor, products)
    author = actor if actor is not None else author
    if author is None:
        raise ValueError("An insight needs an author: pass actor= (or author=).")
    insight = Insight(
        title=title,
        body=body,
        source=source,
        segment=segment,
        impact=impact,
        author=author,
    )
    if captured_on is not None:
        insight.captured_on = captured_on
    model_create(instance=insight, actor=actor)
    insight.products.set(products)
    return insight


@transaction.atomic
def insight_update(*, insight: Insight, actor: Any, data: Mapping[str, Any]) -> Insight:
    """Change an insight; newly cited products must be ones the actor may cite."""
    require(
        actor is None or insight_policy.can_change(actor, insight),
        "You may only change the insights you wrote.",
    )
    if "products" in data:
        current = set(insight.products.values_list("pk", flat=True))
        added = [p for p in data["products"] if getattr(p, "pk", p) not in current]
        _check_citations(actor, added)
    return model_update(
        instance=insight, fields=INSIGHT_FIELDS, data=data, actor=actor
    )[0]


@transaction.atomic
def insight_delete(*, insight: Insight, actor: Any) -> None:
    """Delete an insight that no roadmap item cites (else 409)."""
    require(
        actor is None or insight_policy.can_delete(actor, insight),
        "You may only delete the insights you wrote.",
    )
    model_delete(instance=insight, actor=actor)


# Each entity's services, for the generic admin and CSV import code.
PRODUCT_LINE = EntityServices(
    product_line_create, product_line_update, product_line_delete, "product_line"
)
OBJECTIVE = EntityServices(
    objective_create, objective_update, objective_delete, "objective"
)
SEGMENT = EntityServices(segment_create, segment_update, segment_delete, "segment")
PRODUCT = EntityServices(product_create, product_update, product_delete, "product")
INSIGHT = EntityServices(insight_create, insight_update, insight_delete, "insight")
