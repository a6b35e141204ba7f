"""API for KPIs and measurements: definitions, one KPI's series, bulk ingestion.

KPI writes go through the services (policy, validation, history). Measurements
are written by `measurements_ingest` / `measurement_record`, which decode the
rows themselves (kpis/ingest.py) so that the single POST, the bulk endpoint and
the admin's CSV import apply exactly the same rules and messages.
"""

import json
import time
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers, status
from rest_framework.exceptions import ParseError, UnsupportedMediaType, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import PolicyPermission
from accounts.viewsets import ServiceModelViewSet
from cpo.common.pagination import CursorPagination
from cpo.common.serializers import (
    ModelSerializer,
    StrictChoiceField,
    StrictFloatField,
    StrictIntegerField,
    StrictSlugField,
)

from . import ingest, selectors, services
from .attainment import Attainment
from .filters import KpiFilter
from .models import Kpi, Measurement
from .policies import kpi_policy, measurement_policy

# --- serializers ----------------------------------------------------------------


@extend_schema_field(
    {
        "type": "string",
        "pattern": ingest.TIMESTAMP_PATTERN,
        "example": "2027-01-31T09:30:00Z",
        "description": "ISO 8601 timestamp; without a zone it is UTC, and a bare "
        "date (2027-01-31) is midnight UTC. At most one day in the future.",
    }
)
class TimestampField(serializers.Field):
    """A measurement time as the contract takes it (documentation only: the
    service decodes it, so every way in applies the same rules)."""


class LatestMeasurementSerializer(serializers.Serializer):
    """The most recent measurement of a KPI."""

    value = serializers.FloatField()
    measured_at = serializers.DateTimeField()


class KpiSerializer(ModelSerializer):
    """A KPI of a product, with its latest measurement and attainment."""

    latest = serializers.SerializerMethodField()
    attainment = serializers.SerializerMethodField(
        help_text="From 0 (at or behind the baseline, or stale) to 1 (target "
        "reached), as in the health score; null when the KPI has no target."
    )
    stale = serializers.SerializerMethodField(
        help_text="No measurement, or the latest is older than two cadences "
        "(daily 1 day, weekly 7, monthly 31, quarterly 92)."
    )

    class Meta:
        model = Kpi
        fields = [
            "id",
            *services.KPI_FIELDS,
            "latest",
            "attainment",
            "stale",
            "created_at",
            "updated_at",
        ]
        # The services check the key per product, with a message naming it.
        validators: list[Any] = []

    def _figures(self, kpi: Kpi) -> Attainment:
        cached = getattr(kpi, "_figures", None)
        if cached is None:
            if not hasattr(kpi, "latest_at"):
                # A KPI just written (not read through the selector): one lookup.
                last = kpi.measurements.order_by("-measured_at").first()
                kpi.latest_value = last.value if last else None  # type: ignore[attr-defined]
                kpi.latest_at = last.measured_at if last else None  # type: ignore[attr-defined]
            now = self.context.setdefault("now", timezone.now())
            cached = selectors.kpi_attainment_of(kpi, now=now)
            kpi._figures = cached  # type: ignore[attr-defined]
        return cached

    # Inline, with `type`: OpenAPI 3.0 ignores `nullable` beside a bare $ref/allOf.
    @extend_schema_field(
        {
            "type": "object",
            "nullable": True,
            "description": "The latest measurement, or null when there is none.",
            "properties": {
                "value": {"type": "number", "format": "double"},
                "measured_at": {"type": "string", "format": "date-time"},
            },
            "required": ["value", "measured_at"],
        }
    )
    def get_latest(self, kpi: Kpi) -> dict[str, Any] | None:
        self._figures(kpi)
        if kpi.latest_at is None:  # type: ignore[attr-defined]
            return None
        return LatestMeasurementSerializer(
            {"value": kpi.latest_value, "measured_at": kpi.latest_at}  # type: ignore[attr-defined]
        ).data

    @extend_schema_field(
        serializers.FloatField(allow_null=True, min_value=0, max_value=1)
    )
    def get_attainment(self, kpi: Kpi) -> float | None:
        return self._figures(kpi).attainment

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_stale(self, kpi: Kpi) -> bool:
        return self._figures(kpi).stale


