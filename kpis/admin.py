"""Admin for KPIs and measurements.

KPIs: their own pages and an inline under each product (added to the product
admin from here), every save and delete through the services. Measurements: a
changelist that stays fast at millions of rows (no full COUNT, no sort without
an index), CSV export, and a CSV import through the bulk ingestion service.
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from import_export.admin import ExportMixin

from accounts.admin_mixins import PolicyAdminMixin, ServiceAdmin
from accounts.roles import Role, has_role
from portfolio.admin import ProductAdmin
from portfolio.models import Product

from . import ingest, selectors, services
from .models import Kpi, Measurement, Source
from .policies import kpi_policy, measurement_policy
from .resources import CSV_COLUMNS, MeasurementResource, read_measurement_csv

INLINE_FIELDS: Any = [name for name in services.KPI_FIELDS if name != "product"]


# --- KPIs ---------------------------------------------------------------------


@admin.register(Kpi)
class KpiAdmin(ServiceAdmin):
    entity = services.KPI
    policy = kpi_policy
    service_fields = services.KPI_FIELDS
    list_display = [
        "name",
        "key",
        "product",
        "category",
        "direction",
        "baseline",
        "target",
        "latest_value",
        "attainment",
        "cadence",
        "weight",
        "is_active",
    ]
    list_filter = ["category", "direction", "cadence", "is_active"]
    search_fields = ["key", "name", "product__name", "product__slug"]
    list_select_related = ["product"]
    readonly_fields = ["created_at", "updated_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Kpi]:
        return selectors.with_latest(super().get_queryset(request))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields.append("product")  # a KPI stays with its product
        return fields

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> Any:
        if db_field.name == "product" and not has_role(request.user, Role.CPO):
            kwargs["queryset"] = Product.objects.filter(managers=request.user.pk)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(
        self, request: HttpRequest, obj: Any, form: Any, change: bool
    ) -> None:
        if change:
            # `product` is read-only on change: the form does not carry it.
            form.cleaned_data.pop("product", None)
        super().save_model(request, obj, form, change)

    @admin.display(description="Latest")
    def latest_value(self, kpi: Kpi) -> str:
        value = getattr(kpi, "latest_value", None)
        return "—" if value is None else f"{value:g} {kpi.unit}".strip()

    @admin.display(description="Attainment")
    def attainment(self, kpi: Kpi) -> str:
        figures = selectors.kpi_attainment_of(kpi, now=timezone.now())
        if figures.attainment is None:
            return "stale" if figures.stale else "—"
        text = f"{figures.attainment:.0%}"
        return f"{text} (stale)" if figures.stale else text


class KpiInlineFormSet(BaseInlineFormSet):
    """Saves the product's KPIs through the services, as the admin user."""

    actor: Any = None

    def __init__(self, data: Any = None, files: Any = None, **kwargs: Any) -> None:
        prefix = kwargs.get("prefix") or self.get_default_prefix()
        if data is not None and f"{prefix}-TOTAL_FORMS" not in data:
            # A product form posted without its KPI rows (a script, a page from
            # before the inline existed) changes no KPIs instead of failing.
            data = data.copy()
            data[f"{prefix}-TOTAL_FORMS"] = "0"
            data[f"{prefix}-INITIAL_FORMS"] = "0"
        super().__init__(data, files, **kwargs)

    def save_new(self, form: Any, commit: bool = True) -> Any:
        data = {
            n: form.cleaned_data[n] for n in INLINE_FIELDS if n in form.cleaned_data
        }
        return services.kpi_create(actor=self.actor, product=self.instance, **data)

    def save_existing(self, form: Any, obj: Any, commit: bool = True) -> Any:
        current = Kpi.objects.select_related("product").get(pk=obj.pk)
        data = {
            n: form.cleaned_data[n] for n in form.changed_data if n in INLINE_FIELDS
        }
        return services.kpi_update(kpi=current, actor=self.actor, data=data)

    def delete_existing(self, obj: Any, commit: bool = True) -> None:
        current = Kpi.objects.select_related("product").get(pk=obj.pk)
        services.kpi_delete(kpi=current, actor=self.actor)


