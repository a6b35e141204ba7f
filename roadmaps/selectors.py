"""Reads for roadmaps: user-aware querysets with their prefetches (N+1-free)."""

from datetime import date
from typing import Any

from django.db.models import (
    ExpressionWrapper,
    F,
    FloatField,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Cast
from django.utils import timezone

from .models import OPEN_STATUSES, Launch, Release, RoadmapItem, TargetDateChange
from .policies import roadmap_policy

# reach * impact * confidence/100 / effort, in the order of models.rice_score so
# SQL and Python agree; NULL when any input is NULL (SQL's own propagation).
RICE_SCORE = ExpressionWrapper(
    Cast(F("reach"), FloatField())
    * F("impact")
    * Cast(F("confidence"), FloatField())
    / Value(100.0)
    / F("effort"),
    output_field=FloatField(),
)


def overdue_q(today: date | None = None) -> Q:
    """Items still open whose target date has passed."""
    return Q(
        status__in=list(OPEN_STATUSES),
        target_date__lt=today or timezone.localdate(),
    )


def release_list(*, user: Any) -> QuerySet[Release]:
    """Releases the user may see, by target date."""
    return roadmap_policy.visible(user, Release.objects.order_by("target_date", "id"))


def roadmap_item_list(*, user: Any) -> QuerySet[RoadmapItem]:
    """Items the user may see, with `rice_score` annotated (sortable in SQL)."""
    # The linked ids (depends_on, insights) are loaded per page by the list
    # serializer (cpo.common.serializers.ModelListSerializer): no prefetch here.
    queryset = RoadmapItem.objects.annotate(rice_score=RICE_SCORE).order_by(
        "target_date", "id"
    )
    return roadmap_policy.visible(user, queryset)


def target_date_history(*, item: RoadmapItem) -> QuerySet[TargetDateChange]:
    """The item's target-date changes, oldest first."""
    return TargetDateChange.objects.filter(item=item).order_by("changed_at", "id")


def launch_list(*, user: Any) -> QuerySet[Launch]:
    """Launches the user may see, by launch date."""
    queryset = Launch.objects.order_by("launch_date", "id")
    return roadmap_policy.visible(user, queryset)
