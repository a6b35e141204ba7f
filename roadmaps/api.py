"""API for roadmaps: releases, roadmap items (RICE, slips, dependencies) and
launches.

Serializers give the shape and field validation; every write goes through a
service (accounts.viewsets.ServiceModelViewSet), which checks the policy again,
applies the roadmap rules and records the acting user.
"""

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from accounts.viewsets import ServiceModelViewSet
from cpo.common.serializers import (
    ModelSerializer,
    StrictBooleanField,
    StrictCharField,
    StrictFloatField,
    StrictPrimaryKeyRelatedField,
)

from . import selectors, services
from .filters import LaunchFilter, ReleaseFilter, RoadmapItemFilter
from .models import (
    CHANNEL_MAX_LENGTH,
    CHANNELS_MAX,
    CHECKLIST_LABEL_MAX_LENGTH,
    CHECKLIST_MAX_ENTRIES,
    EFFORT_MAX,
    EFFORT_MESSAGE,
    EFFORT_MIN,
    RICE_IMPACTS,
    Launch,
    Release,
    RoadmapItem,
    TargetDateChange,
)
from .policies import roadmap_policy

# --- serializers ----------------------------------------------------------------


# A number, not an enum of numbers: generated clients (openapi-python-client)
# support only string and integer enums. The scale is in the description, and
# anything off it is a 400 naming the scale.
@extend_schema_field({"type": "number", "nullable": True})
class RiceImpactField(StrictFloatField):
    """RICE impact: one of 0.25, 0.5, 1, 2, 3."""

    default_error_messages = {
        "invalid": "A number is required.",
        "not_on_scale": "Impact must be one of 0.25, 0.5, 1, 2 or 3.",
    }

    def to_internal_value(self, data: Any) -> float:
        value = super().to_internal_value(data)
        if value not in RICE_IMPACTS:
            self.fail("not_on_scale")
        return value


class ReleaseSerializer(ModelSerializer):
    class Meta:
        model = Release
        fields = ["id", *services.RELEASE_FIELDS, "created_at", "updated_at"]


class RoadmapItemSerializer(ModelSerializer):
    impact = RiceImpactField(
        allow_null=True,
        required=False,
        help_text="RICE impact on the scale 0.25, 0.5, 1, 2, 3.",
    )
    effort = StrictFloatField(
        allow_null=True,
        required=False,
        min_value=EFFORT_MIN,
        max_value=EFFORT_MAX,
        error_messages={"min_value": EFFORT_MESSAGE, "max_value": EFFORT_MESSAGE},
        help_text="RICE effort in person-months (more than 0).",
    )
    depends_on = StrictPrimaryKeyRelatedField(
        many=True,
        queryset=RoadmapItem.objects.all(),
        required=False,
        help_text="Ids of the items (of any product) that must ship first; no cycles.",
    )
    rice_score = serializers.SerializerMethodField(
        help_text="reach * impact * confidence/100 / effort; null while an input "
        "is missing."
    )
    overdue = serializers.SerializerMethodField(
        help_text="Still open (idea, planned, in progress) after its target date."
    )

    class Meta:
        model = RoadmapItem
        fields = [
            "id",
            *services.ROADMAP_ITEM_FIELDS,
            "rice_score",
            "slip_count",
            "slip_days",
            "overdue",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {
            "delivered_on": {
                "help_text": "Today when the item moves to done without one; only "
                "a done item has one."
            }
        }

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_rice_score(self, obj: RoadmapItem) -> float | None:
        # Computed like the SQL annotation (the same operations in the same
        # order), so it is right just after a write too.
        return obj.compute_rice_score()

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_overdue(self, obj: RoadmapItem) -> bool:
        return obj.is_overdue(timezone.localdate())


class TargetDateChangeSerializer(ModelSerializer):
    class Meta:
        model = TargetDateChange
        fields = ["previous_date", "new_date", "days", "changed_at", "changed_by"]
        extra_kwargs = {
            "previous_date": {"help_text": "Null on the first entry (first plan)."},
            "days": {
                "help_text": "new - previous in days: positive is a slip, negative "
                "a pull-in; null when either date is null."
            },
            "changed_by": {"help_text": "Id of the user who changed it."},
        }


class ChecklistEntrySerializer(serializers.Serializer):
    # The JSON key is "label"; the stubs type Field.label as a string.
    label = StrictCharField(max_length=CHECKLIST_LABEL_MAX_LENGTH)  # type: ignore[assignment]
    done = StrictBooleanField()


class LaunchSerializer(ModelSerializer):
    channels = serializers.ListField(
        child=StrictCharField(max_length=CHANNEL_MAX_LENGTH),
        max_length=CHANNELS_MAX,
        required=False,
        help_text='Distinct short names, e.g. ["email", "webinar"].',
    )
    # max_length goes to the ListSerializer (DRF >= 3.14; not in the stubs).
    checklist = ChecklistEntrySerializer(  # type: ignore[call-arg]
        many=True,
        required=False,
        max_length=CHECKLIST_MAX_ENTRIES,
        help_text='The go-to-market checklist: [{"label", "done"}].',
    )
    marketing_owner = StrictPrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        allow_null=True,
        required=False,
        help_text="Id of the user who owns the marketing of the launch.",
    )
    readiness = serializers.SerializerMethodField(
        help_text="Share of the checklist done, 0 to 1; null when it is empty."
    )

    class Meta:
        model = Launch
        fields = [
            "id",
            *services.LAUNCH_FIELDS,
            "readiness",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_readiness(self, obj: Launch) -> float | None:
        return obj.readiness


# --- viewsets -------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List releases, by target date"),
    retrieve=extend_schema(summary="Get a release"),
    create=extend_schema(summary="Plan a release (CPO, or a manager of the product)"),
    update=extend_schema(summary="Change a release (its product stays)"),
    partial_update=extend_schema(summary="Change some fields of a release"),
    destroy=extend_schema(
        summary="Delete a release (409 while items or launches refer to it)"
    ),
)
class ReleaseViewSet(ServiceModelViewSet):
    """A product's releases. Every role reads them; the CPO writes all, a product
    manager only those of the products they manage (403 otherwise)."""

    entity = services.RELEASE
    serializer_class = ReleaseSerializer
    policy = roadmap_policy
    filterset_class = ReleaseFilter
    search_fields = ["name"]
    ordering_fields = ["target_date", "shipped_on", "name", "created_at", "updated_at"]
    ordering = ["target_date"]

    def get_queryset(self) -> QuerySet[Release]:
        return selectors.release_list(user=self.request.user)


