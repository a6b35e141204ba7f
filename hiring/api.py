"""API for hiring: teams, positions, candidates, applications, interviews, funnel.

Serializers give the shape and field validation; every write goes through a
service, which checks the policy again and records the acting user. Personal
data (candidates, applications, interviews) is narrowed by
`hiring.policies` before any filter, search or ordering runs.
"""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import permissions, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from accounts.permissions import ModelPolicy, PolicyPermission
from accounts.viewsets import ServiceModelViewSet
from cpo.common.serializers import (
    ModelSerializer,
    StrictCharField,
    StrictChoiceField,
)
from portfolio.models import Product

from . import selectors, services
from .filters import (
    ApplicationFilter,
    CandidateFilter,
    InterviewFilter,
    PositionFilter,
    TeamFilter,
)
from .models import (
    Application,
    Candidate,
    Interview,
    Position,
    Stage,
    StageMove,
    Team,
)
from .policies import (
    application_policy,
    candidate_policy,
    funnel_policy,
    interview_policy,
    position_policy,
    team_policy,
)

# --- serializers ----------------------------------------------------------------


# Every stage field names the one StageEnum component (the `stage` fields create
# it), not an enum of its own per field name.
@extend_schema_field({"$ref": "#/components/schemas/StageEnum"})
class StageField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Stage.choices, **kwargs)


