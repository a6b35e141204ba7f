"""Hiring pipelines (SPEC §1.4): teams, positions, candidates, applications, the
stage machine with its move record, and interviews with their scorecards.

Candidates, applications (with their moves) and interviews hold personal data;
who may read them is `hiring.policies`; anonymising a candidate is
`hiring.services.candidate_anonymise`.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from cpo.common.models import TimeStampedModel
from portfolio.models import Product

POSITION_LEVEL_MAX_LENGTH = 40


class PositionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    OPEN = "open", "Open"
    ON_HOLD = "on_hold", "On hold"
    FILLED = "filled", "Filled"
    CANCELLED = "cancelled", "Cancelled"


class CandidateSource(models.TextChoices):
    REFERRAL = "referral", "Referral"
    INBOUND = "inbound", "Inbound"
    SOURCED = "sourced", "Sourced"
    AGENCY = "agency", "Agency"
    INTERNAL = "internal", "Internal"


class Stage(models.TextChoices):
    APPLIED = "applied", "Applied"
    SCREENING = "screening", "Screening"
    INTERVIEW = "interview", "Interview"
    OFFER = "offer", "Offer"
    HIRED = "hired", "Hired"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


# The stage machine, in one place (SPEC §1.4). The main path is the funnel's;
# from any open stage an application may also be rejected or withdrawn; the
# final stages lead nowhere.
PIPELINE: tuple[str, ...] = (
    Stage.APPLIED,
    Stage.SCREENING,
    Stage.INTERVIEW,
    Stage.OFFER,
    Stage.HIRED,
)
FINAL_STAGES: frozenset[str] = frozenset({Stage.HIRED, Stage.REJECTED, Stage.WITHDRAWN})
OPEN_STAGES: tuple[str, ...] = tuple(s for s in Stage.values if s not in FINAL_STAGES)
TRANSITIONS: dict[str, frozenset[str]] = {
    **{
        stage: frozenset({PIPELINE[i + 1], Stage.REJECTED, Stage.WITHDRAWN})
        for i, stage in enumerate(PIPELINE[:-1])
    },
    **{stage: frozenset() for stage in FINAL_STAGES},
}


def can_move(from_stage: str, to_stage: str) -> bool:
    """Whether the stage machine has the edge from_stage → to_stage."""
    return to_stage in TRANSITIONS.get(from_stage, frozenset())


class InterviewKind(models.TextChoices):
    SCREEN = "screen", "Screen"
    TECHNICAL = "technical", "Technical"
    PRODUCT = "product", "Product"
    CULTURE = "culture", "Culture"
    FINAL = "final", "Final"


class Recommendation(models.TextChoices):
    STRONG_NO = "strong_no", "Strong no"
    NO = "no", "No"
    YES = "yes", "Yes"
    STRONG_YES = "strong_yes", "Strong yes"


class Team(TimeStampedModel):
    """A product team; its headcounts feed the product's staffing health."""

    name = models.CharField(max_length=120)
    product = models.ForeignKey(
        Product,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="teams",
    )
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="teams_led",
    )
    planned_headcount = models.PositiveIntegerField(
        default=0, validators=[MinValueValidator(0)], help_text="People planned."
    )
    current_headcount = models.PositiveIntegerField(
        default=0,
        validators=[MinValueValidator(0)],
        help_text="People in the team now; a hire adds one.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "name"], name="hiring_team_unique_product_name"
            ),
            models.CheckConstraint(
                condition=~Q(name=""), name="hiring_team_name_not_blank"
            ),
            models.CheckConstraint(
                condition=Q(planned_headcount__gte=0),
                name="hiring_team_planned_headcount_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(current_headcount__gte=0),
                name="hiring_team_current_headcount_non_negative",
            ),
        ]
        # The product foreign key carries its own index: the health engine sums
        # the headcounts per product set-wise over it.

    def __str__(self) -> str:
        return self.name

    @property
    def understaffed_by(self) -> int:
        return max(self.planned_headcount - self.current_headcount, 0)


class Position(TimeStampedModel):
    """A requisition: one person to hire into a team."""

    Status = PositionStatus

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="positions")
    title = models.CharField(max_length=200)
    level = models.CharField(
        max_length=POSITION_LEVEL_MAX_LENGTH,
        blank=True,
        help_text="Free text, such as 'Senior' or 'L5'.",
    )
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    opened_on = models.DateField(
        null=True,
        blank=True,
        help_text="Set to today when the position becomes open without one.",
    )
    target_fill_date = models.DateField(null=True, blank=True)
    filled_on = models.DateField(
        null=True,
        blank=True,
        editable=False,
        help_text="Set by the hire that fills the position.",
    )
    hiring_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="positions_managed",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-opened_on", "title", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in PositionStatus]),
                name="hiring_position_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(title=""), name="hiring_position_title_not_blank"
            ),
            models.CheckConstraint(
                condition=~Q(status=PositionStatus.OPEN) | Q(opened_on__isnull=False),
                name="hiring_position_open_has_opened_on",
            ),
            models.CheckConstraint(
                condition=(
                    Q(status=PositionStatus.FILLED, filled_on__isnull=False)
                    | (~Q(status=PositionStatus.FILLED) & Q(filled_on__isnull=True))
                ),
                name="hiring_position_filled_on_iff_filled",
            ),
            models.CheckConstraint(
                condition=Q(opened_on__isnull=True)
                | Q(filled_on__isnull=True)
                | Q(filled_on__gte=models.F("opened_on")),
                name="hiring_position_filled_after_opened",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "opened_on"], name="hiring_position_status"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.level})" if self.level else self.title


