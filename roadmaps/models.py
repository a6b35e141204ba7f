"""Roadmaps and launches (SPEC §1.2): releases, roadmap items with their RICE
inputs, dependencies and target-date history, and go-to-market launches."""

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from cpo.common.models import TimeStampedModel
from portfolio.models import Insight, Objective, Product, Segment

# RICE impact is a fixed scale (Intercom's): minimal, low, medium, high, massive.
RICE_IMPACTS = (0.25, 0.5, 1.0, 2.0, 3.0)
# Bounds that keep the score finite in SQL (double precision): reach up to a
# billion people per period, effort from 0.01 person-months (a few hours).
REACH_MAX = 1_000_000_000
EFFORT_MIN = 0.01
EFFORT_MAX = 10_000.0
EFFORT_MESSAGE = (
    f"Effort must be more than 0 person-months: from {EFFORT_MIN} to {EFFORT_MAX:g}."
)

CHECKLIST_MAX_ENTRIES = 50
CHECKLIST_LABEL_MAX_LENGTH = 200
CHANNELS_MAX = 20
CHANNEL_MAX_LENGTH = 40


class ItemKind(models.TextChoices):
    FEATURE = "feature", "Feature"
    IMPROVEMENT = "improvement", "Improvement"
    INITIATIVE = "initiative", "Initiative"
    TECH_DEBT = "tech_debt", "Tech debt"
    LAUNCH = "launch", "Launch"


class ItemStatus(models.TextChoices):
    IDEA = "idea", "Idea"
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


# Statuses of an item that is still expected to ship (it can be overdue).
OPEN_STATUSES = (ItemStatus.IDEA, ItemStatus.PLANNED, ItemStatus.IN_PROGRESS)


class Timeframe(models.TextChoices):
    NOW = "now", "Now"
    NEXT = "next", "Next"
    LATER = "later", "Later"


# The timeframe an item moves to when it is pushed out by one step.
NEXT_TIMEFRAME = {Timeframe.NOW: Timeframe.NEXT, Timeframe.NEXT: Timeframe.LATER}


class LaunchStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    READY = "ready", "Ready"
    LAUNCHED = "launched", "Launched"
    CANCELLED = "cancelled", "Cancelled"


def _choice_values(choices: type[models.TextChoices]) -> list[str]:
    return [c.value for c in choices]


class Release(TimeStampedModel):
    """A named, dated release of one product."""

    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="releases"
    )
    name = models.CharField(max_length=120)
    target_date = models.DateField()
    shipped_on = models.DateField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["target_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "name"],
                name="roadmaps_release_unique_name_per_product",
                violation_error_message="This product already has a release "
                "with this name.",
            ),
            models.CheckConstraint(
                condition=~Q(name=""), name="roadmaps_release_name_not_blank"
            ),
        ]
        indexes = [
            models.Index(
                fields=["product", "target_date"], name="roadmaps_release_prod_target"
            )
        ]

    def __str__(self) -> str:
        return self.name


def rice_score(
    reach: int | None,
    impact: float | None,
    confidence: int | None,
    effort: float | None,
) -> float | None:
    """reach * impact * confidence/100 / effort; None when an input is missing.

    The same operations in the same order as `selectors.RICE_SCORE` (SQL), so
    Python and the database agree to the last bit.
    """
    if reach is None or impact is None or confidence is None or not effort:
        return None
    return float(reach) * float(impact) * float(confidence) / 100.0 / float(effort)


