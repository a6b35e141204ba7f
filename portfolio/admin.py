"""Admin for the portfolio: the CPO edits all; a product manager edits the products
they manage and the insights they wrote, and sees the rest read-only.

Every save and delete goes through the services (policy, validation, history
with the acting user, the health signal); CSV import/export goes through them too.
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from import_export.admin import ImportExportMixin

from accounts.admin_mixins import ServiceAdmin

from . import services
from .models import Insight, Objective, Product, ProductLine, Segment
from .policies import insight_policy, product_policy, strategy_policy
from .resources import InsightResource, ProductResource


@admin.register(ProductLine)
class ProductLineAdmin(ServiceAdmin):
    entity = services.PRODUCT_LINE
    policy = strategy_policy
    service_fields = services.PRODUCT_LINE_FIELDS
    list_display = ["name", "product_count", "updated_at"]
    search_fields = ["name", "description"]
    readonly_fields = ["created_at", "updated_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ProductLine]:
        return (
            super().get_queryset(request).annotate(_products=models.Count("products"))
        )

    @admin.display(description="Products", ordering="_products")
    def product_count(self, obj: Any) -> int:
        return int(obj._products)


@admin.register(Objective)
class ObjectiveAdmin(ServiceAdmin):
    entity = services.OBJECTIVE
    policy = strategy_policy
    service_fields = services.OBJECTIVE_FIELDS
    list_display = ["title", "period", "status", "updated_at"]
    list_filter = ["status", "period"]
    search_fields = ["title", "description", "period"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(Segment)
class SegmentAdmin(ServiceAdmin):
    entity = services.SEGMENT
    policy = strategy_policy
    service_fields = services.SEGMENT_FIELDS
    list_display = ["name", "size_estimate", "updated_at"]
    search_fields = ["name", "description"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(Product)
class ProductAdmin(ImportExportMixin, ServiceAdmin):
    entity = services.PRODUCT
    policy = product_policy
    service_fields = services.PRODUCT_FIELDS
    resource_classes = [ProductResource]
    list_display = [
        "name",
        "product_line",
        "lifecycle_stage",
        "horizon",
        "strategic_importance",
        "health_status",
        "health_score",
        "manager_names",
    ]
    list_filter = [
        "lifecycle_stage",
        "horizon",
        "product_line",
        "managers",
        "health_status",
    ]
    search_fields = ["name", "slug", "vision", "problem", "value_proposition"]
    list_select_related = ["product_line"]
    filter_horizontal = ["segments", "objectives", "managers"]
    readonly_fields = [
        "health_score",
        "health_status",
        "health_computed_at",
        "health_trend",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["name", "slug", "product_line", "managers"]}),
        (
            "Strategy",
            {
                "fields": [
                    "lifecycle_stage",
                    "horizon",
                    "strategic_importance",
                    "annual_budget",
                    "objectives",
                    "segments",
                ]
            },
        ),
        ("Vision", {"fields": ["vision", "problem", "value_proposition"]}),
        (
            "Health (written by the health engine)",
            {
                "fields": [
                    "health_score",
                    "health_status",
                    "health_computed_at",
                    "health_trend",
                ]
            },
        ),
        ("Dates", {"fields": ["created_at", "updated_at"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Product]:
        return super().get_queryset(request).prefetch_related("managers")

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        if "slug" in form.base_fields:
            form.base_fields["slug"].required = False
        return form

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        if not product_policy.can_change_managers(request.user):
            fields.append("managers")
        return fields

    def formfield_for_manytomany(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> Any:
        if db_field.name == "managers":
            kwargs["queryset"] = services.eligible_managers()
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def has_import_permission(self, request: HttpRequest) -> bool:
        # Rows are checked one by one: a product manager updates only their own.
        return self.policy.can_admin(request.user) and product_policy.can_write_some(
            request.user
        )

    def has_export_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    @admin.display(description="Managers")
    def manager_names(self, obj: Product) -> str:
        return ", ".join(sorted(m.username for m in obj.managers.all()))

    def create(self, request: HttpRequest, data: dict[str, Any]) -> models.Model:
        # An empty slug field means "derive it from the name".
        return super().create(request, {**data, "slug": data.get("slug") or ""})


class InsightAdminForm(forms.ModelForm):
    """Checks, on the form, that newly cited products are ones the user may cite."""

    actor: Any = None

    class Meta:
        model = Insight
        fields = list(services.INSIGHT_FIELDS)

    def clean_products(self) -> Any:
        products = self.cleaned_data["products"]
        if self.actor is None:
            return products
        current: set[int] = set()
        if self.instance.pk:
            current = set(self.instance.products.values_list("pk", flat=True))
        added = [p for p in products if p.pk not in current]
        refused = insight_policy.uncitable_products(self.actor, added)
        if refused:
            names = ", ".join(sorted(p.name for p in refused))
            raise forms.ValidationError(
                f"You may only cite products you manage; not: {names}."
            )
        return products

    def _post_clean(self) -> None:
        if self.instance.author_id is None and self.actor is not None:
            # Set before model validation: the author is required.
            self.instance.author = self.actor
        super()._post_clean()  # type: ignore[misc]


@admin.register(Insight)
class InsightAdmin(ImportExportMixin, ServiceAdmin):
    entity = services.INSIGHT
    policy = insight_policy
    form = InsightAdminForm
    service_fields = services.INSIGHT_FIELDS
    resource_classes = [InsightResource]
    list_display = ["title", "source", "impact", "segment", "captured_on", "author"]
    list_filter = ["source", "impact", "segment", "products", "captured_on"]
    search_fields = ["title", "body"]
    list_select_related = ["segment", "author"]
    filter_horizontal = ["products"]
    date_hierarchy = "captured_on"
    readonly_fields = ["author", "created_at", "updated_at"]

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user})

    def has_import_permission(self, request: HttpRequest) -> bool:
        return self.policy.can_admin(request.user) and insight_policy.can_create(
            request.user
        )

    def has_export_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)