class Candidate(TimeStampedModel):
    """A person applying: personal data (SPEC §3)."""

    Source = CandidateSource
    # The fields replaced by anonymisation (with the free text that may name them).
    PERSONAL_FIELDS = ("full_name", "email", "phone", "notes")

    full_name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    source = models.CharField(max_length=16, choices=Source.choices)
    notes = models.TextField(blank=True)
    anonymised_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the personal data was erased; the record is then frozen.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["full_name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(full_name=""), name="hiring_candidate_full_name_not_blank"
            ),
            models.CheckConstraint(
                condition=Q(source__in=[s.value for s in CandidateSource]),
                name="hiring_candidate_source_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def is_anonymised(self) -> bool:
        return self.anonymised_at is not None


class Application(TimeStampedModel):
    """A candidate in the pipeline of one position; the stage moves only by `move`."""

    Stage = Stage

    candidate = models.ForeignKey(
        Candidate, on_delete=models.PROTECT, related_name="applications"
    )
    position = models.ForeignKey(
        Position, on_delete=models.PROTECT, related_name="applications"
    )
    stage = models.CharField(
        max_length=16, choices=Stage.choices, default=Stage.APPLIED, editable=False
    )
    stage_changed_at = models.DateTimeField(default=timezone.now, editable=False)
    rejection_reason = models.TextField(
        blank=True, help_text="Kept from the move to 'rejected'."
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-stage_changed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["candidate", "position"],
                name="hiring_application_unique_candidate_position",
            ),
            models.CheckConstraint(
                condition=Q(stage__in=[s.value for s in Stage]),
                name="hiring_application_stage_valid",
            ),
            models.CheckConstraint(
                condition=Q(rejection_reason="") | Q(stage=Stage.REJECTED),
                name="hiring_application_rejection_reason_only_rejected",
            ),
        ]
        indexes = [
            models.Index(
                fields=["position", "stage"], name="hiring_app_position_stage"
            ),
            models.Index(fields=["stage"], name="hiring_application_stage"),
        ]

    def __str__(self) -> str:
        # No personal data: this text lands in the admin log and in messages.
        return f"Application #{self.pk}"


class StageMove(TimeStampedModel):
    """One recorded move of an application: from, to, when, by whom and why.

    An audit row: written once by `application_move`, never edited (so no change
    history of its own); it goes with its application.
    """

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="moves"
    )
    from_stage = models.CharField(max_length=16, choices=Stage.choices)
    to_stage = models.CharField(max_length=16, choices=Stage.choices)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="stage_moves",
        help_text="Null for moves made by the system.",
    )
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(from_stage__in=[s.value for s in Stage])
                & Q(to_stage__in=[s.value for s in Stage]),
                name="hiring_stagemove_stages_valid",
            ),
            models.CheckConstraint(
                condition=~Q(from_stage=models.F("to_stage")),
                name="hiring_stagemove_stage_changes",
            ),
            # Each stage is entered at most once (the machine has no cycles): the
            # funnel's "reached" counts rows.
            models.UniqueConstraint(
                fields=["application", "to_stage"],
                name="hiring_stagemove_unique_application_to_stage",
            ),
        ]
        indexes = [
            models.Index(fields=["to_stage"], name="hiring_stagemove_to_stage"),
        ]

    def __str__(self) -> str:
        return f"{self.from_stage} → {self.to_stage}"


class Interview(TimeStampedModel):
    """An interview of an application, with the interviewer's scorecard."""

    Kind = InterviewKind
    Recommendation = Recommendation
    # What the interviewer writes (SPEC §3: "write their own scorecard").
    SCORECARD_FIELDS = ("rating", "recommendation", "notes", "completed_at")

    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="interviews"
    )
    interviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="interviews_given",
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    scheduled_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    rating = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
        help_text="1 (poor) to 4 (excellent).",
    )
    recommendation = models.CharField(
        max_length=16, choices=Recommendation.choices, blank=True
    )
    notes = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["scheduled_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True)
                | (Q(rating__gte=1) & Q(rating__lte=4)),
                name="hiring_interview_rating_range",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in InterviewKind]),
                name="hiring_interview_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(recommendation="")
                | Q(recommendation__in=[r.value for r in Recommendation]),
                name="hiring_interview_recommendation_valid",
            ),
        ]
        indexes = [
            models.Index(
                fields=["interviewer", "application"], name="hiring_interview_by"
            ),
        ]

    def __str__(self) -> str:
        # No personal data: this text lands in the admin log and in messages.
        return f"{self.get_kind_display()} interview #{self.pk}"