class KpiInline(admin.TabularInline):
    model = Kpi
    formset = KpiInlineFormSet
    fields = INLINE_FIELDS
    extra = 0
    show_change_link = True

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        return type(formset.__name__, (formset,), {"actor": request.user})

    def _may_write(self, request: HttpRequest, product: Any) -> bool:
        if not kpi_policy.can_admin(request.user):
            return False
        if product is None:
            return kpi_policy.can_create(request.user)
        return kpi_policy.can_write_for(request.user, product)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return kpi_policy.can_admin(request.user) and kpi_policy.can_read(request.user)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_write(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_write(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_write(request, obj)


# The product admin shows its KPIs; added from here (kpis depends on portfolio).
if KpiInline not in ProductAdmin.inlines:
    ProductAdmin.inlines = [*ProductAdmin.inlines, KpiInline]


# --- measurements -------------------------------------------------------------


class CappedCountPaginator(Paginator):
    """Counts at most CAP rows (COUNT(*) over millions of measurements is slow).

    Unfiltered on PostgreSQL it shows the planner's estimate of the table's size.
    """

    CAP = 10_000

    @cached_property
    def count(self) -> int:
        queryset: Any = self.object_list
        capped = queryset[: self.CAP + 1].count()
        if capped <= self.CAP:
            return int(capped)
        if connection.vendor == "postgresql" and not queryset.query.where:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                    [Measurement._meta.db_table],
                )
                estimate = int(cursor.fetchone()[0])
            return max(estimate, self.CAP)
        return self.CAP


class InputFilter(admin.SimpleListFilter):
    """A filter with a text box (an autocomplete-like filter for big tables)."""

    template = "admin/kpis/input_filter.html"

    def lookups(self, request: HttpRequest, model_admin: Any) -> Any:
        # One dummy choice: Django shows a filter only when it has choices.
        return [("", "")]

    def choices(self, changelist: Any) -> Any:
        yield {
            "parameter_name": self.parameter_name,
            "value": self.value() or "",
            "reset_query": changelist.get_query_string(remove=[self.parameter_name]),
            "other_params": [
                (key, value)
                for key, value in changelist.get_filters_params().items()
                if key != self.parameter_name
            ],
        }


class ProductSlugFilter(InputFilter):
    title = "product (slug)"
    parameter_name = "product"

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
        value = (self.value() or "").strip()
        return queryset.filter(kpi__product__slug=value) if value else queryset


class KpiIdFilter(InputFilter):
    title = "KPI (id)"
    parameter_name = "kpi"

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
        value = (self.value() or "").strip()
        if not value:
            return queryset
        return (
            queryset.filter(kpi_id=int(value)) if value.isdigit() else queryset.none()
        )


class MeasurementAdminForm(forms.ModelForm):
    """Adds one measurement (replacing the value at that moment, as the API does)."""

    actor: Any = None

    class Meta:
        model = Measurement
        fields = ["kpi", "measured_at", "value"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kpi, measured_at = data.get("kpi"), data.get("measured_at")
        if kpi is not None and not measurement_policy.can_write_for(
            self.actor, kpi.product
        ):
            self.add_error(
                "kpi", "You may only write measurements of the products you manage."
            )
        if measured_at is not None:
            parsed = ingest.parse_timestamp(measured_at.isoformat(), now=timezone.now())
            if isinstance(parsed, str):
                self.add_error("measured_at", parsed)
        return data

    def _get_validation_exclusions(self) -> set[str]:
        # An existing (KPI, moment) is replaced, not refused (idempotent upsert):
        # leaving `kpi` out skips the unique constraint (the form field checks it).
        return {*super()._get_validation_exclusions(), "kpi"}  # type: ignore[misc]


class MeasurementCsvForm(forms.Form):
    file = forms.FileField(
        help_text=f"CSV with the columns {', '.join(CSV_COLUMNS)} "
        f"(at most {ingest.MAX_BULK_ROWS:,} rows; UTF-8)."
    )


@admin.register(Measurement)
class MeasurementAdmin(ExportMixin, PolicyAdminMixin, admin.ModelAdmin):
    policy = measurement_policy
    form = MeasurementAdminForm
    resource_classes = [MeasurementResource]
    import_export_change_list_template = "admin/kpis/measurement/change_list.html"
    list_display = ["kpi", "product", "measured_at", "value", "source", "updated_at"]
    list_filter = [ProductSlugFilter, KpiIdFilter, "source"]
    list_select_related = ["kpi__product"]
    raw_id_fields = ["kpi"]
    # Millions of rows: no full count, no sorting by columns without an index.
    show_full_result_count = False
    paginator = CappedCountPaginator
    sortable_by = ()
    list_per_page = 100

    @admin.display(description="Product")
    def product(self, measurement: Measurement) -> str:
        return str(measurement.kpi.product)

    def get_ordering(self, request: HttpRequest) -> Any:
        if request.GET.get("kpi") or request.GET.get("product"):
            # The unique (kpi, measured_at) index, read backwards.
            return ["-measured_at", "-kpi"]
        return ["-pk"]  # newest written first, along the primary key

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user})

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Facts are not edited: add the right value at the same moment instead.
        return False

    def has_export_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def has_import_permission(self, request: HttpRequest) -> bool:
        return measurement_policy.can_admin(request.user) and (
            measurement_policy.can_write_some(request.user)
        )

    def save_model(
        self, request: HttpRequest, obj: Any, form: Any, change: bool
    ) -> None:
        saved, _ = services.measurement_record(
            actor=request.user,
            kpi=form.cleaned_data["kpi"],
            measured_at=form.cleaned_data["measured_at"].isoformat(),
            value=form.cleaned_data["value"],
            source=Source.MANUAL,
        )
        obj.pk = saved.pk
        obj._state.adding = False

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.measurements_delete(
            actor=request.user, queryset=Measurement.objects.filter(pk=obj.pk)
        )

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        services.measurements_delete(actor=request.user, queryset=queryset)

    def get_urls(self) -> list[Any]:
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "import-csv/",
                self.admin_site.admin_view(self.import_csv_view),
                name=f"{info[0]}_{info[1]}_import_csv",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        extra_context = {
            **(extra_context or {}),
            "has_import_permission": self.has_import_permission(request),
        }
        return super().changelist_view(request, extra_context)

    def import_csv_view(self, request: HttpRequest) -> HttpResponse:
        """Import a CSV of measurements: all rows or none, errors by line."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        form = MeasurementCsvForm(request.POST or None, request.FILES or None)
        line_errors: list[tuple[int, str, str]] = []
        if request.method == "POST" and form.is_valid():
            read = read_measurement_csv(form.cleaned_data["file"].read())
            result = None
            if read.error:
                form.add_error("file", read.error)
            else:
                try:
                    result = services.measurements_ingest(
                        actor=request.user, rows=read.rows, source=Source.IMPORT
                    )
                except ValidationError as exc:
                    form.add_error("file", exc.messages)
            if result is not None and result.ok:
                self.message_user(
                    request,
                    f"Imported {result.created + result.updated:,} measurements: "
                    f"{result.created:,} new, {result.updated:,} replaced.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:kpis_measurement_changelist")
                )
            if result is not None:
                for error in result.errors:
                    line = read.lines[error["index"]]
                    for field, texts in error["errors"].items():
                        line_errors.extend((line, field, text) for text in texts)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Import measurements from CSV",
            "form": form,
            "line_errors": line_errors,
            "columns": CSV_COLUMNS,
        }
        status = 400 if (line_errors or form.errors) else 200
        return TemplateResponse(
            request, "admin/kpis/measurement/import_csv.html", context, status=status
        )
