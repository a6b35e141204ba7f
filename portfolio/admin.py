"""Admin for the portfolio: the CPO edits all; a product manager edits the products
they manage and the insights they wrote, and sees the rest read-only.

Every save and delete goes through the services (policy, validation, history
with the acting user, the health signal); CSV import/export goes through them too.
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from import_export.admin import ImportExportMixin
from simple_history.admin import SimpleHistoryAdmin

from accounts.admin_mixins import PolicyAdminMixin
from cpo.common.services import describe_referrers

from . import services
from .models import Insight, Objective, Product, ProductLine, Segment
from .policies import insight_policy, product_policy, strategy_policy
from .resources import InsightResource, ProductResource


class ServiceAdmin(PolicyAdminMixin, SimpleHistoryAdmin):
    """Saves and deletes through services; history without 'revert' (it would
    bypass them)."""

    service_fields: tuple[str, ...] = ()
    show_full_result_count = False

    def create(self, request: HttpRequest, data: dict[str, Any]) -> models.Model:
        raise NotImplementedError

    def update(
        self, request: HttpRequest, obj: Any, data: dict[str, Any]
    ) -> models.Model:
        raise NotImplementedError

    def delete(self, request: HttpRequest, obj: Any) -> None:
        raise NotImplementedError

    def revert_disabled(self, request: HttpRequest, obj: Any = None) -> bool:
        return True

    def history_form_view(
        self,
        request: HttpRequest,
        object_id: str,
        version_id: str,
        extra_context: Any = None,
    ) -> Any:
        # revert_disabled only hides the button; a POST would still revert.
        if request.method == "POST":
            raise PermissionDenied("Reverting from the history is disabled.")
        return super().history_form_view(request, object_id, version_id, extra_context)

    def save_model(
        self, request: HttpRequest, obj: Any, form: Any, change: bool
    ) -> None:
        names = [n for n in self.service_fields if n in form.cleaned_data]
        if change:
            current = type(obj)._default_manager.get(pk=obj.pk)
            changed = {n: form.cleaned_data[n] for n in names if n in form.changed_data}
            self.update(request, current, changed)
            return
        saved = self.create(request, {n: form.cleaned_data[n] for n in names})
        # The admin goes on with `obj` (redirect, log entry, inlines): make it
        # the saved row.
        for field in obj._meta.concrete_fields:
            setattr(obj, field.attname, getattr(saved, field.attname))
        obj._state.adding = False
        obj._state.db = saved._state.db

    def save_related(
        self, request: HttpRequest, form: Any, formsets: Any, change: bool
    ) -> None:
        # Many-to-many fields were written by the service; inlines save here.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self.delete(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            self.delete(request, obj)

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(
            objs, request
        )
        protected = list(protected)
        for obj in objs:
            referrers = describe_referrers(obj)
            if referrers:
                protected.append(f"{obj} — still referred to by {referrers}")
        return deleted, model_count, perms_needed, protected


@admin.register(ProductLine)
class ProductLineAdmin(ServiceAdmin):
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

    def create(self, request: HttpRequest, data: dict[str, Any]) -> models.Model:
        return services.product_line_create(actor=request.user, **data)

    def update(
        self, request: HttpRequest, obj: Any, data: dict[str, Any]
    ) -> models.Model:
        return services.product_line_update(
            product_line=obj, actor=request.user, data=data
        )

    def delete(self, request: HttpRequest, obj: Any) -> None:
        services.product_line_delete(product_line=obj, actor=request.user)


@admin.register(Objective)
class ObjectiveAdmin(ServiceAdmin):
    policy = strategy_policy
    service_fields = services.OBJECTIVE_FIELDS
    list_display = ["title", "period", "status", "updated_at"]
    list_filter = ["status", "period"]
    search_fields = ["title", "description", "period"]
    readonly_fields = ["created_at", "updated_at"]

    def create(self, request: HttpRequest, data: dict[str, Any]) -> models.Model:
        return services.objective_create(actor=request.user, **data)

    def update(
        self, request: HttpRequest, obj: Any, data: dict[str, Any]
    ) -> models.Model:
        return services.objective_update(objective=obj, actor=request.user, data=data)

    def delete(self, request: HttpRequest, obj: Any) -> None:
        services.objective_delete(objective=obj, actor=request.user)


@admin.register(Segment)
class SegmentAdmin(ServiceAdmin):
    policy = strategy_policy
    service_fields = services.SEGMENT_FIELDS
    list_display = ["name", "size_estimate", "updated_at"]
    search_fields = ["name", "description"]
    readonly_fields = ["created_at", "updated_at"]

    def create(self, request: HttpRequest, data: dict[str, Any]) -> models.Model:
        return services.segment_create(actor=request.user, **data)

    def update(
        self, request: HttpRequest, obj: Any, data: dict[str, Any]
    ) -> models.Model:
        return services.segment_update(segment=obj, actor=request.user, data=data)

    def delete(self, request: HttpRequest, obj: Any) -> None:
        services.segment_delete(segment=obj, actor=request.user)


@admin.register(Product)
class ProductAdmin(ImportExportMixin, ServiceAdmin):
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
        data = dict(data)
        data["slug"] = data.get("slug") or ""
        return services.product_create(actor=request.user, **data)

    def update(
        self, request: HttpRequest, obj: Any, data: dict[str, Any]
    ) -> models.Model:
        return services.product_update(product=obj, actor=request.user, data=data)

    def delete(self, request: HttpRequest, obj: Any) -> None:
        services.product_delete(product=obj, actor=request.user)


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

    def create(self, request: HttpRequest, data: dict[str, Any]) -> models.Model:
        return services.insight_create(actor=request.user, **data)

    def update(
        self, request: HttpRequest, obj: Any, data: dict[str, Any]
    ) -> models.Model:
        return services.insight_update(insight=obj, actor=request.user, data=data)

    def delete(self, request: HttpRequest, obj: Any) -> None:
        services.insight_delete(insight=obj, actor=request.user)
