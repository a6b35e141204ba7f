"""API of the health engine: product and portfolio health, history, policy, runs."""

from datetime import UTC, datetime, time
from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from accounts.permissions import HasRole
from accounts.roles import ALL_ROLES, Role
from cpo.common.serializers import (
    StrictFloatField,
    StrictIntegerField,
    StrictPrimaryKeyRelatedField,
)
from portfolio.models import HealthStatus, Product
from portfolio.selectors import product_list

from . import scoring, selectors, services
from .models import ProductSnapshot, RecomputeRun, RunState

READERS = HasRole.of(*ALL_ROLES)

# --- serializers ---------------------------------------------------------------


class ComponentSerializer(serializers.Serializer):
    """One component of a score, with the records behind it."""

    name = serializers.ChoiceField(choices=scoring.COMPONENT_NAMES)
    present = serializers.BooleanField(
        help_text="False when nothing qualifies (then it does not count)."
    )
    score = serializers.FloatField(allow_null=True, help_text="0 to 100, unrounded.")
    rounded = serializers.FloatField(
        allow_null=True, help_text="The score rounded half-up to one decimal."
    )
    weight = serializers.FloatField(help_text="The policy's weight.")
    effective_weight = serializers.FloatField(
        help_text="Its share of the score after renormalising over present ones."
    )
    details = serializers.ListField(
        child=serializers.DictField(),
        help_text=(
            "The records behind it: KPIs (value, target, attainment, stale, "
            "reason), roadmap items (target date, delivered on, outcome "
            "on_time/late/overdue, credit), or teams (planned, current, gap)."
        ),
    )


class HealthStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=HealthStatus.choices, **kwargs)


class ProductHealthDetailSerializer(serializers.Serializer):
    """A product's latest health with its explanation."""

    score = serializers.FloatField(allow_null=True)
    status = HealthStatusField()
    computed_at = serializers.DateTimeField(allow_null=True)
    trend = serializers.FloatField(
        allow_null=True,
        help_text="Score minus the score of the snapshot at least `trend_days` older.",
    )
    weakest = serializers.CharField(
        allow_null=True, help_text="The present component with the lowest score."
    )
    components = ComponentSerializer(many=True)


class HealthHistoryEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = ProductSnapshot
        fields = ["computed_at", "score", "status"]


class StatusCountsSerializer(serializers.Serializer):
    healthy = serializers.IntegerField()
    at_risk = serializers.IntegerField()
    critical = serializers.IntegerField()
    unknown = serializers.IntegerField()


class PortfolioHealthSerializer(serializers.Serializer):
    """The portfolio's latest health: importance-weighted score and counts."""

    score = serializers.FloatField(allow_null=True)
    status = HealthStatusField()
    computed_at = serializers.DateTimeField(allow_null=True)
    trend = serializers.FloatField(allow_null=True)
    counts = StatusCountsSerializer()


class WeightsSerializer(serializers.Serializer):
    kpi = StrictFloatField(min_value=0)
    delivery = StrictFloatField(min_value=0)
    staffing = StrictFloatField(min_value=0)


class ThresholdsSerializer(serializers.Serializer):
    healthy = StrictFloatField(min_value=0, max_value=100)
    at_risk = StrictFloatField(min_value=0, max_value=100)


class PolicySerializer(serializers.Serializer):
    """Weights, status thresholds and windows of the health score (SPEC §2)."""

    weights = WeightsSerializer(
        help_text="Component weights, ≥ 0, at least one above 0 (renormalised)."
    )
    thresholds = ThresholdsSerializer(
        help_text="healthy ≥ this score, at_risk ≥ this; 0 ≤ at_risk < healthy ≤ 100."
    )
    delivery_window_days = StrictIntegerField(min_value=1, max_value=3650)
    trend_days = StrictIntegerField(min_value=1, max_value=3650)

    def to_representation(self, policy: Any) -> dict[str, Any]:
        return {
            "weights": {
                "kpi": policy.kpi_weight,
                "delivery": policy.delivery_weight,
                "staffing": policy.staffing_weight,
            },
            "thresholds": {
                "healthy": policy.healthy_threshold,
                "at_risk": policy.at_risk_threshold,
            },
            "delivery_window_days": policy.delivery_window_days,
            "trend_days": policy.trend_days,
        }

    def as_fields(self) -> dict[str, Any]:
        data = self.validated_data
        return {
            "kpi_weight": data["weights"]["kpi"],
            "delivery_weight": data["weights"]["delivery"],
            "staffing_weight": data["weights"]["staffing"],
            "healthy_threshold": data["thresholds"]["healthy"],
            "at_risk_threshold": data["thresholds"]["at_risk"],
            "delivery_window_days": data["delivery_window_days"],
            "trend_days": data["trend_days"],
        }


class RecomputeSerializer(serializers.Serializer):
    products = StrictPrimaryKeyRelatedField(
        many=True,
        queryset=Product.objects.all(),
        required=False,
        help_text="Ids of the products to recompute; leave out for all of them.",
    )


class RecomputeAcceptedSerializer(serializers.Serializer):
    task_id = serializers.UUIDField()
    status_url = serializers.URLField(help_text="Poll it for the progress.")


class RunProgressSerializer(serializers.Serializer):
    """A recompute's progress, counted in products."""

    state = serializers.ChoiceField(choices=RunState.choices)
    done = serializers.IntegerField()
    total = serializers.IntegerField()


# --- views ----------------------------------------------------------------------