class TeamSerializer(ModelSerializer):
    open_positions = serializers.SerializerMethodField(
        help_text="Positions of the team that are open now."
    )
    understaffed_by = serializers.SerializerMethodField(
        help_text="planned_headcount - current_headcount, at least 0."
    )

    class Meta:
        model = Team
        fields = [
            "id",
            *services.TEAM_FIELDS,
            "open_positions",
            "understaffed_by",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(OpenApiTypes.INT)
    def get_open_positions(self, obj: Team) -> int:
        annotated = getattr(obj, "open_positions", None)
        if annotated is not None:
            return int(annotated)
        return obj.positions.filter(status=Position.Status.OPEN).count()

    @extend_schema_field(OpenApiTypes.INT)
    def get_understaffed_by(self, obj: Team) -> int:
        return obj.understaffed_by


class PositionSerializer(ModelSerializer):
    product = serializers.IntegerField(
        source="team.product_id",
        read_only=True,
        allow_null=True,
        help_text="The team's product (null when the team has none).",
    )

    class Meta:
        model = Position
        fields = [
            "id",
            *services.POSITION_FIELDS,
            "product",
            "filled_on",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["filled_on"]
        extra_kwargs = {
            "status": {
                "help_text": "'filled' is set by the hire that fills the position "
                "(an application moved to 'hired'), never by hand."
            }
        }


class CandidateSerializer(ModelSerializer):
    class Meta:
        model = Candidate
        fields = [
            "id",
            *services.CANDIDATE_FIELDS,
            "anonymised_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["anonymised_at"]


class _VisibleQuerysetsMixin:
    """Related-object choices narrowed to what the requesting user may see.

    An id outside them is "does not exist" (400), like an id that is missing.
    """

    visible_querysets: dict[str, Any] = {}

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()  # type: ignore[misc]
        request = self.context.get("request")  # type: ignore[attr-defined]
        user = getattr(request, "user", None)
        for name, selector in self.visible_querysets.items():
            field = fields.get(name)
            if field is not None and not field.read_only and user is not None:
                field.queryset = selector(user=user)
        return fields


class ApplicationSerializer(_VisibleQuerysetsMixin, ModelSerializer):
    visible_querysets = {"candidate": selectors.candidate_list}

    candidate_name = serializers.CharField(
        source="candidate.full_name",
        read_only=True,
        help_text="The candidate's full name (as anonymised, once anonymised).",
    )
    position_title = serializers.CharField(source="position.title", read_only=True)

    class Meta:
        model = Application
        fields = [
            "id",
            "candidate",
            "candidate_name",
            "position",
            "position_title",
            "stage",
            "stage_changed_at",
            "rejection_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["stage", "stage_changed_at"]
        extra_kwargs = {
            "stage": {"help_text": "Changed only by POST …/move/."},
            "rejection_reason": {
                "help_text": "Set by the move to 'rejected'; a rejected "
                "application's reason may be corrected.",
                "required": False,
            },
        }


class ApplicationMoveSerializer(serializers.Serializer):
    """A move along the stage machine."""

    stage = StrictChoiceField(
        choices=Stage.choices,
        help_text="applied → screening → interview → offer → hired; any open stage "
        "→ rejected or withdrawn.",
    )
    reason = StrictCharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=4000,
        help_text="Why; required for 'rejected' (kept as the rejection reason).",
    )


class StageMoveSerializer(ModelSerializer):
    from_stage = StageField(read_only=True)
    to_stage = StageField(read_only=True)
    by = serializers.IntegerField(
        source="by_id",
        read_only=True,
        allow_null=True,
        help_text="The user who moved it (null: the system).",
    )

    class Meta:
        model = StageMove
        fields = ["from_stage", "to_stage", "at", "by", "reason"]
        read_only_fields = fields


class InterviewSerializer(_VisibleQuerysetsMixin, ModelSerializer):
    visible_querysets = {"application": selectors.application_list}

    class Meta:
        model = Interview
        fields = [
            "id",
            *services.INTERVIEW_FIELDS,
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {
            "interviewer": {
                "queryset": User.objects.filter(is_active=True),
                "help_text": "A user holding the cpo, recruiter or product_manager "
                "role.",
            },
            "notes": {"help_text": "The interviewer's scorecard notes."},
        }


class FunnelStageSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Stage.choices)
    current = serializers.IntegerField(help_text="Applications now in the stage.")
    reached = serializers.IntegerField(
        help_text="Applications that ever were in the stage."
    )


class FunnelConversionSerializer(serializers.Serializer):
    """reached(to) ÷ reached(from) along the main path; null when the divisor is 0."""

    from_ = StageField(source="from_stage")
    to = StageField(source="to_stage")
    rate = serializers.FloatField(allow_null=True)

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        # Keep the documented order: from, to, rate.
        return {name: fields[name] for name in ("from", "to", "rate")}


class FunnelAgeSerializer(serializers.Serializer):
    """Open positions by days since opened_on."""

    def get_fields(self) -> dict[str, Any]:
        return {
            label: serializers.IntegerField() for label, *_ in selectors.AGE_BUCKETS
        }

    def to_representation(self, instance: Any) -> dict[str, int]:
        return {label: int(instance[label]) for label, *_ in selectors.AGE_BUCKETS}


class FunnelSerializer(serializers.Serializer):
    stages = FunnelStageSerializer(many=True)
    conversion = FunnelConversionSerializer(many=True)
    median_time_to_fill_days = serializers.FloatField(
        allow_null=True,
        help_text="Median days from opened_on to filled_on over filled positions.",
    )
    open_positions_by_age = FunnelAgeSerializer()


class FunnelQuerySerializer(serializers.Serializer):
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), required=False
    )
    product = serializers.PrimaryKeyRelatedField(
        queryset=Product.objects.all(), required=False
    )
    position = serializers.PrimaryKeyRelatedField(
        queryset=Position.objects.all(), required=False
    )

    def to_internal_value(self, data: Any) -> Any:
        # A blank id is an error here, not "no filter" (the schema says integer).
        blank = [
            str(name)
            for name in ("team", "product", "position")
            if data.get(name) == ""
        ]
        if blank:
            raise serializers.ValidationError(
                {name: ["A valid integer id is required."] for name in blank}
            )
        return super().to_internal_value(data)


# --- viewsets -------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List teams with their headcounts"),
    create=extend_schema(
        summary="Create a team (CPO, recruiters; a PM under a product they manage)"
    ),
    update=extend_schema(summary="Change a team"),
    partial_update=extend_schema(summary="Change some fields of a team"),
    destroy=extend_schema(summary="Delete a team (409 while it has positions)"),
)
class TeamViewSet(ServiceModelViewSet):
    """Product teams with planned and current headcount (staffing health).

    Readable by every role. The CPO and recruiters write every team; a product
    manager writes the teams of the products they manage. A hire adds one to
    the team's current headcount.
    """

    entity = services.TEAM
    serializer_class = TeamSerializer
    policy = team_policy
    filterset_class = TeamFilter
    search_fields = ["name"]
    ordering_fields = [
        "name",
        "planned_headcount",
        "current_headcount",
        "created_at",
        "updated_at",
    ]
    ordering = ["name"]

    def get_queryset(self) -> QuerySet[Team]:
        return selectors.team_list(user=self.request.user)


