"""API for the portfolio: product lines, objectives, segments, products, insights.

Serializers give the shape and field validation; every write goes through a
service, which checks the policy again and records the acting user.
"""

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers

from accounts.models import User
from accounts.viewsets import ServiceModelViewSet
from cpo.common.serializers import (
    ModelSerializer,
    StrictDecimalField,
    StrictPrimaryKeyRelatedField,
)

from . import selectors, services
from .filters import InsightFilter, ProductFilter
from .models import HealthStatus, Insight, Objective, Product, ProductLine, Segment
from .policies import insight_policy, product_policy, strategy_policy

# --- serializers ----------------------------------------------------------------


class ProductLineSerializer(ModelSerializer):
    class Meta:
        model = ProductLine
        fields = ["id", *services.PRODUCT_LINE_FIELDS, "created_at", "updated_at"]


class ObjectiveSerializer(ModelSerializer):
    class Meta:
        model = Objective
        fields = ["id", *services.OBJECTIVE_FIELDS, "created_at", "updated_at"]


class SegmentSerializer(ModelSerializer):
    class Meta:
        model = Segment
        fields = ["id", *services.SEGMENT_FIELDS, "created_at", "updated_at"]


class ProductHealthSerializer(serializers.Serializer):
    """The latest health, as written by the health engine (read-only)."""

    score = serializers.FloatField(source="health_score", allow_null=True)
    status = serializers.ChoiceField(
        source="health_status", choices=HealthStatus.choices
    )
    computed_at = serializers.DateTimeField(
        source="health_computed_at", allow_null=True
    )
    trend = serializers.FloatField(source="health_trend", allow_null=True)


class ProductSerializer(ModelSerializer):
    health = ProductHealthSerializer(source="*", read_only=True)
    annual_budget = StrictDecimalField(
        max_digits=14, decimal_places=2, min_value=0, allow_null=True, required=False
    )
    managers = StrictPrimaryKeyRelatedField(
        many=True,
        queryset=User.objects.filter(is_active=True),
        required=False,
        help_text="User ids of its product managers (CPO only may change them).",
    )

    class Meta:
        model = Product
        fields = ["id", *services.PRODUCT_FIELDS, "health", "created_at", "updated_at"]
        extra_kwargs = {"slug": {"required": False}}


class InsightSerializer(ModelSerializer):
    class Meta:
        model = Insight
        fields = ["id", *services.INSIGHT_FIELDS, "author", "created_at", "updated_at"]
        read_only_fields = ["author"]


# --- viewsets -------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List product lines"),
    destroy=extend_schema(summary="Delete a product line (409 while products use it)"),
)
class ProductLineViewSet(ServiceModelViewSet):
    """Product lines group the portfolio's products. Every role reads them; the CPO
    creates, changes and deletes them (a line that products still belong to cannot
    be deleted: 409)."""

    entity = services.PRODUCT_LINE
    serializer_class = ProductLineSerializer
    policy = strategy_policy
    search_fields = ["name", "description"]
    ordering_fields = ["name", "created_at", "updated_at"]
    ordering = ["name"]

    def get_queryset(self) -> QuerySet[ProductLine]:
        return selectors.product_line_list(user=self.request.user)


@extend_schema_view(
    list=extend_schema(summary="List company objectives"),
    destroy=extend_schema(summary="Delete an objective (409 while anything cites it)"),
)
class ObjectiveViewSet(ServiceModelViewSet):
    """Company objectives the portfolio serves (e.g. "Grow EU revenue", period
    `2027-H1`). Every role reads them; the CPO writes them. Products and KPIs link
    to them."""

    entity = services.OBJECTIVE
    serializer_class = ObjectiveSerializer
    policy = strategy_policy
    search_fields = ["title", "description", "period"]
    ordering_fields = ["title", "period", "status", "created_at", "updated_at"]
    ordering = ["title"]

    def get_queryset(self) -> QuerySet[Objective]:
        return selectors.objective_list(user=self.request.user)


@extend_schema_view(
    list=extend_schema(summary="List market segments"),
    destroy=extend_schema(summary="Delete a segment (409 while anything cites it)"),
)
class SegmentViewSet(ServiceModelViewSet):
    """Market segments the products address, with an optional size estimate
    (potential customers). Every role reads them; the CPO writes them."""

    entity = services.SEGMENT
    serializer_class = SegmentSerializer
    policy = strategy_policy
    search_fields = ["name", "description"]
    ordering_fields = ["name", "size_estimate", "created_at", "updated_at"]
    ordering = ["name"]

    def get_queryset(self) -> QuerySet[Segment]:
        return selectors.segment_list(user=self.request.user)


@extend_schema_view(
    list=extend_schema(summary="List products with their latest health"),
    create=extend_schema(summary="Create a product (CPO)"),
    update=extend_schema(summary="Change a product (CPO, or one of its managers)"),
    partial_update=extend_schema(
        summary="Change some fields of a product (CPO, or one of its managers)"
    ),
    destroy=extend_schema(
        summary="Delete a product (CPO; 409 while anything refers to it — retire it)"
    ),
)
class ProductViewSet(ServiceModelViewSet):
    """The portfolio's products: vision, stage, horizon, importance, budget, links
    to segments, objectives and managers, and their latest health (read-only,
    written by the health engine). Every role reads; the CPO creates and deletes; a
    product manager changes the products they manage. Filter by `lifecycle_stage`,
    `product_line`, `horizon`, `health_status`; `search` the name and vision."""

    entity = services.PRODUCT
    serializer_class = ProductSerializer
    policy = product_policy
    filterset_class = ProductFilter
    search_fields = ["name", "slug", "vision", "problem", "value_proposition"]
    ordering_fields = [
        "name",
        "slug",
        "lifecycle_stage",
        "horizon",
        "strategic_importance",
        "annual_budget",
        "health_score",
        "health_status",
        "health_computed_at",
        "created_at",
        "updated_at",
    ]
    ordering = ["name"]

    def get_queryset(self) -> QuerySet[Product]:
        return selectors.product_list(user=self.request.user)


@extend_schema_view(
    list=extend_schema(summary="List customer insights, newest first"),
    create=extend_schema(
        summary="Record an insight (CPO, product managers: citing their products)"
    ),
    destroy=extend_schema(summary="Delete an insight (its author or the CPO)"),
)
class InsightViewSet(ServiceModelViewSet):
    """Market research and customer evidence (interviews, surveys, support,
    analytics…) citing the products it concerns. Every role reads; the CPO and
    product managers record insights (a product manager cites only products they
    manage and changes only the insights they wrote)."""

    entity = services.INSIGHT
    serializer_class = InsightSerializer
    policy = insight_policy
    filterset_class = InsightFilter
    search_fields = ["title", "body"]
    ordering_fields = ["captured_on", "impact", "title", "created_at", "updated_at"]
    ordering = ["-captured_on"]

    def get_queryset(self) -> QuerySet[Insight]:
        return selectors.insight_list(user=self.request.user)
