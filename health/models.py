"""Health: the policy, recompute runs with their progress, and snapshots (SPEC §2)."""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from cpo.common.models import TimeStampedModel
from portfolio.models import HealthStatus, Product

POLICY_PK = 1


class HealthPolicy(TimeStampedModel):
    """The one editable policy: component weights, status thresholds, windows."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=POLICY_PK)
    kpi_weight = models.FloatField(default=0.5, validators=[MinValueValidator(0)])
    delivery_weight = models.FloatField(default=0.3, validators=[MinValueValidator(0)])
    staffing_weight = models.FloatField(default=0.2, validators=[MinValueValidator(0)])
    healthy_threshold = models.FloatField(
        default=70, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    at_risk_threshold = models.FloatField(
        default=40, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    delivery_window_days = models.PositiveIntegerField(
        default=180, validators=[MinValueValidator(1)]
    )
    trend_days = models.PositiveIntegerField(
        default=28, validators=[MinValueValidator(1)]
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "health policy"
        verbose_name_plural = "health policy"
        constraints = [
            models.CheckConstraint(
                condition=Q(id=POLICY_PK), name="health_healthpolicy_singleton"
            ),
            models.CheckConstraint(
                condition=Q(kpi_weight__gte=0)
                & Q(delivery_weight__gte=0)
                & Q(staffing_weight__gte=0),
                name="health_healthpolicy_weights_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(kpi_weight__gt=0)
                | Q(delivery_weight__gt=0)
                | Q(staffing_weight__gt=0),
                name="health_healthpolicy_some_weight_positive",
            ),
            models.CheckConstraint(
                condition=Q(at_risk_threshold__gte=0)
                & Q(at_risk_threshold__lt=models.F("healthy_threshold"))
                & Q(healthy_threshold__lte=100),
                name="health_healthpolicy_thresholds_ordered",
            ),
        ]

    def __str__(self) -> str:
        return "Health policy"


class RunState(models.TextChoices):
    PENDING = "pending", "Pending"
    PROGRESS = "progress", "In progress"
    SUCCESS = "success", "Success"
    FAILURE = "failure", "Failure"


class RunKind(models.TextChoices):
    FULL = "full", "Full recompute"
    PRODUCTS = "products", "Some products"


class RecomputeRun(models.Model):
    """One recompute: its moment, its progress (counted in products) and state.

    The progress lives here, not in Celery's result backend (STACK.md 17: Celery
    reports PENDING for any id, and counts a redelivered task twice).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=16, choices=RunKind.choices)
    # The moment every snapshot of the run is taken at.
    computed_at = models.DateTimeField()
    state = models.CharField(
        max_length=16, choices=RunState.choices, default=RunState.PENDING
    )
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(done__lte=models.F("total")),
                name="health_recomputerun_done_within_total",
            ),
        ]
        indexes = [models.Index(fields=["state", "created_at"])]

    def __str__(self) -> str:
        when = f"{self.computed_at:%Y-%m-%d %H:%M}"
        return f"{self.get_kind_display()} {when} ({self.state})"


class RecomputeChunk(models.Model):
    """A share of a run's products; `done_at` marks it counted exactly once."""

    run = models.ForeignKey(
        RecomputeRun, on_delete=models.CASCADE, related_name="chunks"
    )
    index = models.PositiveIntegerField()
    product_ids = models.JSONField()
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["run", "index"], name="health_recomputechunk_unique_index"
            )
        ]

    def __str__(self) -> str:
        return f"chunk {self.index} of {self.run_id}"


class ProductSnapshot(models.Model):
    """A product's health at one moment, with its explanation (components)."""

    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="health_snapshots"
    )
    run = models.ForeignKey(
        RecomputeRun,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="product_snapshots",
    )
    computed_at = models.DateTimeField()
    score = models.FloatField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=HealthStatus.choices)
    trend = models.FloatField(null=True, blank=True)
    weakest = models.CharField(max_length=16, blank=True)
    # The explanation: each component with its score, weight and records.
    components = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-computed_at"]
        constraints = [
            # At most one snapshot per product per run, and per moment: two
            # workers racing on the same product cannot both write one.
            models.UniqueConstraint(
                fields=["product", "run"], name="health_productsnapshot_unique_run"
            ),
            models.UniqueConstraint(
                fields=["product", "computed_at"],
                name="health_productsnapshot_unique_moment",
            ),
        ]
        indexes = [
            models.Index(
                fields=["product", "-computed_at"],
                name="health_snap_product_time",
            )
        ]

    def __str__(self) -> str:
        return f"{self.product_id} at {self.computed_at:%Y-%m-%d %H:%M}: {self.score}"


class PortfolioSnapshot(models.Model):
    """The portfolio's health after a run: weighted score and counts by status."""

    run = models.OneToOneField(
        RecomputeRun,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="portfolio_snapshot",
    )
    computed_at = models.DateTimeField(unique=True)
    score = models.FloatField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=HealthStatus.choices)
    trend = models.FloatField(null=True, blank=True)
    counts = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-computed_at"]

    def __str__(self) -> str:
        return f"Portfolio at {self.computed_at:%Y-%m-%d %H:%M}: {self.score}"
