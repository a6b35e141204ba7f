"""Reads for `/report/` and its CSV: the portfolio now against a chosen earlier date.

"Then" is the state at the start of the chosen day: the latest snapshot taken
before midnight (in the configured time zone) of that date. Every product row
carries its score and status then as two correlated subqueries (each one probe
of the (product, -computed_at) snapshot index), so the report reads every
product in one query whatever the portfolio size; launches and hires of the
period are one COUNT and one bounded list each.
"""

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from health.models import PortfolioSnapshot, ProductSnapshot
from hiring.models import Position, PositionStatus
from hiring.selectors import position_list
from portfolio.models import LifecycleStage
from portfolio.selectors import product_list
from roadmaps.models import Launch, LaunchStatus
from roadmaps.selectors import launch_list

from .selectors import PRODUCT_ROW_FIELDS

# Launches and hires listed in the report (the count says how many more).
PERIOD_LIMIT = 50


def start_of(day: date) -> datetime:
    """Midnight at the start of `day` in the configured time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))


def _then(field: str, moment: datetime) -> Subquery:
    return Subquery(
        ProductSnapshot.objects.filter(product=OuterRef("pk"), computed_at__lt=moment)
        .order_by("-computed_at")
        .values(field)[:1]
    )


def report_product_rows(*, user: Any, since: date) -> list[dict[str, Any]]:
    """Every product that is not retired, with its health now and at `since`."""
    moment = start_of(since)
    weakest = ProductSnapshot.objects.filter(
        product=OuterRef("pk"), computed_at=OuterRef("health_computed_at")
    ).values("weakest")[:1]
    return list(
        product_list(user=user)
        .exclude(lifecycle_stage=LifecycleStage.RETIRED)
        .annotate(
            then_score=_then("score", moment),
            then_status=_then("status", moment),
            weakest=Subquery(weakest),
        )
        .order_by("name", "pk")
        .values(*PRODUCT_ROW_FIELDS, "then_score", "then_status", "weakest")
    )


def portfolio_snapshot_before(moment: datetime) -> PortfolioSnapshot | None:
    """The latest portfolio snapshot taken before `moment`."""
    return (
        PortfolioSnapshot.objects.filter(computed_at__lt=moment)
        .order_by("-computed_at")
        .first()
    )


@dataclass
class Bounded:
    """The first `PERIOD_LIMIT` records of a list and how many there are."""

    rows: list[Any]
    total: int

    @property
    def more(self) -> int:
        return max(self.total - len(self.rows), 0)


def report_launches(*, user: Any, since: date, today: date) -> Bounded:
    """Launches dated in the period (cancelled ones left out), earliest first."""
    queryset = (
        launch_list(user=user)
        .filter(launch_date__gte=since, launch_date__lte=today)
        .exclude(status=LaunchStatus.CANCELLED)
    )
    rows: list[Launch] = list(
        queryset.select_related("product", "release").order_by("launch_date", "id")[
            :PERIOD_LIMIT
        ]
    )
    return Bounded(rows=rows, total=queryset.count())


def report_hires(*, user: Any, since: date, today: date) -> Bounded:
    """Positions filled in the period, latest first: no candidate, only the post."""
    queryset = position_list(user=user).filter(
        status=PositionStatus.FILLED, filled_on__gte=since, filled_on__lte=today
    )
    rows: list[Position] = list(
        queryset.select_related("team__product").order_by("-filled_on", "-id")[
            :PERIOD_LIMIT
        ]
    )
    return Bounded(rows=rows, total=queryset.count())