class RoadmapItem(TimeStampedModel):
    """A feature, improvement, initiative, tech-debt item or launch on a roadmap."""

    Kind = ItemKind
    Status = ItemStatus
    Timeframe = Timeframe

    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="roadmap_items"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    kind = models.CharField(
        max_length=16, choices=ItemKind.choices, default=ItemKind.FEATURE
    )
    status = models.CharField(
        max_length=16, choices=ItemStatus.choices, default=ItemStatus.IDEA
    )
    timeframe = models.CharField(
        max_length=8, choices=Timeframe.choices, default=Timeframe.LATER
    )
    start_date = models.DateField(null=True, blank=True)
    target_date = models.DateField(null=True, blank=True)
    delivered_on = models.DateField(
        null=True, blank=True, help_text="Set (today by default) when the item is done."
    )
    release = models.ForeignKey(
        Release,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="items",
        help_text="A release of the same product.",
    )
    objective = models.ForeignKey(
        Objective,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="roadmap_items",
    )
    depends_on = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="dependents",
        help_text="Items (of any product) that must ship first.",
    )
    insights = models.ManyToManyField(
        Insight,
        blank=True,
        related_name="roadmap_items",
        help_text="The customer evidence behind the item.",
    )
    reach = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(REACH_MAX)],
        help_text="RICE reach: people or events per period.",
    )
    impact = models.FloatField(
        null=True,
        blank=True,
        choices=[
            (0.25, "0.25 — minimal"),
            (0.5, "0.5 — low"),
            (1.0, "1 — medium"),
            (2.0, "2 — high"),
            (3.0, "3 — massive"),
        ],
        help_text="RICE impact: 0.25, 0.5, 1, 2 or 3.",
    )
    confidence = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="RICE confidence, 0-100 %.",
    )
    effort = models.FloatField(
        null=True,
        blank=True,
        validators=[
            MinValueValidator(EFFORT_MIN, message=EFFORT_MESSAGE),
            MaxValueValidator(EFFORT_MAX, message=EFFORT_MESSAGE),
        ],
        help_text="RICE effort in person-months (more than 0).",
    )

    # Slip figures, kept by the services with each target-date change (the rows
    # of TargetDateChange are the record; these make lists sortable by them).
    slip_count = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text="How many times the target date moved later.",
    )
    slip_days = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text="Total days the target date moved later.",
    )

    history = HistoricalRecords(
        m2m_fields=[insights, depends_on], excluded_fields=["slip_count", "slip_days"]
    )

    class Meta:
        ordering = ["target_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(title=""), name="roadmaps_roadmapitem_title_not_blank"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=_choice_values(ItemKind)),
                name="roadmaps_roadmapitem_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=_choice_values(ItemStatus)),
                name="roadmaps_roadmapitem_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(timeframe__in=_choice_values(Timeframe)),
                name="roadmaps_roadmapitem_timeframe_valid",
            ),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(target_date__isnull=True)
                | Q(target_date__gte=models.F("start_date")),
                name="roadmaps_roadmapitem_target_after_start",
                violation_error_message="The target date must be on or after "
                "the start date.",
            ),
            # done ⇔ delivered_on (the services default and clear it).
            models.CheckConstraint(
                condition=Q(status=ItemStatus.DONE, delivered_on__isnull=False)
                | (~Q(status=ItemStatus.DONE) & Q(delivered_on__isnull=True)),
                name="roadmaps_roadmapitem_delivered_iff_done",
                violation_error_message="A done item has a delivery date and "
                "only a done item has one.",
            ),
            models.CheckConstraint(
                condition=Q(reach__isnull=True) | Q(reach__gte=0),
                name="roadmaps_roadmapitem_reach_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(impact__isnull=True) | Q(impact__in=RICE_IMPACTS),
                name="roadmaps_roadmapitem_impact_scale",
            ),
            models.CheckConstraint(
                condition=Q(confidence__isnull=True)
                | (Q(confidence__gte=0) & Q(confidence__lte=100)),
                name="roadmaps_roadmapitem_confidence_range",
            ),
            models.CheckConstraint(
                condition=Q(effort__isnull=True) | Q(effort__gt=0),
                name="roadmaps_roadmapitem_effort_positive",
            ),
        ]
        indexes = [
            # The health engine's delivery component reads items of a product
            # by target date (SPEC §2), set-wise.
            models.Index(
                fields=["product", "target_date"], name="roadmaps_item_prod_target"
            ),
            models.Index(fields=["status"], name="roadmaps_item_status"),
            models.Index(fields=["target_date"], name="roadmaps_item_target"),
        ]

    def __str__(self) -> str:
        return self.title

    def compute_rice_score(self) -> float | None:
        """The RICE score from the stored inputs (None when one is missing)."""
        return rice_score(self.reach, self.impact, self.confidence, self.effort)

    def is_overdue(self, today: Any = None) -> bool:
        """Still open and its target date has passed."""
        today = today or timezone.localdate()
        return (
            self.status in OPEN_STATUSES
            and self.target_date is not None
            and self.target_date < today
        )


