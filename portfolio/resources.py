"""CSV import/export of products and insights (django-import-export).

Exports neutralise spreadsheet formulas in text cells; imports undo exactly that
and write every row through the services, so the policies, the validation, the
change history (with the importing user) and the health signal all apply.
"""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from import_export import fields, resources, widgets

from accounts.models import User

from . import services
from .models import Insight, Objective, Product, ProductLine, Segment

# A cell starting with one of these is a formula to Excel, LibreOffice or Sheets.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"
# A leading quote is escaped too, so that import can undo the escape exactly.
_ESCAPED_PREFIXES = (*FORMULA_PREFIXES, ESCAPE)
# Widgets whose cells are never text: numbers (negative ones start with '-'),
# dates and booleans are left alone.
_NON_TEXT_WIDGETS = (
    widgets.NumberWidget,
    widgets.DateWidget,
    widgets.DateTimeWidget,
    widgets.BooleanWidget,
)


def neutralise(value: Any) -> Any:
    """Prefix a quote to a text cell a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(_ESCAPED_PREFIXES):
        return ESCAPE + value
    return value


def unneutralise(value: Any) -> Any:
    """Undo `neutralise` on an imported text cell."""
    if (
        isinstance(value, str)
        and len(value) > 1
        and value[0] == ESCAPE
        and value[1:].startswith(_ESCAPED_PREFIXES)
    ):
        return value[1:]
    return value


class StrictManyToManyWidget(widgets.ManyToManyWidget):
    """A ManyToManyWidget that reports unknown values instead of dropping them."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        if value is None or value == "":
            return self.model.objects.none()
        keys = [part.strip() for part in str(value).split(self.separator)]
        keys = [key for key in keys if key]
        found = self.model.objects.filter(**{f"{self.field}__in": keys})
        known = {str(getattr(obj, self.field)) for obj in found}
        missing = [key for key in keys if key not in known]
        if missing:
            label = self.model._meta.verbose_name_plural
            raise ValueError(f"Unknown {label}: {', '.join(missing)}")
        return found


class ServiceResource(resources.ModelResource):
    """Saves each row through the app's services, as the importing user."""

    def _text_fields(self) -> list[fields.Field]:
        return [
            field
            for field in self.get_import_fields()
            if not isinstance(field.widget, _NON_TEXT_WIDGETS)
        ]

    def export_field(self, field: fields.Field, instance: Any, **kwargs: Any) -> Any:
        value = super().export_field(field, instance, **kwargs)
        if isinstance(field.widget, _NON_TEXT_WIDGETS):
            return value
        return neutralise(value)

    def before_import_row(self, row: Any, **kwargs: Any) -> None:
        for field in self._text_fields():
            if field.column_name in row:
                row[field.column_name] = unneutralise(row[field.column_name])

    def _row_data(self, instance: models.Model, row: Any) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for field in self.get_import_fields():
            if field.readonly or not field.attribute or field.column_name not in row:
                continue
            if isinstance(field.widget, widgets.ManyToManyWidget):
                try:
                    data[field.attribute] = list(field.clean(row))
                except ValueError as exc:
                    raise ValidationError({field.attribute: str(exc)}) from exc
            else:
                data[field.attribute] = getattr(instance, field.attribute)
        return data

    def save_instance(
        self, instance: Any, is_create: bool, row: Any, **kwargs: Any
    ) -> None:
        if not self._is_using_transactions(kwargs) and self._is_dry_run(kwargs):
            return
        actor = kwargs.get("user")
        if actor is None:
            raise PermissionDenied("An import needs the importing user.")
        data = self._row_data(instance, row)
        if is_create:
            saved = self.service_create(actor=actor, data=data)
            instance.pk = saved.pk
            instance._state.adding = False
        else:
            current = type(instance)._default_manager.get(pk=instance.pk)
            self.service_update(current, actor=actor, data=data)

    def save_m2m(self, instance: Any, row: Any, **kwargs: Any) -> None:
        """Many-to-many links are written by the service, in save_instance."""

    def service_create(self, *, actor: Any, data: dict[str, Any]) -> models.Model:
        raise NotImplementedError

    def service_update(
        self, instance: Any, *, actor: Any, data: dict[str, Any]
    ) -> models.Model:
        raise NotImplementedError


