"""KPIs and their measurements (SPEC §1.3)."""

import sys

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from cpo.common.models import TimeStampedModel
from portfolio.models import Objective, Product

from .attainment import HIGHER_IS_BETTER, LOWER_IS_BETTER

KPI_KEY_MAX_LENGTH = 64
FLOAT_MAX = sys.float_info.max
KPI_UNIT_MAX_LENGTH = 16


class Category(models.TextChoices):
    BUSINESS = "business", "Business"
    CUSTOMER = "customer", "Customer"
    ADOPTION = "adoption", "Adoption"
    DELIVERY = "delivery", "Delivery"
    QUALITY = "quality", "Quality"


class Direction(models.TextChoices):
    HIGHER_IS_BETTER = HIGHER_IS_BETTER, "Higher is better"
    LOWER_IS_BETTER = LOWER_IS_BETTER, "Lower is better"


class Cadence(models.TextChoices):
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly"
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"


class Source(models.TextChoices):
    API = "api", "API"
    IMPORT = "import", "CSV import"
    MANUAL = "manual", "Manual"


def target_rule_errors(
    *, direction: str, baseline: float | None, target: float | None
) -> dict[str, list[str]]:
    """The baseline/target rule of SPEC §1.3 as field errors ({} when it holds)."""
    if target is None:
        return {}
    if baseline is None:
        return {"baseline": ["A baseline is required when a target is set."]}
    if direction == Direction.HIGHER_IS_BETTER and not target > baseline:
        return {
            "target": [
                "When higher is better, the target must lie above the baseline "
                f"(baseline {baseline:g}, target {target:g})."
            ]
        }
    if direction == Direction.LOWER_IS_BETTER and not target < baseline:
        return {
            "target": [
                "When lower is better, the target must lie below the baseline "
                f"(baseline {baseline:g}, target {target:g})."
            ]
        }
    return {}


class Kpi(TimeStampedModel):
    """A key performance indicator of a product, with its baseline and target."""

    Category = Category
    Direction = Direction
    Cadence = Cadence

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="kpis")
    key = models.SlugField(
        max_length=KPI_KEY_MAX_LENGTH,
        help_text="Unique within the product; tools address the KPI by product slug "
        "and key.",
    )
    name = models.CharField(max_length=120)
    category = models.CharField(max_length=16, choices=Category.choices)
    unit = models.CharField(
        max_length=KPI_UNIT_MAX_LENGTH, blank=True, help_text="Such as %, EUR or ms."
    )
    direction = models.CharField(
        max_length=16, choices=Direction.choices, default=Direction.HIGHER_IS_BETTER
    )
    baseline = models.FloatField(
        null=True, blank=True, help_text="Where the KPI started; needed for a target."
    )
    target = models.FloatField(
        null=True,
        blank=True,
        help_text="Strictly on the better side of the baseline.",
    )
    cadence = models.CharField(
        max_length=16,
        choices=Cadence.choices,
        default=Cadence.MONTHLY,
        help_text="How often it is measured; stale after two cadences without one.",
    )
    weight = models.FloatField(
        default=1.0,
        validators=[MinValueValidator(0.0)],
        help_text="Its weight in the product's KPI health component (0 leaves it out).",
    )
    objective = models.ForeignKey(
        Objective,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="kpis",
        help_text="The company objective this KPI is a key result of.",
    )
    is_active = models.BooleanField(default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "KPI"
        verbose_name_plural = "KPIs"
        ordering = ["product_id", "key"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "key"],
                name="kpis_kpi_unique_product_key",
                violation_error_message="This product already has a KPI with this key.",
            ),
            models.CheckConstraint(condition=~Q(key=""), name="kpis_kpi_key_not_blank"),
            models.CheckConstraint(
                condition=~Q(name=""), name="kpis_kpi_name_not_blank"
            ),
            models.CheckConstraint(
                condition=Q(category__in=Category.values),
                name="kpis_kpi_category_valid",
            ),
            models.CheckConstraint(
                condition=Q(direction__in=Direction.values),
                name="kpis_kpi_direction_valid",
            ),
            models.CheckConstraint(
                condition=Q(cadence__in=Cadence.values),
                name="kpis_kpi_cadence_valid",
            ),
            models.CheckConstraint(
                condition=Q(weight__gte=0), name="kpis_kpi_weight_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(target__isnull=True) | Q(baseline__isnull=False),
                name="kpis_kpi_target_needs_baseline",
            ),
            models.CheckConstraint(
                condition=Q(target__isnull=True)
                | Q(direction=Direction.HIGHER_IS_BETTER, target__gt=F("baseline"))
                | Q(direction=Direction.LOWER_IS_BETTER, target__lt=F("baseline")),
                name="kpis_kpi_target_better_than_baseline",
            ),
        ]
        indexes = [
            models.Index(fields=["category"], name="kpis_kpi_category"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.key})"

    def clean(self) -> None:
        errors = target_rule_errors(
            direction=self.direction, baseline=self.baseline, target=self.target
        )
        if errors:
            raise ValidationError(errors)


class Measurement(TimeStampedModel):
    """One value of a KPI at a moment. Facts pushed in bulk: no change history."""

    Source = Source

    # No index of its own: the unique (kpi, measured_at) index serves kpi lookups.
    kpi = models.ForeignKey(
        Kpi, on_delete=models.CASCADE, related_name="measurements", db_index=False
    )
    measured_at = models.DateTimeField()
    value = models.FloatField()
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.API)
    # Unindexed (unlike TimeStampedModel's): nothing reads measurements by creation
    # time, and every index slows the bulk ingestion down.
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # Also THE index of the table: "latest of each KPI" and "nearest a past
            # moment" are backward scans of it with LIMIT 1, whatever the history.
            models.UniqueConstraint(
                fields=["kpi", "measured_at"],
                name="kpis_measurement_unique_kpi_measured_at",
                violation_error_message="This KPI already has a measurement at "
                "this moment.",
            ),
            # Finite: NaN sorts above every number in PostgreSQL, ±Infinity
            # beyond the largest double (SQLite has no literal for infinity).
            models.CheckConstraint(
                condition=Q(value__gte=-FLOAT_MAX) & Q(value__lte=FLOAT_MAX),
                name="kpis_measurement_value_finite",
            ),
            models.CheckConstraint(
                condition=Q(source__in=Source.values),
                name="kpis_measurement_source_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kpi_id} @ {self.measured_at:%Y-%m-%d %H:%M}: {self.value:g}"
