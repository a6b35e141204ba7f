"""Admin for roadmaps: releases, items (also inline under their product), launches.

The CPO edits everything; a product manager edits what is under the products
they manage and sees the rest read-only. Every save, delete, bulk action and CSV
row goes through the services (policy, rules, slips, history, health signal);
the forms run the services' checks first, so a broken rule shows on the form.
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.html import format_html_join
from import_export.admin import ImportExportMixin

from accounts.admin_mixins import ServiceAdmin
from cpo.common.services import describe_referrers
from portfolio import admin as portfolio_admin
from portfolio.models import Product
from portfolio.policies import is_cpo

from . import services
from .models import Launch, Release, RoadmapItem
from .policies import roadmap_policy
from .resources import RoadmapItemResource
from .selectors import RICE_SCORE, overdue_q

# Fields editable in the inline under a product (the rest on the item's page).
INLINE_FIELDS = (
    "title",
    "kind",
    "status",
    "timeframe",
    "start_date",
    "target_date",
    "delivered_on",
)


def _add_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's ValidationError on the form, field by field."""
    for field, messages_ in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages_)


def _writable_products(user: Any) -> QuerySet[Product]:
    products = Product.objects.order_by("name")
    return products if is_cpo(user) else products.filter(managers=user)


def _form_data(form: forms.ModelForm, names: tuple[str, ...]) -> dict[str, Any]:
    """What the service will receive: every field on add, the changed ones after."""
    cleaned = form.cleaned_data
    if form.instance.pk is None:
        return {n: cleaned[n] for n in names if n in cleaned}
    return {n: cleaned[n] for n in names if n in cleaned and n in form.changed_data}


class RoadmapItemForm(forms.ModelForm):
    """Runs the item rules of the services; settles delivered_on like they do."""

    class Meta:
        model = RoadmapItem
        fields = list(services.ROADMAP_ITEM_FIELDS)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        data = _form_data(self, services.ROADMAP_ITEM_FIELDS)
        if "product" not in data and self.instance.product_id:
            data["product"] = self.instance.product
        current = self.instance if self.instance.pk else None
        try:
            settled = services.roadmap_item_validate(item=current, data=data)
        except ValidationError as exc:
            _add_errors(self, exc)
            return cleaned
        if "delivered_on" in settled and "delivered_on" in self.fields:
            cleaned["delivered_on"] = settled["delivered_on"]
        return cleaned


class RoadmapItemInlineFormSet(BaseInlineFormSet):
    """Saves the inline rows under a product through the item services."""

    actor: Any = None

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any) -> None:
        prefix = kwargs.get("prefix") or self.get_default_prefix()
        if data is not None and f"{prefix}-TOTAL_FORMS" not in data:
            # A product form posted without the roadmap rows (a script, or a
            # form built before roadmaps existed) leaves the roadmap as it is,
            # instead of failing on the missing management form.
            data = data.copy()
            data[f"{prefix}-TOTAL_FORMS"] = "0"
            data[f"{prefix}-INITIAL_FORMS"] = "0"
        super().__init__(data, *args, **kwargs)

    def clean(self) -> None:
        super().clean()
        for form in self.deleted_forms:
            referrers = form.instance.pk and describe_referrers(form.instance)
            if referrers:
                raise ValidationError(
                    f"Cannot delete “{form.instance}”: still referred to by "
                    f"{referrers}."
                )

    def save_new(self, form: Any, commit: bool = True) -> Any:
        data = _form_data(form, INLINE_FIELDS)
        return services.roadmap_item_create(
            actor=self.actor, product=self.instance, **data
        )

    def save_existing(self, form: Any, obj: Any, commit: bool = True) -> Any:
        current = RoadmapItem.objects.get(pk=obj.pk)
        return services.roadmap_item_update(
            item=current, actor=self.actor, data=_form_data(form, INLINE_FIELDS)
        )

    def delete_existing(self, obj: Any, commit: bool = True) -> None:
        services.roadmap_item_delete(item=obj, actor=self.actor)