class ProductResource(ServiceResource):
    product_line = fields.Field(
        attribute="product_line",
        column_name="product_line",
        widget=widgets.ForeignKeyWidget(ProductLine, field="name"),
    )
    segments = fields.Field(
        attribute="segments",
        column_name="segments",
        widget=StrictManyToManyWidget(Segment, field="name", separator="|"),
    )
    objectives = fields.Field(
        attribute="objectives",
        column_name="objectives",
        widget=StrictManyToManyWidget(Objective, field="pk", separator=","),
    )
    managers = fields.Field(
        attribute="managers",
        column_name="managers",
        widget=StrictManyToManyWidget(User, field="username", separator=","),
    )
    health_score = fields.Field(
        attribute="health_score",
        column_name="health_score",
        readonly=True,
        widget=widgets.FloatWidget(),
    )
    health_status = fields.Field(
        attribute="health_status", column_name="health_status", readonly=True
    )

    class Meta:
        model = Product
        fields = (
            "id",
            "name",
            "slug",
            "product_line",
            "lifecycle_stage",
            "horizon",
            "strategic_importance",
            "vision",
            "problem",
            "value_proposition",
            "annual_budget",
            "segments",
            "objectives",
            "managers",
            "health_score",
            "health_status",
        )
        export_order = fields
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    def get_queryset(self) -> Any:
        return (
            Product.objects.select_related("product_line")
            .prefetch_related("segments", "objectives", "managers")
            .order_by("name")
        )

    def import_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
        super().import_instance(instance, row, **kwargs)
        if not instance.slug and instance.name:
            # Derived here so that the row validates; the service keeps it.
            instance.slug = services.product_slug_for(
                instance.name, exclude_pk=instance.pk
            )

    def service_create(self, *, actor: Any, data: dict[str, Any]) -> models.Model:
        data.pop("id", None)
        return services.product_create(actor=actor, **data)

    def service_update(
        self, instance: Any, *, actor: Any, data: dict[str, Any]
    ) -> models.Model:
        data.pop("id", None)
        return services.product_update(product=instance, actor=actor, data=data)


class InsightResource(ServiceResource):
    segment = fields.Field(
        attribute="segment",
        column_name="segment",
        widget=widgets.ForeignKeyWidget(Segment, field="name"),
    )
    products = fields.Field(
        attribute="products",
        column_name="products",
        widget=StrictManyToManyWidget(Product, field="slug", separator=","),
    )
    author = fields.Field(
        attribute="author",
        column_name="author",
        readonly=True,
        widget=widgets.ForeignKeyWidget(User, field="username"),
    )

    class Meta:
        model = Insight
        fields = (
            "id",
            "title",
            "body",
            "source",
            "segment",
            "products",
            "impact",
            "captured_on",
            "author",
        )
        export_order = fields
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    def get_queryset(self) -> Any:
        return (
            Insight.objects.select_related("segment", "author")
            .prefetch_related("products")
            .order_by("-captured_on", "-id")
        )

    def import_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
        super().import_instance(instance, row, **kwargs)
        if instance.author_id is None and kwargs.get("user") is not None:
            # New rows are authored by the importing user (so they validate).
            instance.author = kwargs["user"]

    def service_create(self, *, actor: Any, data: dict[str, Any]) -> models.Model:
        data.pop("id", None)
        return services.insight_create(actor=actor, **data)

    def service_update(
        self, instance: Any, *, actor: Any, data: dict[str, Any]
    ) -> models.Model:
        data.pop("id", None)
        return services.insight_update(insight=instance, actor=actor, data=data)