def _visible_product(request: Request, pk: int) -> Product:
    return get_object_or_404(product_list(user=request.user), pk=pk)


def _snapshot_body(snapshot: ProductSnapshot | None) -> dict[str, Any]:
    if snapshot is None:
        return {
            "score": None,
            "status": HealthStatus.UNKNOWN,
            "computed_at": None,
            "trend": None,
            "weakest": None,
            "components": [],
        }
    return {
        "score": snapshot.score,
        "status": snapshot.status,
        "computed_at": snapshot.computed_at,
        "trend": snapshot.trend,
        "weakest": snapshot.weakest or None,
        "components": snapshot.components,
    }


class ProductHealthView(APIView):
    """A product's latest health: score, status, trend and the explanation — each
    component with the KPIs, roadmap items or teams behind it. Before the first
    computation the score is null and the status `unknown`. Every role reads."""

    permission_classes = [READERS]

    @extend_schema(responses={200: ProductHealthDetailSerializer})
    def get(self, request: Request, pk: int) -> Response:
        product = _visible_product(request, pk)
        body = _snapshot_body(selectors.product_snapshot_latest(product=product))
        return Response(ProductHealthDetailSerializer(body).data)


def _since(request: Request) -> datetime | None:
    raw = request.query_params.get("since")
    if raw is None:
        return None
    field = serializers.DateTimeField(default_timezone=UTC)
    try:
        return field.to_internal_value(raw)
    except ValidationError:
        try:
            day = serializers.DateField().to_internal_value(raw)
        except ValidationError:
            raise ValidationError(
                {"since": ["Use a date (2026-11-01) or an ISO 8601 timestamp."]}
            ) from None
        return datetime.combine(day, time.min, tzinfo=UTC)


@extend_schema(
    parameters=[
        OpenApiParameter(
            "since",
            str,
            description="Only snapshots at or after this date or timestamp (UTC).",
        )
    ]
)
class ProductHealthHistoryView(ListAPIView):
    """A product's health over time, newest first: one entry per snapshot (every
    recompute for 35 days, then the last of each day). Every role reads."""

    permission_classes = [READERS]
    serializer_class = HealthHistoryEntrySerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        product = _visible_product(self.request, self.kwargs["pk"])
        return selectors.product_snapshot_history(
            product=product, since=_since(self.request)
        )


class PortfolioHealthView(APIView):
    """The portfolio's latest health: the mean of the product scores weighted by
    strategic importance, its status and trend, and the count of products in
    each status (retired products count nowhere). Every role reads."""

    permission_classes = [READERS]

    @extend_schema(responses={200: PortfolioHealthSerializer})
    def get(self, request: Request) -> Response:
        snapshot = selectors.portfolio_snapshot_latest()
        if snapshot is None:
            counts = dict.fromkeys(["healthy", "at_risk", "critical", "unknown"], 0)
            counts["unknown"] = selectors.scored_products().count()
            body: dict[str, Any] = {
                "score": None,
                "status": HealthStatus.UNKNOWN,
                "computed_at": None,
                "trend": None,
                "counts": counts,
            }
        else:
            body = {
                "score": snapshot.score,
                "status": snapshot.status,
                "computed_at": snapshot.computed_at,
                "trend": snapshot.trend,
                "counts": snapshot.counts,
            }
        return Response(PortfolioHealthSerializer(body).data)


class PolicyView(APIView):
    """The health policy: component weights, status thresholds, the delivery
    window and the trend distance. Every role reads; the CPO replaces it with
    PUT (all fields), which starts a full recompute."""

    def get_permissions(self) -> list[Any]:
        if self.request is not None and self.request.method == "PUT":
            return [HasRole.of(Role.CPO)()]
        return [READERS()]

    @extend_schema(responses={200: PolicySerializer})
    def get(self, request: Request) -> Response:
        return Response(PolicySerializer(selectors.policy_get()).data)

    @extend_schema(request=PolicySerializer, responses={200: PolicySerializer})
    def put(self, request: Request) -> Response:
        body = PolicySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        policy = services.policy_update(actor=request.user, data=body.as_fields())
        return Response(PolicySerializer(policy).data)


class RecomputeView(APIView):
    """Start a recompute (CPO): `{}` for every product, or `{"products": [ids]}`.
    Answers 202 at once with the run's id; poll `status_url` for its progress."""

    permission_classes = [HasRole.of(Role.CPO)]

    @extend_schema(
        request=RecomputeSerializer,
        responses={202: RecomputeAcceptedSerializer},
    )
    def post(self, request: Request) -> Response:
        body = RecomputeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        products = body.validated_data.get("products")
        run = services.health_recompute_request(
            actor=request.user,
            product_ids=None if products is None else [p.pk for p in products],
        )
        url = reverse("health-task", kwargs={"task_id": run.pk}, request=request)
        return Response(
            RecomputeAcceptedSerializer({"task_id": run.pk, "status_url": url}).data,
            status=status.HTTP_202_ACCEPTED,
        )


class TaskView(APIView):
    """A recompute's progress: `pending`, `progress`, `success` or `failure`,
    with `done` of `total` products. An unknown id is a 404."""

    permission_classes = [IsAuthenticated, READERS]

    @extend_schema(responses={200: RunProgressSerializer})
    def get(self, request: Request, task_id: Any) -> Response:
        run = get_object_or_404(RecomputeRun, pk=task_id)
        return Response(RunProgressSerializer(run).data)