@extend_schema_view(
    list=extend_schema(
        summary="List roadmap items",
        description="Filter by product, status, timeframe, kind, release, "
        "objective, insight (the items citing it), overdue and date ranges; "
        "order by target_date, rice_score, slip figures and more (nulls last).",
    ),
    retrieve=extend_schema(summary="Get a roadmap item"),
    create=extend_schema(
        summary="Add a roadmap item (CPO, or a manager of the product)"
    ),
    update=extend_schema(summary="Change a roadmap item"),
    partial_update=extend_schema(summary="Change some fields of a roadmap item"),
    destroy=extend_schema(
        summary="Delete a roadmap item (409 while other items depend on it)"
    ),
)
class RoadmapItemViewSet(ServiceModelViewSet):
    """Items on the products' roadmaps, with RICE score and slip figures.

    Rules (400 naming the field): target_date ≥ start_date; moving to done
    without delivered_on sets it to today, leaving done without sending it
    clears it, and only a done item may have one; depends_on may not point to
    the item itself nor close a cycle; the release must be of the same product.
    Every change of target_date is kept: see `target-date-history`.
    """

    entity = services.ROADMAP_ITEM
    serializer_class = RoadmapItemSerializer
    policy = roadmap_policy
    filterset_class = RoadmapItemFilter
    search_fields = ["title", "description"]
    ordering_fields = [
        "target_date",
        "rice_score",
        "start_date",
        "delivered_on",
        "slip_count",
        "slip_days",
        "title",
        "status",
        "timeframe",
        "created_at",
        "updated_at",
    ]
    ordering = ["target_date"]

    def get_queryset(self) -> QuerySet[RoadmapItem]:
        return selectors.roadmap_item_list(user=self.request.user)

    @extend_schema(
        summary="The item's target-date history (slips), oldest first",
        responses=TargetDateChangeSerializer(many=True),
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="target-date-history",
        url_name="target-date-history",
        filter_backends=[],
        serializer_class=TargetDateChangeSerializer,
    )
    def target_date_history(self, request: Request, pk: Any = None) -> Response:
        """Every change of the item's target date: the first plan, then each move
        (days > 0 is a slip)."""
        item = self.get_object()
        page = self.paginate_queryset(selectors.target_date_history(item=item))
        serializer = TargetDateChangeSerializer(page, many=True)
        return self.get_paginated_response(serializer.data)


@extend_schema_view(
    list=extend_schema(summary="List launches, by launch date"),
    retrieve=extend_schema(summary="Get a launch"),
    create=extend_schema(summary="Plan a launch (CPO, or a manager of the product)"),
    update=extend_schema(summary="Change a launch"),
    partial_update=extend_schema(summary="Change some fields of a launch"),
    destroy=extend_schema(summary="Delete a launch"),
)
class LaunchViewSet(ServiceModelViewSet):
    """Go-to-market launches of a product or release, with their checklist and
    readiness (share of the checklist done)."""

    entity = services.LAUNCH
    serializer_class = LaunchSerializer
    policy = roadmap_policy
    filterset_class = LaunchFilter
    search_fields = ["name", "notes"]
    ordering_fields = ["launch_date", "name", "status", "created_at", "updated_at"]
    ordering = ["launch_date"]

    def get_queryset(self) -> QuerySet[Launch]:
        return selectors.launch_list(user=self.request.user)
