"""Admin for health: the policy (CPO, through its service), runs and snapshots
read-only (the engine writes them)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from accounts.admin_mixins import PolicyAdminMixin, PolicyModelAdmin

from . import services
from .models import HealthPolicy, PortfolioSnapshot, ProductSnapshot, RecomputeRun
from .policies import health_policy_policy, snapshot_policy


@admin.register(HealthPolicy)
class HealthPolicyAdmin(PolicyAdminMixin, SimpleHistoryAdmin):
    policy = health_policy_policy
    fieldsets = [
        ("Weights", {"fields": ["kpi_weight", "delivery_weight", "staffing_weight"]}),
        ("Thresholds", {"fields": ["healthy_threshold", "at_risk_threshold"]}),
        ("Windows (days)", {"fields": ["delivery_window_days", "trend_days"]}),
    ]
    list_display = [
        "__str__",
        "kpi_weight",
        "delivery_weight",
        "staffing_weight",
        "healthy_threshold",
        "at_risk_threshold",
        "updated_at",
    ]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        # One policy: it exists from the first use, and is only ever changed.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        services.selectors.policy_get()  # the one row exists before it is listed
        return super().changelist_view(request, extra_context)

    def save_model(
        self, request: HttpRequest, obj: Any, form: Any, change: bool
    ) -> None:
        data = {
            n: form.cleaned_data[n]
            for n in services.POLICY_FIELDS
            if n in form.cleaned_data
        }
        services.policy_update(actor=request.user, data=data)

    def revert_disabled(self, request: HttpRequest, obj: Any = None) -> bool:
        return True


class ReadOnlyAdmin(PolicyModelAdmin):
    policy = snapshot_policy
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(RecomputeRun)
class RecomputeRunAdmin(ReadOnlyAdmin):
    list_display = ["computed_at", "kind", "state", "done", "total", "requested_by"]
    list_filter = ["state", "kind"]
    list_select_related = ["requested_by"]
    date_hierarchy = "computed_at"


@admin.register(ProductSnapshot)
class ProductSnapshotAdmin(ReadOnlyAdmin):
    list_display = ["product", "computed_at", "score", "status", "trend", "weakest"]
    list_filter = ["status"]
    list_select_related = ["product"]
    search_fields = ["product__name"]
    raw_id_fields = ["product", "run"]


@admin.register(PortfolioSnapshot)
class PortfolioSnapshotAdmin(ReadOnlyAdmin):
    list_display = ["computed_at", "score", "status", "trend", "counts"]
