"""Demo roadmaps: per product 6-15 items over the past 9 months and the next 6
(on time, late, overdue, slipped, cancelled), 3 releases, dependencies (some
across products) and 4 launches in different states with their checklists.

Idempotent: items, releases and launches are looked up by product and name
first; every random value is drawn before the lookup, so a second run draws the
same demo and adds nothing. Written through the services (rules, slips, history).
"""

import random
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from portfolio.models import Insight, Product

from . import services
from .models import Launch, Release, RoadmapItem, TargetDateChange

PAST_DAYS = 270  # about 9 months back
FUTURE_DAYS = 180  # about 6 months ahead

THEMES = [
    "Instalment payments",
    "Single sign-on for teams",
    "Usage-based pricing",
    "Mobile onboarding flow",
    "Audit log export",
    "Self-serve refunds",
    "Multi-currency reports",
    "Webhooks v2",
    "Role-based access",
    "Performance budget for pages",
    "Retire the legacy API",
    "Accessibility audit fixes",
    "Partner integrations hub",
    "Smart notifications",
    "Data residency in the EU",
    "Bulk editing",
    "In-app guided tours",
    "Faster search",
    "Customer health alerts",
    "Upgrade the database cluster",
]
KINDS = ["feature"] * 5 + ["improvement"] * 3 + ["initiative", "tech_debt", "launch"]

CHECKLIST = [
    "Positioning and messaging",
    "Pricing approved",
    "Sales enablement",
    "Docs and help centre",
    "Press release",
    "Launch webinar",
]
# (product name, launch name, status, checklist entries done, days from today)
LAUNCHES = [
    ("Fraud Shield", "Fraud Shield general availability", "launched", 6, -40),
    ("Revenue Analytics", "Revenue Analytics for finance teams", "ready", 5, 12),
    ("B2B Portal", "B2B Portal beta", "planned", 2, 75),
    ("Merchant Copilot", "Merchant Copilot preview", "cancelled", 1, 30),
]


def _at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(10, 0)))


def _manager(product: Product) -> Any:
    """The product's first manager by username (from the prefetch)."""
    managers = sorted(product.managers.all(), key=lambda u: u.username)
    return managers[0] if managers else None


def _plan_items(rng: random.Random, today: date, retired: bool) -> list[dict[str, Any]]:
    """Draw one product's items (the same draws on every run)."""
    count = rng.randint(6, 15)
    titles = rng.sample(THEMES, k=count)
    latest = -14 if retired else FUTURE_DAYS
    offsets = sorted(rng.sample(range(-PAST_DAYS, latest, 5), k=count))
    plans = []
    for title, offset in zip(titles, offsets, strict=True):
        target = today + timedelta(days=offset)
        fate = rng.random()
        slips = [rng.randint(7, 45) for _ in range(rng.choice([0, 0, 1, 1, 2]))]
        rice = rng.random() > 0.2
        plan: dict[str, Any] = {
            "title": title,
            "kind": rng.choice(KINDS),
            "target_date": target,
            "start_date": target - timedelta(days=rng.randint(20, 90)),
            "slips": slips,
            "reach": rng.randint(100, 5000) if rice else None,
            "impact": rng.choice([0.25, 0.5, 1.0, 2.0, 3.0]) if rice else None,
            "confidence": rng.choice([50, 80, 100]) if rice else None,
            "effort": rng.choice([0.5, 1.0, 2.0, 3.0, 5.0]) if rice else None,
            "cite": rng.randrange(1000) if rng.random() < 0.4 else None,
            "depends": rng.random() < 0.3,
        }
        if offset < 0:
            early, late = rng.randint(0, 10), rng.randint(3, 30)
            if fate < 0.5 or retired:
                plan.update(status="done", delivered_on=target - timedelta(early))
            elif fate < 0.75:
                delivered = min(target + timedelta(late), today)
                plan.update(status="done", delivered_on=delivered)
            elif fate < 0.95:
                plan.update(status="in_progress", delivered_on=None)  # overdue
            else:
                plan.update(status="cancelled", delivered_on=None)
            plan["timeframe"] = "now"
        else:
            plan["status"] = "in_progress" if offset < 45 else "planned"
            plan["timeframe"] = (
                "now" if offset < 60 else "next" if offset < 120 else "later"
            )
            if offset > 150 and fate < 0.5:
                plan["status"] = "idea"
            plan["delivered_on"] = None
        plans.append(plan)
    return plans


def _seed_releases(product: Product, actor: Any, today: date) -> list[Release]:
    releases = []
    for n, offset in enumerate([-120, 30, 120], start=1):
        name = f"{product.name} R{n}"
        release = Release.objects.filter(product=product, name=name).first()
        if release is None:
            target = today + timedelta(days=offset)
            release = services.release_create(
                actor=actor,
                product=product,
                name=name,
                target_date=target,
                shipped_on=target + timedelta(days=3) if offset < 0 else None,
            )
        releases.append(release)
    return releases


