"""Portfolio and strategy (SPEC §1.1): product lines, objectives, segments,
products and the customer insights that cite them."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from cpo.common.models import TimeStampedModel

PRODUCT_NAME_MAX_LENGTH = 120
# Room for a name-derived slug plus a collision suffix ("-12").
PRODUCT_SLUG_MAX_LENGTH = 140


class ObjectiveStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    ACHIEVED = "achieved", "Achieved"
    MISSED = "missed", "Missed"
    DROPPED = "dropped", "Dropped"


class LifecycleStage(models.TextChoices):
    CONCEPT = "concept", "Concept"
    DEVELOPMENT = "development", "Development"
    LAUNCH = "launch", "Launch"
    GROWTH = "growth", "Growth"
    MATURITY = "maturity", "Maturity"
    DECLINE = "decline", "Decline"
    RETIRED = "retired", "Retired"


class Horizon(models.TextChoices):
    H1 = "h1", "H1 — core business today"
    H2 = "h2", "H2 — emerging"
    H3 = "h3", "H3 — future options"


class HealthStatus(models.TextChoices):
    UNKNOWN = "unknown", "Unknown"
    HEALTHY = "healthy", "Healthy"
    AT_RISK = "at_risk", "At risk"
    CRITICAL = "critical", "Critical"


class InsightSource(models.TextChoices):
    INTERVIEW = "interview", "Interview"
    SURVEY = "survey", "Survey"
    SUPPORT = "support", "Support"
    ANALYTICS = "analytics", "Analytics"
    SALES = "sales", "Sales"
    COMPETITOR = "competitor", "Competitor"
    OTHER = "other", "Other"


class ProductLine(TimeStampedModel):
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["name"], name="portfolio_productline_unique_name"
            ),
            models.CheckConstraint(
                condition=~Q(name=""), name="portfolio_productline_name_not_blank"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Objective(TimeStampedModel):
    """A company objective that the portfolio serves."""

    Status = ObjectiveStatus

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    period = models.CharField(
        max_length=40, blank=True, help_text="Free text, such as 2027-H1."
    )
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.ACTIVE
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["title", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in ObjectiveStatus]),
                name="portfolio_objective_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(title=""), name="portfolio_objective_title_not_blank"
            ),
        ]
        indexes = [models.Index(fields=["status"], name="portfolio_objective_status")]

    def __str__(self) -> str:
        return f"{self.title} ({self.period})" if self.period else self.title


class Segment(TimeStampedModel):
    """A market segment."""

    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    size_estimate = models.BigIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="Number of potential customers.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["name"], name="portfolio_segment_unique_name"
            ),
            models.CheckConstraint(
                condition=~Q(name=""), name="portfolio_segment_name_not_blank"
            ),
            models.CheckConstraint(
                condition=Q(size_estimate__isnull=True) | Q(size_estimate__gte=0),
                name="portfolio_segment_size_estimate_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Product(TimeStampedModel):
    LifecycleStage = LifecycleStage
    Horizon = Horizon
    HealthStatus = HealthStatus

    name = models.CharField(max_length=PRODUCT_NAME_MAX_LENGTH)
    slug = models.SlugField(
        max_length=PRODUCT_SLUG_MAX_LENGTH,
        help_text="Derived from the name when left empty.",
    )
    product_line = models.ForeignKey(
        ProductLine,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="products",
    )
    lifecycle_stage = models.CharField(
        max_length=16, choices=LifecycleStage.choices, default=LifecycleStage.CONCEPT
    )
    horizon = models.CharField(
        max_length=2, choices=Horizon.choices, default=Horizon.H1
    )
    strategic_importance = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text="1 (low) to 5 (critical).",
    )
    vision = models.TextField(blank=True, help_text="What it does for its customers.")
    problem = models.TextField(blank=True, help_text="Which customer problem it fixes.")
    value_proposition = models.TextField(
        blank=True, help_text="What value it adds to their lives."
    )
    segments = models.ManyToManyField(Segment, blank=True, related_name="products")
    objectives = models.ManyToManyField(Objective, blank=True, related_name="products")
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="managed_products"
    )
    annual_budget = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )

    # The latest health, copied here by the health engine so lists can filter and
    # sort by it. Never edited by people; kept out of the change history.
    health_score = models.FloatField(null=True, blank=True, editable=False)
    health_status = models.CharField(
        max_length=16,
        choices=HealthStatus.choices,
        default=HealthStatus.UNKNOWN,
        editable=False,
    )
    health_computed_at = models.DateTimeField(null=True, blank=True, editable=False)
    health_trend = models.FloatField(null=True, blank=True, editable=False)

    history = HistoricalRecords(
        excluded_fields=[
            "health_score",
            "health_status",
            "health_computed_at",
            "health_trend",
        ],
        m2m_fields=[segments, objectives, managers],
    )

    HEALTH_FIELDS = (
        "health_score",
        "health_status",
        "health_computed_at",
        "health_trend",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["name"], name="portfolio_product_unique_name"
            ),
            models.UniqueConstraint(
                fields=["slug"], name="portfolio_product_unique_slug"
            ),
            models.CheckConstraint(
                condition=~Q(name=""), name="portfolio_product_name_not_blank"
            ),
            models.CheckConstraint(
                condition=~Q(slug=""), name="portfolio_product_slug_not_blank"
            ),
            models.CheckConstraint(
                condition=Q(strategic_importance__gte=1)
                & Q(strategic_importance__lte=5),
                name="portfolio_product_strategic_importance_range",
            ),
            models.CheckConstraint(
                condition=Q(lifecycle_stage__in=[s.value for s in LifecycleStage]),
                name="portfolio_product_lifecycle_stage_valid",
            ),
            models.CheckConstraint(
                condition=Q(horizon__in=[h.value for h in Horizon]),
                name="portfolio_product_horizon_valid",
            ),
            models.CheckConstraint(
                condition=Q(health_status__in=[s.value for s in HealthStatus]),
                name="portfolio_product_health_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(annual_budget__isnull=True) | Q(annual_budget__gte=0),
                name="portfolio_product_annual_budget_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(health_score__isnull=True)
                | (Q(health_score__gte=0) & Q(health_score__lte=100)),
                name="portfolio_product_health_score_range",
            ),
        ]
        indexes = [
            models.Index(fields=["lifecycle_stage"], name="portfolio_product_stage"),
            models.Index(fields=["horizon"], name="portfolio_product_horizon"),
            models.Index(fields=["health_status"], name="portfolio_product_hstatus"),
            models.Index(fields=["health_score"], name="portfolio_product_hscore"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_retired(self) -> bool:
        return self.lifecycle_stage == self.LifecycleStage.RETIRED


def _today():
    return timezone.localdate()


class Insight(TimeStampedModel):
    """A piece of market research or customer evidence."""

    Source = InsightSource

    title = models.CharField(max_length=200)
    body = models.TextField()
    source = models.CharField(max_length=16, choices=Source.choices)
    segment = models.ForeignKey(
        Segment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="insights",
    )
    products = models.ManyToManyField(Product, blank=True, related_name="insights")
    impact = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text="1 (anecdote) to 5 (changes the strategy).",
    )
    captured_on = models.DateField(default=_today)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="insights",
        editable=False,
    )

    history = HistoricalRecords(m2m_fields=[products])

    class Meta:
        ordering = ["-captured_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(impact__gte=1) & Q(impact__lte=5),
                name="portfolio_insight_impact_range",
            ),
            models.CheckConstraint(
                condition=Q(source__in=[s.value for s in InsightSource]),
                name="portfolio_insight_source_valid",
            ),
            models.CheckConstraint(
                condition=~Q(title=""), name="portfolio_insight_title_not_blank"
            ),
        ]
        indexes = [
            models.Index(fields=["source"], name="portfolio_insight_source"),
            models.Index(fields=["captured_on"], name="portfolio_insight_captured"),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        # One day of slack: "today" for a user east of the server's zone.
        latest = timezone.localdate() + timedelta(days=1)
        if self.captured_on and self.captured_on > latest:
            raise ValidationError(
                {"captured_on": "An insight cannot be captured in the future."}
            )