@extend_schema_view(
    list=extend_schema(summary="List positions (requisitions)"),
    create=extend_schema(summary="Open a requisition (CPO, recruiters)"),
    update=extend_schema(summary="Change a position (CPO, recruiters)"),
    partial_update=extend_schema(summary="Change some fields of a position"),
    destroy=extend_schema(summary="Delete a position (409 while it has applications)"),
)
class PositionViewSet(ServiceModelViewSet):
    """Positions to fill in the teams; no personal data, readable by every role.

    A position gets opened_on = today when it becomes open without one; it
    becomes filled (filled_on = today) only through a hire.
    """

    entity = services.POSITION
    serializer_class = PositionSerializer
    policy = position_policy
    filterset_class = PositionFilter
    search_fields = ["title", "level", "team__name"]
    ordering_fields = [
        "title",
        "status",
        "opened_on",
        "target_fill_date",
        "filled_on",
        "created_at",
        "updated_at",
    ]
    ordering = ["-opened_on"]

    def get_queryset(self) -> QuerySet[Position]:
        return selectors.position_list(user=self.request.user)


@extend_schema_view(
    list=extend_schema(summary="List candidates (personal data)"),
    retrieve=extend_schema(summary="Read a candidate (personal data)"),
    create=extend_schema(summary="Record a candidate (CPO, recruiters)"),
    update=extend_schema(summary="Change a candidate (CPO, recruiters)"),
    partial_update=extend_schema(summary="Change some fields of a candidate"),
    destroy=extend_schema(
        summary="Delete a candidate without applications (409 otherwise: anonymise)"
    ),
)
class CandidateViewSet(ServiceModelViewSet):
    """People in the hiring pipelines: personal data.

    The CPO and recruiters see and write all. A product manager sees only the
    candidates of positions where they are the hiring manager or an
    interviewer (404 on others). Executives and integrations get 403.
    """

    entity = services.CANDIDATE
    serializer_class = CandidateSerializer
    policy = candidate_policy
    filterset_class = CandidateFilter
    search_fields = ["full_name", "email", "phone"]
    ordering_fields = ["full_name", "source", "created_at", "updated_at"]
    ordering = ["full_name"]

    def get_queryset(self) -> QuerySet[Candidate]:
        return selectors.candidate_list(user=self.request.user)

    @extend_schema(
        summary="Anonymise a candidate (right to erasure; CPO, recruiters)",
        description="Replaces the personal fields irreversibly, in the change "
        "history, notes, move reasons, interview notes, rejection reasons and the "
        "admin log too. The applications stay, so the funnel is unchanged. A "
        "second call changes nothing.",
        request=None,
        responses=CandidateSerializer,
    )
    @action(detail=True, methods=["post"])
    def anonymise(
        self, request: Request, pk: int | None = None, **kwargs: Any
    ) -> Response:
        candidate = services.candidate_anonymise(
            candidate=self.get_object(), actor=request.user
        )
        return Response(self.get_serializer(candidate).data)