class RoadmapItemInline(admin.TabularInline):
    """The product's roadmap on the product's page (its managers edit it)."""

    model = RoadmapItem
    form = RoadmapItemForm
    formset = RoadmapItemInlineFormSet
    fields = INLINE_FIELDS
    extra = 0
    show_change_link = True
    ordering = ["target_date", "id"]
    verbose_name_plural = "Roadmap items"

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        return type(formset.__name__, (formset,), {"actor": request.user})

    def _may_write(self, request: HttpRequest, obj: Any) -> bool:
        if not roadmap_policy.can_admin(request.user):
            return False
        if obj is None:
            return roadmap_policy.can_write_some(request.user)
        return roadmap_policy.can_write_under(request.user, obj)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return roadmap_policy.can_admin(request.user)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_write(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_write(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_write(request, obj)


# The product admin shows the roadmap inline (added from here: portfolio does not
# know about roadmaps).
portfolio_admin.ProductAdmin.inlines = [
    *portfolio_admin.ProductAdmin.inlines,
    RoadmapItemInline,
]


class OverdueFilter(admin.SimpleListFilter):
    title = "overdue"
    parameter_name = "overdue"

    def lookups(self, request: HttpRequest, model_admin: Any) -> Any:
        return [("yes", "Overdue"), ("no", "Not overdue")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
        if self.value() == "yes":
            return queryset.filter(overdue_q())
        if self.value() == "no":
            return queryset.exclude(overdue_q())
        return queryset


class ProductScopedAdmin(ServiceAdmin):
    """Offers a product manager only the products they manage."""

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> Any:
        if db_field.name == "product":
            kwargs["queryset"] = _writable_products(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ReleaseForm(forms.ModelForm):
    class Meta:
        model = Release
        fields = list(services.RELEASE_FIELDS)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        current = self.instance if self.instance.pk else None
        try:
            services.release_validate(
                release=current, data=_form_data(self, services.RELEASE_FIELDS)
            )
        except ValidationError as exc:
            _add_errors(self, exc)
        return cleaned


@admin.register(Release)
class ReleaseAdmin(ProductScopedAdmin):
    entity = services.RELEASE
    policy = roadmap_policy
    form = ReleaseForm
    service_fields = services.RELEASE_FIELDS
    list_display = ["name", "product", "target_date", "shipped_on"]
    list_filter = ["product", "target_date", "shipped_on"]
    search_fields = ["name", "product__name"]
    list_select_related = ["product"]
    date_hierarchy = "target_date"
    readonly_fields = ["created_at", "updated_at"]


@admin.register(RoadmapItem)
class RoadmapItemAdmin(ImportExportMixin, ProductScopedAdmin):
    entity = services.ROADMAP_ITEM
    policy = roadmap_policy
    form = RoadmapItemForm
    service_fields = services.ROADMAP_ITEM_FIELDS
    resource_classes = [RoadmapItemResource]
    list_display = [
        "title",
        "product",
        "kind",
        "status",
        "timeframe",
        "target_date",
        "delivered_on",
        "rice",
        "slip_count",
        "slip_days",
        "overdue",
    ]
    list_filter = ["product", "status", "timeframe", OverdueFilter, "kind"]
    search_fields = ["title", "description"]
    list_select_related = ["product"]
    autocomplete_fields = ["release", "objective", "depends_on", "insights"]
    readonly_fields = [
        "rice",
        "slip_count",
        "slip_days",
        "date_history",
        "created_at",
        "updated_at",
    ]
    actions = ["mark_done", "move_to_next_timeframe"]
    fieldsets = [
        (None, {"fields": ["product", "title", "description", "kind"]}),
        (
            "Plan",
            {
                "fields": [
                    "status",
                    "timeframe",
                    "start_date",
                    "target_date",
                    "delivered_on",
                    "release",
                    "objective",
                    "depends_on",
                    "insights",
                ]
            },
        ),
        ("RICE", {"fields": ["reach", "impact", "confidence", "effort", "rice"]}),
        ("Slips", {"fields": ["slip_count", "slip_days", "date_history"]}),
        ("Dates", {"fields": ["created_at", "updated_at"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[RoadmapItem]:
        return super().get_queryset(request).annotate(rice_score=RICE_SCORE)

    @admin.display(description="RICE", ordering="rice_score")
    def rice(self, obj: RoadmapItem) -> str:
        score = obj.compute_rice_score()
        return "—" if score is None else f"{score:.1f}"

    @admin.display(description="Overdue", boolean=True)
    def overdue(self, obj: RoadmapItem) -> bool:
        return obj.is_overdue()

    @admin.display(description="Target date history")
    def date_history(self, obj: RoadmapItem) -> str:
        changes = obj.target_date_changes.all() if obj.pk else []
        return (
            format_html_join(
                "\n",
                "<div>{}: {} → {} ({})</div>",
                (
                    (
                        f"{c.changed_at:%Y-%m-%d}",
                        c.previous_date or "—",
                        c.new_date or "—",
                        "first plan" if c.days is None else f"{c.days:+d} days",
                    )
                    for c in changes
                ),
            )
            or "—"
        )

    def has_import_permission(self, request: HttpRequest) -> bool:
        # Rows are checked one by one: a product manager writes only their own.
        return self.policy.can_admin(request.user) and self.policy.can_write_some(
            request.user
        )

    def has_export_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def _bulk(self, request: HttpRequest, queryset: QuerySet[Any], run: Any) -> None:
        items = list(
            queryset.select_related("product").prefetch_related("product__managers")
        )
        try:
            count = run(actor=request.user, items=items)
        except PermissionDenied as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return
        self.message_user(request, f"{count} of {len(items)} items changed.")

    @admin.action(description="Mark done (delivered today)", permissions=["change"])
    def mark_done(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        self._bulk(request, queryset, services.roadmap_items_mark_done)

    @admin.action(
        description="Move to the next timeframe (now → next → later)",
        permissions=["change"],
    )
    def move_to_next_timeframe(
        self, request: HttpRequest, queryset: QuerySet[Any]
    ) -> None:
        self._bulk(request, queryset, services.roadmap_items_move_to_next_timeframe)


class LaunchForm(forms.ModelForm):
    class Meta:
        model = Launch
        fields = list(services.LAUNCH_FIELDS)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        data = _form_data(self, services.LAUNCH_FIELDS)
        current = self.instance if self.instance.pk else None
        try:
            services.launch_validate(launch=current, data=data)
        except ValidationError as exc:
            _add_errors(self, exc)
        return cleaned


@admin.register(Launch)
class LaunchAdmin(ProductScopedAdmin):
    entity = services.LAUNCH
    policy = roadmap_policy
    form = LaunchForm
    service_fields = services.LAUNCH_FIELDS
    list_display = ["name", "product", "launch_date", "status", "readiness_display"]
    list_filter = ["status", "product", "launch_date"]
    search_fields = ["name", "notes"]
    list_select_related = ["product"]
    filter_horizontal = ["segments"]
    date_hierarchy = "launch_date"
    readonly_fields = ["readiness_display", "created_at", "updated_at"]

    @admin.display(description="Readiness")
    def readiness_display(self, obj: Launch) -> str:
        readiness = obj.readiness
        return "—" if readiness is None else f"{readiness:.0%}"
