"""Reads for `/roadmaps/`: a page of products with their dated items, slips and
launches, the on-time figures per product and overall, upcoming launches.

Every kind of record is read once for the page's products (items with their
target-date changes in two queries, launches in one), and the figures are SQL
aggregates, so the number of queries does not depend on the portfolio's size.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, F, Prefetch, Q, QuerySet

from portfolio.models import LifecycleStage, Product
from portfolio.selectors import product_list
from roadmaps.models import ItemStatus, LaunchStatus, TargetDateChange
from roadmaps.selectors import launch_list, roadmap_item_list

PER_PAGE = 10
# Items drawn per product lane; the rest are counted (the product page has them).
LANE_LIMIT = 30
UPCOMING_DAYS = 90
UPCOMING_LIMIT = 12
DAYS_BACK = 120
DAYS_AHEAD = 240


@dataclass(frozen=True)
class RoadmapFilters:
    product: str = ""  # slug
    line: int | None = None
    horizon: str = ""


def roadmap_products(*, user: Any, filters: RoadmapFilters) -> QuerySet[Product]:
    """The products the user may see that are not retired, filtered, by name."""
    queryset = product_list(user=user).exclude(lifecycle_stage=LifecycleStage.RETIRED)
    if filters.product:
        queryset = queryset.filter(slug=filters.product)
    if filters.line is not None:
        queryset = queryset.filter(product_line_id=filters.line)
    if filters.horizon:
        queryset = queryset.filter(horizon=filters.horizon)
    return queryset.order_by("name", "pk")


def _delivery_counts(today: date) -> dict[str, Count]:
    """Counts over the delivery window's items (SPEC §2's delivery component);
    a delivery dated after today has not happened yet, as the score reads it."""
    delivered = Q(status=ItemStatus.DONE, delivered_on__lte=today)
    on_time = delivered & Q(delivered_on__lte=F("target_date"))
    return {
        "total": Count("pk"),
        "on_time": Count("pk", filter=on_time),
        "late": Count("pk", filter=delivered & Q(delivered_on__gt=F("target_date"))),
    }


def _window_items(user: Any, today: date, window_days: int) -> QuerySet[Any]:
    return (
        roadmap_item_list(user=user)
        .exclude(status=ItemStatus.CANCELLED)
        .filter(
            target_date__gte=today - timedelta(days=window_days),
            target_date__lte=today - timedelta(days=1),
        )
    )


def delivery_by_product(
    *, user: Any, product_ids: list[int], today: date, window_days: int
) -> dict[int, dict[str, int]]:
    """On time, late and total items in the window, per product."""
    rows = (
        _window_items(user, today, window_days)
        .filter(product_id__in=product_ids)
        .order_by()
        .values("product_id")
        .annotate(**_delivery_counts(today))
    )
    return {row.pop("product_id"): row for row in rows}


def delivery_overall(
    *, user: Any, products: QuerySet[Product], today: date, window_days: int
) -> dict[str, int]:
    """The same counts over every product of the (filtered) list."""
    return (
        _window_items(user, today, window_days)
        .filter(product__in=products.order_by().values("pk"))
        .aggregate(**_delivery_counts(today))
    )


def lane_items(*, user: Any, product_ids: list[int], today: date) -> list[Any]:
    """The page's dated items whose bar meets the timeline, with their slips."""
    start = today - timedelta(days=DAYS_BACK)
    end = today + timedelta(days=DAYS_AHEAD)
    return list(
        roadmap_item_list(user=user)
        .filter(product_id__in=product_ids, target_date__isnull=False)
        .exclude(status=ItemStatus.CANCELLED)
        .filter(
            Q(target_date__gte=start, target_date__lte=end)
            | Q(start_date__lte=end, target_date__gte=start)
        )
        .only(
            "id",
            "product_id",
            "title",
            "status",
            "start_date",
            "target_date",
            "delivered_on",
            "slip_count",
            "slip_days",
        )
        .prefetch_related(
            Prefetch(
                "target_date_changes",
                queryset=TargetDateChange.objects.order_by("changed_at", "id").only(
                    "id", "item_id", "previous_date", "days", "changed_at"
                ),
            )
        )
        .order_by("product_id", "target_date", "id")
    )


def lane_launches(*, user: Any, product_ids: list[int], today: date) -> list[Any]:
    """The page's launches on the timeline (cancelled ones left out)."""
    return list(
        launch_list(user=user)
        .filter(
            product_id__in=product_ids,
            launch_date__gte=today - timedelta(days=DAYS_BACK),
            launch_date__lte=today + timedelta(days=DAYS_AHEAD),
        )
        .exclude(status=LaunchStatus.CANCELLED)
        .only("id", "product_id", "name", "launch_date", "status")
    )


def upcoming_launches(
    *, user: Any, products: QuerySet[Product], today: date
) -> list[Any]:
    """The next launches of the (filtered) portfolio, soonest first."""
    return list(
        launch_list(user=user)
        .filter(
            product__in=products.order_by().values("pk"),
            launch_date__gte=today,
            launch_date__lte=today + timedelta(days=UPCOMING_DAYS),
            status__in=[LaunchStatus.PLANNED, LaunchStatus.READY],
        )
        .select_related("product", "release")
        .only(
            "id",
            "name",
            "launch_date",
            "status",
            "checklist",
            "product__name",
            "product__slug",
            "release__name",
        )[:UPCOMING_LIMIT]
    )