class TargetDateChange(TimeStampedModel):
    """One change of an item's target date: the slip history (SPEC §1.2).

    The first row of an item records the date it was first given
    (`previous_date` null). `days` is new - previous in days (null when either
    is null): positive is a slip, negative a pull-in.
    """

    item = models.ForeignKey(
        RoadmapItem, on_delete=models.CASCADE, related_name="target_date_changes"
    )
    previous_date = models.DateField(null=True, blank=True)
    new_date = models.DateField(null=True, blank=True)
    days = models.IntegerField(null=True, blank=True)
    changed_at = models.DateTimeField(default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["changed_at", "id"]
        verbose_name = "target date change"
        indexes = [
            models.Index(fields=["item", "changed_at"], name="roadmaps_tdc_item_at")
        ]

    def __str__(self) -> str:
        return f"{self.previous_date} → {self.new_date}"


def validate_checklist(value: Any) -> None:
    """A list of {"label": non-empty text, "done": bool}, nothing else."""
    if not isinstance(value, list):
        raise ValidationError('Must be a list of {"label", "done"} entries.')
    if len(value) > CHECKLIST_MAX_ENTRIES:
        raise ValidationError(f"At most {CHECKLIST_MAX_ENTRIES} entries.")
    for index, entry in enumerate(value):
        where = f"Entry {index + 1}"
        if not isinstance(entry, dict) or set(entry) != {"label", "done"}:
            raise ValidationError(
                f'{where}: must be an object with exactly "label" and "done".'
            )
        label, done = entry["label"], entry["done"]
        if not isinstance(label, str) or not label.strip():
            raise ValidationError(f"{where}: the label must be non-empty text.")
        if len(label) > CHECKLIST_LABEL_MAX_LENGTH or "\x00" in label:
            raise ValidationError(
                f"{where}: the label must be text of at most "
                f"{CHECKLIST_LABEL_MAX_LENGTH} characters."
            )
        if not isinstance(done, bool):
            raise ValidationError(f"{where}: done must be true or false.")


def validate_channels(value: Any) -> None:
    """A list of distinct short, non-empty strings."""
    if not isinstance(value, list):
        raise ValidationError("Must be a list of channel names.")
    if len(value) > CHANNELS_MAX:
        raise ValidationError(f"At most {CHANNELS_MAX} channels.")
    for channel in value:
        if (
            not isinstance(channel, str)
            or not channel.strip()
            or len(channel) > CHANNEL_MAX_LENGTH
            or "\x00" in channel
        ):
            raise ValidationError(
                f"Each channel is non-empty text of at most {CHANNEL_MAX_LENGTH} "
                "characters."
            )
    if len(set(value)) != len(value):
        raise ValidationError("Channels must be distinct.")


def _empty_list() -> list[Any]:
    return []


class Launch(TimeStampedModel):
    """Bringing a product or a release to market, with marketing."""

    Status = LaunchStatus

    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="launches"
    )
    name = models.CharField(max_length=200)
    release = models.ForeignKey(
        Release,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="launches",
        help_text="A release of the same product.",
    )
    launch_date = models.DateField()
    status = models.CharField(
        max_length=16, choices=LaunchStatus.choices, default=LaunchStatus.PLANNED
    )
    segments = models.ManyToManyField(Segment, blank=True, related_name="launches")
    channels = models.JSONField(
        default=_empty_list,
        blank=True,
        validators=[validate_channels],
        help_text='Short names, e.g. ["email", "webinar"].',
    )
    marketing_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="launches_owned",
    )
    checklist = models.JSONField(
        default=_empty_list,
        blank=True,
        validators=[validate_checklist],
        help_text='[{"label": "Press release", "done": false}, …]',
    )
    notes = models.TextField(blank=True)

    history = HistoricalRecords(m2m_fields=[segments])

    class Meta:
        ordering = ["launch_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(name=""), name="roadmaps_launch_name_not_blank"
            ),
            models.CheckConstraint(
                condition=Q(status__in=_choice_values(LaunchStatus)),
                name="roadmaps_launch_status_valid",
            ),
        ]
        indexes = [
            models.Index(
                fields=["product", "launch_date"], name="roadmaps_launch_prod_date"
            ),
            models.Index(fields=["launch_date"], name="roadmaps_launch_date"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def readiness(self) -> float | None:
        """Share of the checklist done, 0-1; None for an empty checklist."""
        entries = self.checklist or []
        if not entries:
            return None
        done = sum(1 for entry in entries if entry.get("done") is True)
        return done / len(entries)