def _create_item(
    product: Product,
    plan: dict[str, Any],
    actor: Any,
    releases: list[Release],
    insights: list[Insight],
    today: date,
) -> RoadmapItem:
    slips = plan["slips"]
    first_target = plan["target_date"] - timedelta(days=sum(slips))
    release = min(releases, key=lambda r: abs((r.target_date - first_target).days))
    cite = plan["cite"]
    evidence = [insights[cite % len(insights)]] if insights and cite is not None else []
    item = services.roadmap_item_create(
        actor=actor,
        product=product,
        title=plan["title"],
        description=f"{plan['title']} for {product.name}.",
        kind=plan["kind"],
        status=plan["status"],
        timeframe=plan["timeframe"],
        start_date=plan["start_date"] - timedelta(days=sum(slips)),
        target_date=first_target,
        delivered_on=plan["delivered_on"],
        release=release if plan["kind"] in {"feature", "improvement"} else None,
        objective=product.objectives.first() if plan["kind"] == "initiative" else None,
        insights=evidence,
        reach=plan["reach"],
        impact=plan["impact"],
        confidence=plan["confidence"],
        effort=plan["effort"],
        today=today,
    )
    target = first_target
    for days in slips:
        target += timedelta(days=days)
        services.roadmap_item_update(
            item=item, actor=actor, data={"target_date": target}, today=today
        )
    # Date the history like the plans were made: the first plan at the start,
    # each slip two weeks before the date it replaced (never in the future).
    changes = list(item.target_date_changes.order_by("id"))
    for change in changes:
        when = (
            item.start_date
            if change.previous_date is None
            else change.previous_date - timedelta(days=14)
        )
        change.changed_at = _at(min(when or today, today))
    TargetDateChange.objects.bulk_update(changes, ["changed_at"])
    return item


def _seed_launches(
    by_name: dict[str, Product], users: dict[str, Any], today: date
) -> list[Launch]:
    launches = []
    for product_name, name, status, done, offset in LAUNCHES:
        product = by_name.get(product_name)
        if product is None:
            continue
        launch = Launch.objects.filter(product=product, name=name).first()
        if launch is None:
            manager = _manager(product)
            launch = services.launch_create(
                actor=manager or users.get("cpo"),
                product=product,
                name=name,
                launch_date=today + timedelta(days=offset),
                release=Release.objects.filter(
                    product=product, shipped_on__isnull=True
                ).first(),
                status=status,
                segments=list(product.segments.all()),
                channels=["email", "webinar", "blog", "sales"][: 2 + done % 3],
                marketing_owner=manager,
                checklist=[
                    {"label": label, "done": i < done}
                    for i, label in enumerate(CHECKLIST)
                ],
                notes=f"{status.title()} launch of {product.name}.",
            )
        launches.append(launch)
    return launches


def seed_demo(ctx: dict[str, Any]) -> None:
    """Create the demo roadmaps once; later runs find them and add nothing."""
    rng = random.Random(7)  # the same demo every time
    users = ctx.get("demo_users", {})
    # Managers prefetched: every service call asks whether the actor manages it.
    ids = [p.pk for p in ctx.get("products", [])]
    loaded = Product.objects.prefetch_related("managers").in_bulk(ids)
    products = [loaded[pk] for pk in ids]
    today = timezone.localdate()
    all_insights = list(Insight.objects.prefetch_related("products"))
    items_by_product: dict[int, list[RoadmapItem]] = {}
    plans_by_product: dict[int, list[dict[str, Any]]] = {}

    for product in products:
        plans = _plan_items(rng, today, product.is_retired)
        actor = _manager(product) or users.get("cpo")
        releases = _seed_releases(product, actor, today)
        insights = [i for i in all_insights if product in i.products.all()]
        items = []
        for plan in plans:
            item = RoadmapItem.objects.filter(
                product=product, title=plan["title"]
            ).first()
            if item is None:
                item = _create_item(product, plan, actor, releases, insights, today)
            items.append(item)
        items_by_product[product.pk] = items
        plans_by_product[product.pk] = plans

    # Dependencies point to earlier items of the product, or to an item of the
    # product seeded before (a portfolio dependency): never a cycle.
    previous: list[RoadmapItem] = []
    for product in products:
        items = items_by_product[product.pk]
        for n, (item, plan) in enumerate(
            zip(items, plans_by_product[product.pk], strict=True)
        ):
            wanted = []
            if plan["depends"] and n > 0:
                wanted.append(items[n - 1])
            if n == len(items) - 1 and previous:
                wanted.append(previous[-1])
            if wanted and not item.depends_on.exists():
                actor = _manager(product)
                services.roadmap_item_update(
                    item=item,
                    actor=actor or users.get("cpo"),
                    data={"depends_on": wanted},
                )
        previous = items

    by_name = {p.name: p for p in products}
    ctx["roadmap_items"] = [i for items in items_by_product.values() for i in items]
    ctx["launches"] = _seed_launches(by_name, users, today)
