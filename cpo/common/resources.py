"""CSV import/export building blocks (django-import-export) for every app.

Exports neutralise spreadsheet formulas in text cells; imports undo exactly that
and write every row through the app's services, so the policies, the validation,
the change history (with the importing user) and side effects all apply.
"""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from import_export import fields, resources, widgets

from .services import EntityServices

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

    entity: EntityServices

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
        data.pop("id", None)
        if is_create:
            saved = self.entity.create_from(actor=actor, data=data)
            instance.pk = saved.pk
            instance._state.adding = False
        else:
            current = type(instance)._default_manager.get(pk=instance.pk)
            self.entity.update_with(current, actor=actor, data=data)

    def save_m2m(self, instance: Any, row: Any, **kwargs: Any) -> None:
        """Many-to-many links are written by the service, in save_instance."""