class MeasurementSerializer(ModelSerializer):
    """One value of a KPI at a moment; `source` tells how it arrived."""

    class Meta:
        model = Measurement
        fields = [
            "id",
            "kpi",
            "measured_at",
            "value",
            "source",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class MeasurementWriteSerializer(serializers.Serializer):
    """One measurement of the KPI in the URL."""

    measured_at = TimestampField()
    value = StrictFloatField(help_text="A finite number (NaN and ±Infinity are not).")


class BulkMeasurementRowSerializer(serializers.Serializer):
    """One row: `kpi`, or `product` and `kpi_key`; then `measured_at` and `value`."""

    kpi = StrictIntegerField(
        required=False,
        min_value=1,
        help_text="The KPI's id (or give product + kpi_key).",
    )
    product = StrictSlugField(required=False, help_text="The product's slug.")
    kpi_key = StrictSlugField(
        required=False, help_text="The KPI's key in that product."
    )
    measured_at = TimestampField()
    value = StrictFloatField(help_text="A finite number (NaN and ±Infinity are not).")


class BulkMeasurementsSerializer(serializers.Serializer):
    """A batch of at most 10,000 rows and how to treat bad ones."""

    mode = StrictChoiceField(
        choices=services.Mode.ALL,
        default=services.Mode.ATOMIC,
        help_text="atomic: any bad row → 400 and nothing written; partial: the good "
        "rows are written and the bad ones reported (200).",
    )
    measurements = serializers.ListField(
        child=BulkMeasurementRowSerializer(), max_length=ingest.MAX_BULK_ROWS
    )


class RowErrorSerializer(serializers.Serializer):
    """The errors of one bad row."""

    index = serializers.IntegerField(help_text="The row's position, from 0.")
    # Named like Serializer.errors; the metaclass moves fields off the class.
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Field name (or non_field_errors) → messages.",
    )


class BulkMeasurementsResultSerializer(serializers.Serializer):
    """Exact counts of what was written, and each bad row's errors."""

    created = serializers.IntegerField(help_text="Rows that were new.")
    updated = serializers.IntegerField(
        help_text="Rows that replaced the value at an existing (KPI, measured_at)."
    )
    errors = RowErrorSerializer(many=True)  # type: ignore[assignment]


# Self-contained error bodies (no reference to the frame's error components).
_DETAIL = {
    "type": "object",
    "description": 'An error that is not about one row: `{"detail": "…"}`.',
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
_FIELDS = {
    "type": "object",
    "description": 'A rule of the body broken: `{"measurements": ["…"]}`.',
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}
# A 400 is the per-row report (atomic mode), or a body that is not a batch.
BULK_400 = OpenApiResponse(
    response={
        "anyOf": [
            {"$ref": "#/components/schemas/BulkMeasurementsResult"},
            _FIELDS,
            _DETAIL,
        ]
    },
    description="Atomic mode and a bad row: the report, nothing written. Or a "
    "body that is not a batch (malformed JSON, no rows, over 10,000 rows).",
)
BULK_415 = OpenApiResponse(
    response=_DETAIL,
    description="The body is not JSON (send `Content-Type: application/json`).",
)


# --- pagination -----------------------------------------------------------------


class MeasurementCursorPagination(CursorPagination):
    """Newest first; ?page_size= from 1 to 500 (anything else is a 400)."""

    ordering = "-measured_at"


# --- views ----------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List KPIs with their latest value and attainment"),
    retrieve=extend_schema(summary="Get a KPI with its latest value and attainment"),
    create=extend_schema(summary="Define a KPI (CPO, or a manager of its product)"),
    update=extend_schema(summary="Change a KPI (CPO, or a manager of its product)"),
    partial_update=extend_schema(
        summary="Change some fields of a KPI (CPO, or a manager of its product)"
    ),
    destroy=extend_schema(summary="Delete a KPI and its measurements"),
)
class KpiViewSet(ServiceModelViewSet):
    """A product's key performance indicators, with baseline and target.

    `key` is unique within the product (tools address a KPI by product slug and
    key). When `target` is set, `baseline` must be too, and the target must lie
    strictly on the better side of the baseline (above it when higher is better,
    below it when lower is better) — checked against the stored values, so a
    PATCH of `direction` alone can fail. A KPI stays with its product.
    Read-only: `latest`, `attainment` and `stale`, computed as in the health score.
    """

    entity = services.KPI
    serializer_class = KpiSerializer
    policy = kpi_policy
    filterset_class = KpiFilter
    search_fields = ["key", "name", "product__slug"]
    ordering_fields = [
        "key",
        "name",
        "product",
        "category",
        "cadence",
        "weight",
        "created_at",
        "updated_at",
    ]
    ordering = ["product", "key"]

    def get_queryset(self) -> QuerySet[Kpi]:
        return selectors.kpi_list(user=self.request.user)


def _moment_param(request: Request, name: str) -> Any:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    moment = ingest.parse_moment(raw)
    if moment is None:
        raise ValidationError({name: [ingest.MSG_TIMESTAMP]})
    return moment


def _json_object(request: Request) -> dict[str, Any]:
    data = request.data
    if not isinstance(data, dict):
        raise ValidationError(
            {"non_field_errors": ["Expected a JSON object with measured_at and value."]}
        )
    return data


