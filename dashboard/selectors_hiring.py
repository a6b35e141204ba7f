"""Reads for `/hiring/` and a position's pipeline: a fixed number of queries.

The funnel is `hiring.selectors.hiring_funnel` (four aggregate queries whatever
the number of positions or applications). The positions table is one COUNT and
one page of positions, each with its applications counted per stage by
conditional aggregates (no query per row). Candidates' names are read only
through `hiring.selectors.application_list`, so `hiring.policies` decides who
sees them: executives and integrations never, a product manager only for the
positions where they are the hiring manager or an interviewer.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, F, Q, QuerySet

from hiring.models import Application, Position, PositionStatus, Stage
from hiring.policies import is_hiring_writer, is_product_manager, position_scope
from hiring.selectors import application_list, position_list
from portfolio.models import Product
from portfolio.selectors import product_list

# Stages counted per position in the table (the open ones, and hires).
TABLE_STAGES: tuple[str, ...] = (
    Stage.APPLIED,
    Stage.SCREENING,
    Stage.INTERVIEW,
    Stage.OFFER,
    Stage.HIRED,
)
RECENT_FILLS = 10

# Status filter of the positions table: the statuses, and "all".
POSITION_FILTERS: tuple[str, ...] = (*PositionStatus.values, "all")


def hiring_products(*, user: Any) -> list[tuple[str, str]]:
    """(slug, name) of the products that have a team, for the product filter."""
    return list(
        product_list(user=user)
        .filter(teams__isnull=False)
        .distinct()
        .order_by("name")
        .values_list("slug", "name")
    )


def hiring_product_get(*, user: Any, slug: str) -> Product | None:
    """The product with this slug, or None when the user sees none."""
    return product_list(user=user).filter(slug=slug).only("pk", "name", "slug").first()


def hiring_positions(
    *, user: Any, product: Product | None, status: str
) -> QuerySet[Position]:
    """Positions for the table, oldest open first, with applications per stage."""
    queryset = position_list(user=user).select_related(
        "team__product", "hiring_manager"
    )
    if product is not None:
        queryset = queryset.filter(team__product=product)
    if status != "all":
        queryset = queryset.filter(status=status)
    counts = {
        f"n_{stage}": Count("applications", filter=Q(applications__stage=stage))
        for stage in TABLE_STAGES
    }
    return queryset.annotate(**counts).order_by(
        F("opened_on").asc(nulls_last=True), "title", "id"
    )


def hiring_recent_fills(*, user: Any, product: Product | None) -> list[Position]:
    """The latest filled positions (no candidate: the position and its dates)."""
    queryset = (
        position_list(user=user)
        .filter(status=PositionStatus.FILLED)
        .select_related("team__product")
    )
    if product is not None:
        queryset = queryset.filter(team__product=product)
    return list(queryset.order_by("-filled_on", "-id")[:RECENT_FILLS])


# --- one position's pipeline ------------------------------------------------------


@dataclass
class PositionPipeline:
    position: Position
    # Whether the user may see this position's candidates (SPEC §3).
    personal: bool
    applications: list[Application]


def position_pipeline(*, user: Any, pk: int) -> PositionPipeline | None:
    """The position (None when the user sees none) and the applications they may see."""
    position = (
        position_list(user=user)
        .select_related("team__product", "hiring_manager")
        .filter(pk=pk)
        .first()
    )
    if position is None:
        return None
    if is_hiring_writer(user):
        personal = True
    elif is_product_manager(user):
        personal = (
            Position.objects.filter(pk=position.pk)
            .filter(position_scope(user))
            .exists()
        )
    else:
        personal = False
    applications = (
        list(
            application_list(user=user)
            .filter(position=position)
            .select_related(None)
            .select_related("candidate")
            .order_by("stage_changed_at", "id")
        )
        if personal
        else []
    )
    return PositionPipeline(
        position=position, personal=personal, applications=applications
    )


def age_days(opened_on: date | None, today: date) -> int | None:
    return None if opened_on is None else (today - opened_on).days


def days_to_fill(position: Any) -> int | None:
    """Days from opening to filling (None until both dates are known)."""
    if position.filled_on is None or position.opened_on is None:
        return None
    return int((position.filled_on - position.opened_on).days)
