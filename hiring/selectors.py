"""Reads for hiring: user-aware, with their joins, and the pipeline figures."""

import itertools
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from accounts.models import User

from .models import (
    PIPELINE,
    Application,
    Candidate,
    Interview,
    Position,
    PositionStatus,
    Stage,
    StageMove,
    Team,
)
from .policies import (
    INTERVIEWER_ROLES,
    application_policy,
    candidate_policy,
    interview_policy,
    position_policy,
    team_policy,
)


def team_list(*, user: Any) -> QuerySet[Team]:
    """Teams the user may see, with the number of open positions of each."""
    queryset = Team.objects.annotate(
        open_positions=Count(
            "positions", filter=Q(positions__status=PositionStatus.OPEN)
        )
    ).order_by("name", "id")
    return team_policy.visible(user, queryset)


def position_list(*, user: Any) -> QuerySet[Position]:
    """Positions the user may see, with their team."""
    queryset = Position.objects.select_related("team").order_by(
        "-opened_on", "title", "id"
    )
    return position_policy.visible(user, queryset)


def candidate_list(*, user: Any) -> QuerySet[Candidate]:
    """Candidates the user may see (a product manager: those of their positions)."""
    return candidate_policy.visible(user, Candidate.objects.order_by("full_name", "id"))


def application_list(*, user: Any) -> QuerySet[Application]:
    """Applications the user may see, with candidate and position."""
    queryset = Application.objects.select_related(
        "candidate", "position", "position__team"
    ).order_by("-stage_changed_at", "-id")
    return application_policy.visible(user, queryset)


def application_moves(*, application: Application) -> QuerySet[StageMove]:
    """The recorded moves of an application, oldest first."""
    return StageMove.objects.filter(application=application).order_by("at", "id")


def interviewer_list() -> QuerySet[User]:
    """Active users who may interview: the CPO, recruiters and product managers."""
    return (
        User.objects.filter(is_active=True, groups__name__in=INTERVIEWER_ROLES)
        .distinct()
        .order_by("username")
    )


def interview_list(*, user: Any) -> QuerySet[Interview]:
    """Interviews the user may see, with their application."""
    queryset = Interview.objects.select_related("application").order_by(
        "scheduled_at", "id"
    )
    return interview_policy.visible(user, queryset)


def staffing_by_product(
    *, product_ids: Iterable[int] | None = None
) -> dict[int, tuple[int, int]]:
    """Sum planned and current headcount per product, in one query (for health)."""
    queryset = Team.objects.filter(product__isnull=False)
    if product_ids is not None:
        queryset = queryset.filter(product__in=list(product_ids))
    rows = (
        queryset.values("product")
        .annotate(planned=Sum("planned_headcount"), current=Sum("current_headcount"))
        .order_by()
    )
    return {row["product"]: (int(row["planned"]), int(row["current"])) for row in rows}


# --- the funnel (SPEC §4) ------------------------------------------------------

AGE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0-30", 0, 30),
    ("31-60", 31, 60),
    ("61-90", 61, 90),
    ("91+", 91, None),
)


@dataclass(frozen=True)
class StageFigures:
    stage: str
    current: int
    reached: int


@dataclass(frozen=True)
class Conversion:
    from_stage: str
    to_stage: str
    rate: float | None


@dataclass(frozen=True)
class Funnel:
    stages: list[StageFigures]
    conversion: list[Conversion]
    median_time_to_fill_days: float | None
    open_positions_by_age: dict[str, int]


def _scope(
    *, team: Team | None, product: Any, position: Position | None, prefix: str
) -> Q:
    q = Q()
    if team is not None:
        q &= Q(**{f"{prefix}team": team})
    if product is not None:
        q &= Q(**{f"{prefix}team__product": product})
    if position is not None:
        q &= Q(**{f"{prefix}pk": position.pk})
    return q


def hiring_funnel(
    *,
    team: Team | None = None,
    product: Any = None,
    position: Position | None = None,
    today: date | None = None,
) -> Funnel:
    """Compute the pipeline figures in four aggregate queries, whatever the size.

    current: applications now in each stage; reached: those that ever were
    (each stage is entered at most once, so the moves into it count them; every
    application reached 'applied'); conversion along the main path, null on a
    zero divisor; median days opened_on → filled_on over filled positions; open
    positions by days since opened_on.
    """
    today = today or timezone.localdate()
    applications = Application.objects.filter(
        _scope(team=team, product=product, position=position, prefix="position__")
    )
    current = dict.fromkeys(Stage.values, 0)
    for row in applications.values("stage").annotate(n=Count("id")).order_by():
        current[row["stage"]] = row["n"]
    moves = StageMove.objects.filter(
        _scope(
            team=team,
            product=product,
            position=position,
            prefix="application__position__",
        )
    )
    reached = dict.fromkeys(Stage.values, 0)
    for row in moves.values("to_stage").annotate(n=Count("id")).order_by():
        reached[row["to_stage"]] = row["n"]
    reached[Stage.APPLIED] = sum(current.values())

    stages = [
        StageFigures(stage=s, current=current[s], reached=reached[s])
        for s in Stage.values
    ]
    conversion = [
        Conversion(
            from_stage=a,
            to_stage=b,
            rate=(reached[b] / reached[a]) if reached[a] else None,
        )
        for a, b in itertools.pairwise(PIPELINE)
    ]

    positions = Position.objects.filter(
        _scope(team=team, product=product, position=position, prefix="")
    )
    fills = positions.filter(
        status=PositionStatus.FILLED,
        opened_on__isnull=False,
        filled_on__isnull=False,
    ).values_list("opened_on", "filled_on")
    durations = [
        (filled - opened).days for opened, filled in fills if opened and filled
    ]
    median = float(statistics.median(durations)) if durations else None

    open_positions = positions.filter(status=PositionStatus.OPEN)
    buckets: dict[str, Any] = {}
    for label, low, high in AGE_BUCKETS:
        # Age low..high days ⇔ opened_on from today - high to today - low.
        # The youngest bucket has no lower bound on age: nothing is lost.
        condition = Q(opened_on__isnull=False)
        if low > 0:
            condition &= Q(opened_on__lte=today - timedelta(days=low))
        if high is not None:
            condition &= Q(opened_on__gte=today - timedelta(days=high))
        buckets[label] = Count("id", filter=condition)
    by_age = open_positions.aggregate(**buckets)
    return Funnel(
        stages=stages,
        conversion=conversion,
        median_time_to_fill_days=median,
        open_positions_by_age={label: int(by_age[label]) for label, *_ in AGE_BUCKETS},
    )