class ReadPolicyPermission(permissions.BasePermission):
    """For actions whose service decides who may act: the role must read here."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        policy: ModelPolicy = view.policy  # type: ignore[attr-defined]
        return bool(request.user and request.user.is_authenticated) and (
            policy.can_read(request.user)
        )


@extend_schema_view(
    list=extend_schema(summary="List applications (personal data)"),
    retrieve=extend_schema(summary="Read an application (personal data)"),
    create=extend_schema(
        summary="Put a candidate into a position's pipeline (CPO, recruiters)"
    ),
    update=extend_schema(summary="Correct a rejected application's reason"),
    partial_update=extend_schema(summary="Correct a rejected application's reason"),
    destroy=extend_schema(
        summary="Delete an application (409 while it has interviews)"
    ),
)
class ApplicationViewSet(ServiceModelViewSet):
    """A candidate's application for a position, and its stage.

    The stage changes only through POST …/move/, along
    applied → screening → interview → offer → hired, or from any open stage to
    rejected or withdrawn. Visibility as for candidates.
    """

    entity = services.APPLICATION
    serializer_class = ApplicationSerializer
    policy = application_policy
    filterset_class = ApplicationFilter
    search_fields = ["candidate__full_name", "candidate__email", "position__title"]
    ordering_fields = ["stage", "stage_changed_at", "created_at", "updated_at"]
    ordering = ["-stage_changed_at"]

    def get_queryset(self) -> QuerySet[Application]:
        return selectors.application_list(user=self.request.user)

    @extend_schema(
        summary="Move an application to another stage",
        description="CPO, recruiters and the position's hiring manager. An illegal "
        "move is a 400 naming both stages. 'rejected' needs a reason. 'hired' "
        "needs the position open; it fills the position and adds one to its "
        "team's current headcount.",
        request=ApplicationMoveSerializer,
        responses=ApplicationSerializer,
    )
    @action(
        detail=True,
        methods=["post"],
        permission_classes=[ReadPolicyPermission],
    )
    def move(self, request: Request, pk: int | None = None, **kwargs: Any) -> Response:
        application = self.get_object()
        body = ApplicationMoveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        moved = services.application_move(
            application=application,
            actor=request.user,
            stage=body.validated_data["stage"],
            reason=body.validated_data["reason"],
        )
        fresh = self.get_queryset().get(pk=moved.pk)
        return Response(self.get_serializer(fresh).data)

    @extend_schema(
        summary="List the recorded moves of an application, oldest first",
        description="At most four moves (the longest path through the stages), "
        "so not paginated.",
        responses=StageMoveSerializer(many=True),
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def moves(self, request: Request, pk: int | None = None, **kwargs: Any) -> Response:
        application = self.get_object()
        moves = selectors.application_moves(application=application)
        return Response(StageMoveSerializer(moves, many=True).data)


@extend_schema_view(
    list=extend_schema(summary="List interviews with their scorecards"),
    retrieve=extend_schema(summary="Read an interview and its scorecard"),
    create=extend_schema(summary="Schedule an interview (CPO, recruiters)"),
    update=extend_schema(
        summary="Change an interview (its interviewer: the scorecard only)"
    ),
    partial_update=extend_schema(
        summary="Write the scorecard (the interviewer, CPO, recruiters)"
    ),
    destroy=extend_schema(summary="Delete an interview (CPO, recruiters)"),
)
class InterviewViewSet(ServiceModelViewSet):
    """Interviews of applications, each with the interviewer's scorecard.

    The CPO and recruiters schedule and change interviews; the interviewer
    writes the scorecard (rating 1-4, recommendation, notes, completed_at).
    Visibility as for candidates.
    """

    entity = services.INTERVIEW
    serializer_class = InterviewSerializer
    policy = interview_policy
    filterset_class = InterviewFilter
    search_fields = [
        "application__candidate__full_name",
        "application__position__title",
    ]
    ordering_fields = [
        "scheduled_at",
        "completed_at",
        "rating",
        "kind",
        "created_at",
        "updated_at",
    ]
    ordering = ["scheduled_at"]

    def get_queryset(self) -> QuerySet[Interview]:
        return selectors.interview_list(user=self.request.user)


class HiringFunnelView(APIView):
    """Pipeline figures across positions (SPEC §4): counts only, every role.

    `stages`: per stage the applications now in it (`current`) and those that
    ever were (`reached`). `conversion`: reached(to) ÷ reached(from) along
    applied → screening → interview → offer → hired, null when the divisor is 0.
    `median_time_to_fill_days`: opened_on → filled_on over filled positions
    (null when none). `open_positions_by_age`: open positions by days since
    opened_on.
    """

    permission_classes = [PolicyPermission]
    policy = funnel_policy

    @extend_schema(
        summary="Hiring funnel, time to fill and open positions by age",
        parameters=[
            OpenApiParameter("team", OpenApiTypes.INT, description="A team id."),
            OpenApiParameter("product", OpenApiTypes.INT, description="A product id."),
            OpenApiParameter(
                "position", OpenApiTypes.INT, description="A position id."
            ),
        ],
        responses=FunnelSerializer,
    )
    def get(self, request: Request) -> Response:
        query = FunnelQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        funnel = selectors.hiring_funnel(**query.validated_data)
        return Response(FunnelSerializer(funnel).data)
