"""Writes for roadmaps: releases, roadmap items (rules, slips, dependencies) and
launches. Keyword-only; each owns its transaction; the actor is checked against
the policy and recorded in the change history (`actor=None` is the system)."""

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.permissions import require
from cpo.common.services import (
    EntityServices,
    model_create,
    model_delete,
    model_update,
)
from portfolio.models import Product
from portfolio.services import products_changed_notify

from .models import (
    NEXT_TIMEFRAME,
    ItemKind,
    ItemStatus,
    Launch,
    LaunchStatus,
    Release,
    RoadmapItem,
    TargetDateChange,
    Timeframe,
)
from .policies import NOT_YOUR_PRODUCT, roadmap_policy

RELEASE_FIELDS = ("product", "name", "target_date", "shipped_on")
ROADMAP_ITEM_FIELDS = (
    "product",
    "title",
    "description",
    "kind",
    "status",
    "timeframe",
    "start_date",
    "target_date",
    "delivered_on",
    "release",
    "objective",
    "depends_on",
    "insights",
    "reach",
    "impact",
    "confidence",
    "effort",
)
LAUNCH_FIELDS = (
    "product",
    "name",
    "release",
    "launch_date",
    "status",
    "segments",
    "channels",
    "marketing_owner",
    "checklist",
    "notes",
)
# Item fields that feed the health engine's delivery component (SPEC §2).
DELIVERY_FIELDS = ("product_id", "status", "target_date", "delivered_on")
SLIP_FIELDS = ("slip_count", "slip_days")
# A date "today" for a user east of the server's zone is tomorrow here.
FUTURE_SLACK = timedelta(days=1)

MSG_TARGET_BEFORE_START = "The target date must be on or after the start date."
MSG_DELIVERED_NOT_DONE = (
    "Only a done item has a delivery date: set the status to done, or clear "
    "delivered_on."
)
MSG_DELIVERED_FUTURE = "The delivery date cannot be in the future."
MSG_SHIPPED_FUTURE = "The ship date cannot be in the future."
MSG_RELEASE_PRODUCT = "The release belongs to another product."
MSG_SELF_DEPENDENCY = "An item cannot depend on itself."
MSG_RELEASE_MOVE = (
    "A release cannot move to another product; create a release for that product."
)


def _pk(value: Any) -> Any:
    return getattr(value, "pk", value)


def _require_under(actor: Any, product: Product | None) -> None:
    require(
        actor is None or roadmap_policy.can_write_under(actor, product),
        NOT_YOUR_PRODUCT,
    )


def _require_change(actor: Any, obj: Any, data: Mapping[str, Any]) -> None:
    """403 unless the actor may change obj, and write under a new product too."""
    _require_under(actor, obj.product)
    if "product" in data and _pk(data["product"]) != obj.product_id:
        _require_under(actor, data["product"])


def _check_release(errors: dict[str, list[str]], release: Any, product: Any) -> None:
    if (
        release is not None
        and product is not None
        and release.product_id != _pk(product)
    ):
        errors.setdefault("release", []).append(MSG_RELEASE_PRODUCT)