class KpiMeasurementsView(GenericAPIView):
    """One KPI's measurements, newest first (cursor pagination).

    `?since=` (inclusive) and `?until=` (exclusive) take a timestamp or a date
    (midnight UTC). POST adds one measurement: 201 when new, 200 when it replaced
    the value at that moment (at most one per KPI and `measured_at`).
    """

    permission_classes = [PolicyPermission]
    policy = measurement_policy
    serializer_class = MeasurementSerializer
    pagination_class = MeasurementCursorPagination
    filter_backends: list[Any] = []
    queryset = Measurement.objects.none()

    def _kpi(self, kpi_id: int) -> Kpi:
        return get_object_or_404(
            selectors.kpi_list(user=self.request.user).select_related("product"),
            pk=kpi_id,
        )

    @extend_schema(
        summary="List a KPI's measurements, newest first",
        parameters=[
            OpenApiParameter(
                "since",
                OpenApiTypes.STR,
                description="Only measurements at or after this moment (a timestamp "
                "or a date: midnight UTC).",
            ),
            OpenApiParameter(
                "until",
                OpenApiTypes.STR,
                description="Only measurements before this moment.",
            ),
        ],
        responses=MeasurementSerializer(many=True),
    )
    def get(self, request: Request, kpi_id: int) -> Response:
        kpi = self._kpi(kpi_id)
        queryset = selectors.measurement_list(
            user=request.user,
            kpi=kpi,
            since=_moment_param(request, "since"),
            until=_moment_param(request, "until"),
        )
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(MeasurementSerializer(page, many=True).data)

    @extend_schema(
        summary="Add one measurement (201 new, 200 replaced)",
        request=MeasurementWriteSerializer,
        responses={201: MeasurementSerializer, 200: MeasurementSerializer},
    )
    def post(self, request: Request, kpi_id: int) -> Response:
        kpi = self._kpi(kpi_id)
        data = _json_object(request)
        measurement, created = services.measurement_record(
            actor=request.user,
            kpi=kpi,
            measured_at=data.get("measured_at"),
            value=data.get("value"),
        )
        return Response(
            MeasurementSerializer(measurement).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


def _bulk_body(request: Request) -> tuple[str, list[Any]]:
    """Decode the body in one pass (no DRF parser: the rows are checked set-wise)."""
    media_type = (request.content_type or "").split(";")[0].strip().lower()
    if media_type != "application/json":
        raise UnsupportedMediaType(media_type or "(none)")
    try:
        # Python's parser takes NaN and Infinity literals: the rows' checks
        # reject them, each as an error of its own row.
        body = json.loads(request.body)
    except (ValueError, RecursionError) as exc:
        raise ParseError(f"JSON parse error - {exc}") from exc
    if not isinstance(body, dict):
        raise ValidationError(
            {"non_field_errors": ['Expected a JSON object: {"mode", "measurements"}.']}
        )
    mode = body.get("mode", services.Mode.ATOMIC)
    if mode not in services.Mode.ALL:
        raise ValidationError({"mode": ["Must be atomic or partial."]})
    rows = body.get("measurements")
    if rows is None:
        raise ValidationError({"measurements": ["This field is required."]})
    if not isinstance(rows, list):
        raise ValidationError({"measurements": ["Expected a list of rows."]})
    return str(mode), rows


class MeasurementBulkView(APIView):
    """Push up to 10,000 measurements in one request (idempotent upsert).

    Each row names its KPI by `kpi` (id) or by `product` (slug) and `kpi_key`,
    with `measured_at` and a finite `value`. Writing the same (KPI, measured_at)
    again replaces the value, so sending a batch twice changes nothing the second
    time (`created` 0, `updated` = rows). Each bad row is reported with its
    `index`: unknown KPI, a product the caller may not write, a bad or far-future
    timestamp, NaN/±Infinity, or a repeat of an earlier row's KPI and moment.
    In atomic mode (the default) any bad row → 400 with that body and nothing is
    written; in partial mode the good rows are written and the answer is 200.
    The `Server-Timing` header tells where the time went (parse, validate, write).
    """

    permission_classes = [PolicyPermission]
    policy = measurement_policy
    # Declared for the schema and content negotiation; the body is read raw.
    parser_classes = [JSONParser]

    @extend_schema(
        summary="Push measurements in bulk (atomic or partial)",
        request=BulkMeasurementsSerializer,
        responses={
            200: BulkMeasurementsResultSerializer,
            400: BULK_400,
            415: BULK_415,
        },
    )
    def post(self, request: Request) -> Response:
        started = time.perf_counter()
        mode, rows = _bulk_body(request)
        parsed = time.perf_counter()
        result = services.measurements_ingest(actor=request.user, rows=rows, mode=mode)
        ingested = time.perf_counter()
        failed = mode == services.Mode.ATOMIC and not result.ok
        response = Response(
            result.as_dict(),
            status=status.HTTP_400_BAD_REQUEST if failed else status.HTTP_200_OK,
        )
        timings = {"parse": parsed - started, **result.timings}
        # The rest of the service's time is its commit (deferred foreign-key checks).
        timings["commit"] = max(0.0, ingested - parsed - sum(result.timings.values()))
        response["Server-Timing"] = ", ".join(
            f"{name};dur={seconds * 1000:.1f}" for name, seconds in timings.items()
        )
        return response