def _raise(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


# --- dependencies -----------------------------------------------------------------


def dependency_cycle(*, item_id: int, depends_on: Iterable[Any]) -> list[int] | None:
    """The ids of a cycle item → … → item that these dependencies would close.

    Breadth-first over the stored edges, one query per level; the item's own
    current edges are ignored (they are being replaced). None when acyclic.
    """
    edges = RoadmapItem.depends_on.through.objects
    parent: dict[int, int] = {}
    frontier: set[int] = set()
    for dep in depends_on:
        dep_id = int(_pk(dep))
        if dep_id == item_id:
            return [item_id, item_id]
        parent.setdefault(dep_id, item_id)
        frontier.add(dep_id)
    while frontier:
        step = edges.filter(from_roadmapitem_id__in=frontier).values_list(
            "from_roadmapitem_id", "to_roadmapitem_id"
        )
        following: set[int] = set()
        for source, target in sorted(step):
            if target == item_id:
                path = [source]
                while path[-1] != item_id:
                    path.append(parent[path[-1]])
                return [*reversed(path), item_id]
            if target not in parent:
                parent[target] = source
                following.add(target)
        frontier = following
    return None


def _check_dependencies(
    errors: dict[str, list[str]], item: RoadmapItem | None, depends_on: Any
) -> None:
    if item is None or item.pk is None:
        return  # nothing depends on an item that does not exist yet
    ids = [int(_pk(d)) for d in depends_on]
    if item.pk in ids:
        errors.setdefault("depends_on", []).append(MSG_SELF_DEPENDENCY)
        return
    cycle = dependency_cycle(item_id=item.pk, depends_on=ids)
    if cycle:
        titles = dict(
            RoadmapItem.objects.filter(pk__in=cycle).values_list("pk", "title")
        )
        titles[item.pk] = item.title
        path = " → ".join(titles.get(pk, str(pk)) for pk in cycle)
        errors.setdefault("depends_on", []).append(
            f"This would create a dependency cycle: {path}."
        )


# --- roadmap items ------------------------------------------------------------------


def roadmap_item_validate(
    *,
    item: RoadmapItem | None,
    data: Mapping[str, Any],
    today: date | None = None,
) -> dict[str, Any]:
    """Check the item rules on the state after the change; settle `delivered_on`.

    Returns `data` with `delivered_on` added when a rule sets it (done → today
    when not given; leaving done without sending it → cleared). Raises a
    ValidationError naming each broken rule's field. The admin forms call this
    too, so their errors show on the form.
    """
    today = today or timezone.localdate()
    data = dict(data)

    def value(name: str) -> Any:
        if name in data:
            return data[name]
        return getattr(item, name) if item is not None else None

    errors: dict[str, list[str]] = {}
    status = value("status") or ItemStatus.IDEA
    was_done = item is not None and item.status == ItemStatus.DONE
    if status == ItemStatus.DONE:
        if value("delivered_on") is None:
            data["delivered_on"] = today
    elif "delivered_on" not in data and was_done:
        data["delivered_on"] = None
    elif value("delivered_on") is not None:
        errors["delivered_on"] = [MSG_DELIVERED_NOT_DONE]
    delivered_on = data.get("delivered_on", value("delivered_on"))
    if delivered_on is not None and delivered_on > today + FUTURE_SLACK:
        errors.setdefault("delivered_on", []).append(MSG_DELIVERED_FUTURE)

    start, target = value("start_date"), value("target_date")
    if start is not None and target is not None and target < start:
        errors["target_date"] = [MSG_TARGET_BEFORE_START]
    _check_release(errors, value("release"), value("product"))
    if "depends_on" in data:
        _check_dependencies(errors, item, data["depends_on"])
    _raise(errors)
    return data


def _record_target_change(
    item: RoadmapItem, previous: date | None, new: date | None, actor: Any
) -> TargetDateChange:
    """Keep one target-date change and update the item's slip figures."""
    days = (new - previous).days if previous is not None and new is not None else None
    change = TargetDateChange.objects.create(
        item=item,
        previous_date=previous,
        new_date=new,
        days=days,
        changed_by=actor if getattr(actor, "pk", None) else None,
    )
    if days is not None and days > 0:
        item.slip_count += 1
        item.slip_days += days
        item.save(update_fields=["slip_count", "slip_days"])
    return change


@transaction.atomic
def roadmap_item_create(
    *,
    actor: Any,
    product: Product,
    title: str,
    description: str = "",
    kind: str = ItemKind.FEATURE,
    status: str = ItemStatus.IDEA,
    timeframe: str = Timeframe.LATER,
    start_date: date | None = None,
    target_date: date | None = None,
    delivered_on: date | None = None,
    release: Release | None = None,
    objective: Any = None,
    depends_on: Iterable[Any] = (),
    insights: Iterable[Any] = (),
    reach: int | None = None,
    impact: float | None = None,
    confidence: int | None = None,
    effort: float | None = None,
    today: date | None = None,
) -> RoadmapItem:
    """Add an item to a product's roadmap; its first target date starts the history."""
    _require_under(actor, product)
    depends_on, insights = list(depends_on), list(insights)
    fields = {
        "product": product,
        "title": title,
        "description": description,
        "kind": kind,
        "status": status,
        "timeframe": timeframe,
        "start_date": start_date,
        "target_date": target_date,
        "delivered_on": delivered_on,
        "release": release,
        "objective": objective,
        "reach": reach,
        "impact": impact,
        "confidence": confidence,
        "effort": effort,
    }
    fields = roadmap_item_validate(item=None, data=fields, today=today)
    item = model_create(instance=RoadmapItem(**fields), actor=actor)
    # Only when there is something to link: each set() costs history queries.
    if depends_on:
        item.depends_on.set(depends_on)
    if insights:
        item.insights.set(insights)
    if item.target_date is not None:
        _record_target_change(item, None, item.target_date, actor)
    products_changed_notify(product_ids=[product.pk])
    return item


@transaction.atomic
def roadmap_item_update(
    *,
    item: RoadmapItem,
    actor: Any,
    data: Mapping[str, Any],
    today: date | None = None,
) -> RoadmapItem:
    """Change an item; a new target date is kept in its history (slips)."""
    _require_change(actor, item, data)
    # The row lock orders concurrent date changes, so each history row's
    # previous date is the one it replaced.
    stored = (
        RoadmapItem.objects.select_for_update()
        .only("product", "status", "target_date", "delivered_on", *SLIP_FIELDS)
        .get(pk=item.pk)
    )
    before = {name: getattr(stored, name) for name in DELIVERY_FIELDS}
    data = roadmap_item_validate(item=item, data=data, today=today)
    item = model_update(
        instance=item, fields=ROADMAP_ITEM_FIELDS, data=data, actor=actor
    )[0]
    if item.target_date != before["target_date"]:
        item.slip_count, item.slip_days = stored.slip_count, stored.slip_days
        _record_target_change(item, before["target_date"], item.target_date, actor)
    if any(getattr(item, name) != before[name] for name in DELIVERY_FIELDS):
        products_changed_notify(product_ids=[before["product_id"], item.product_id])
    return item


@transaction.atomic
def roadmap_item_delete(*, item: RoadmapItem, actor: Any) -> None:
    """Delete an item no other item depends on (else 409)."""
    _require_under(actor, item.product)
    product_id = item.product_id
    model_delete(
        instance=item, actor=actor, hint="Remove the dependency or cancel it instead."
    )
    products_changed_notify(product_ids=[product_id])


def _require_all(actor: Any, items: list[RoadmapItem]) -> None:
    if actor is None:
        return
    refused = [i for i in items if not roadmap_policy.can_change(actor, i)]
    if refused:
        titles = ", ".join(sorted(i.title for i in refused))
        raise PermissionDenied(
            f"You may only change items of the products you manage; not: {titles}."
        )


@transaction.atomic
def roadmap_items_mark_done(
    *, actor: Any, items: Iterable[RoadmapItem], today: date | None = None
) -> int:
    """Mark these items done (delivered today); all or none. Returns how many."""
    items = list(items)
    _require_all(actor, items)
    changed = 0
    for item in items:
        if item.status == ItemStatus.DONE:
            continue
        roadmap_item_update(
            item=item, actor=actor, data={"status": ItemStatus.DONE}, today=today
        )
        changed += 1
    return changed


@transaction.atomic
def roadmap_items_move_to_next_timeframe(
    *, actor: Any, items: Iterable[RoadmapItem]
) -> int:
    """Push these items out by one timeframe (now → next → later); all or none.

    Items already in `later` stay there. Returns how many moved.
    """
    items = list(items)
    _require_all(actor, items)
    moved = 0
    for item in items:
        following = NEXT_TIMEFRAME.get(Timeframe(item.timeframe))
        if following is None:
            continue
        roadmap_item_update(item=item, actor=actor, data={"timeframe": following})
        moved += 1
    return moved


# --- releases -----------------------------------------------------------------------


def _check_shipped(errors: dict[str, list[str]], shipped_on: date | None) -> None:
    if shipped_on is not None and shipped_on > timezone.localdate() + FUTURE_SLACK:
        errors["shipped_on"] = [MSG_SHIPPED_FUTURE]


def release_validate(*, release: Release | None, data: Mapping[str, Any]) -> None:
    """Check the release rules on a change (the admin form calls this too)."""
    errors: dict[str, list[str]] = {}
    if (
        release is not None
        and release.pk is not None
        and "product" in data
        and _pk(data["product"]) != release.product_id
    ):
        errors["product"] = [MSG_RELEASE_MOVE]
    if "shipped_on" in data:
        _check_shipped(errors, data["shipped_on"])
    _raise(errors)


@transaction.atomic
def release_create(
    *,
    actor: Any,
    product: Product,
    name: str,
    target_date: date,
    shipped_on: date | None = None,
) -> Release:
    """Plan a release of a product."""
    _require_under(actor, product)
    release_validate(release=None, data={"shipped_on": shipped_on})
    release = Release(
        product=product, name=name, target_date=target_date, shipped_on=shipped_on
    )
    return model_create(instance=release, actor=actor)


@transaction.atomic
def release_update(*, release: Release, actor: Any, data: Mapping[str, Any]) -> Release:
    """Change a release (not its product: items and launches rely on it)."""
    _require_change(actor, release, data)
    release_validate(release=release, data=data)
    return model_update(
        instance=release, fields=RELEASE_FIELDS, data=data, actor=actor
    )[0]


@transaction.atomic
def release_delete(*, release: Release, actor: Any) -> None:
    """Delete a release that no item or launch refers to (else 409)."""
    _require_under(actor, release.product)
    model_delete(instance=release, actor=actor, hint="Move its items first.")


# --- launches -----------------------------------------------------------------------


def _plain_checklist(checklist: Any) -> Any:
    """Serializer output (OrderedDicts) as plain JSON objects; other shapes as given
    (the model validator names what is wrong with them)."""
    if isinstance(checklist, list):
        return [dict(e) if isinstance(e, Mapping) else e for e in checklist]
    return checklist


def launch_validate(*, launch: Launch | None, data: Mapping[str, Any]) -> None:
    """Check the launch rules on the state after a change (admin forms too)."""
    errors: dict[str, list[str]] = {}
    release = data["release"] if "release" in data else getattr(launch, "release", None)
    product = data["product"] if "product" in data else getattr(launch, "product", None)
    _check_release(errors, release, product)
    _raise(errors)


@transaction.atomic
def launch_create(
    *,
    actor: Any,
    product: Product,
    name: str,
    launch_date: date,
    release: Release | None = None,
    status: str = LaunchStatus.PLANNED,
    segments: Iterable[Any] = (),
    channels: Any = None,
    marketing_owner: Any = None,
    checklist: Any = None,
    notes: str = "",
) -> Launch:
    """Plan a launch of a product (or of one of its releases)."""
    _require_under(actor, product)
    launch_validate(launch=None, data={"release": release, "product": product})
    launch = Launch(
        product=product,
        name=name,
        launch_date=launch_date,
        release=release,
        status=status,
        channels=list(channels) if isinstance(channels, tuple) else (channels or []),
        marketing_owner=marketing_owner,
        checklist=_plain_checklist(checklist if checklist is not None else []),
        notes=notes,
    )
    model_create(instance=launch, actor=actor)
    segments = list(segments)
    if segments:
        launch.segments.set(segments)
    return launch


@transaction.atomic
def launch_update(*, launch: Launch, actor: Any, data: Mapping[str, Any]) -> Launch:
    """Change a launch: its status, date, checklist, channels…"""
    _require_change(actor, launch, data)
    data = dict(data)
    if "checklist" in data:
        data["checklist"] = _plain_checklist(data["checklist"])
    launch_validate(launch=launch, data=data)
    return model_update(instance=launch, fields=LAUNCH_FIELDS, data=data, actor=actor)[
        0
    ]


@transaction.atomic
def launch_delete(*, launch: Launch, actor: Any) -> None:
    """Delete a launch."""
    _require_under(actor, launch.product)
    model_delete(instance=launch, actor=actor)


# Each entity's services, for the API, the generic admin and CSV import code.
RELEASE = EntityServices(release_create, release_update, release_delete, "release")
ROADMAP_ITEM = EntityServices(
    roadmap_item_create, roadmap_item_update, roadmap_item_delete, "item"
)
LAUNCH = EntityServices(launch_create, launch_update, launch_delete, "launch")
