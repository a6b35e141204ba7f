"""CSV export and import of measurements.

Export (django-import-export): text cells a spreadsheet would run as formulas are
neutralised; numbers and timestamps are left exactly as they are (a negative
value starts with '-' and must stay a number).

Import does not use django-import-export's row-by-row saving: the file is read
into rows and handed to `measurements_ingest`, the bulk API's service, in atomic
mode — the same rules, per-row errors (reported by line), and nothing written
when any row is bad.
"""

import csv
import io
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from import_export import fields, resources, widgets

from cpo.common.resources import neutralise, unneutralise

from .ingest import MAX_BULK_ROWS
from .models import Measurement

CSV_COLUMNS = ("product", "kpi_key", "measured_at", "value")


class ExactFloatWidget(widgets.FloatWidget):
    """The float itself (CSV writes its shortest exact form), never localised."""

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        return value


class UtcDateTimeWidget(widgets.DateTimeWidget):
    """ISO 8601 in UTC, the form the import (and the API) reads back."""

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        return "" if value is None else value.astimezone(UTC).isoformat()


_UNTOUCHED_WIDGETS = (widgets.NumberWidget, widgets.DateTimeWidget)


class MeasurementResource(resources.ModelResource):
    product = fields.Field(
        attribute="kpi__product__slug", column_name="product", readonly=True
    )
    kpi_key = fields.Field(attribute="kpi__key", column_name="kpi_key", readonly=True)
    measured_at = fields.Field(
        attribute="measured_at", column_name="measured_at", widget=UtcDateTimeWidget()
    )
    value = fields.Field(
        attribute="value", column_name="value", widget=ExactFloatWidget()
    )
    source = fields.Field(attribute="source", column_name="source")

    class Meta:
        model = Measurement
        fields = (*CSV_COLUMNS, "source")
        export_order = fields

    def export_field(self, field: fields.Field, instance: Any, **kwargs: Any) -> Any:
        value = super().export_field(field, instance, **kwargs)
        if isinstance(field.widget, _UNTOUCHED_WIDGETS):
            return value
        return neutralise(value)


@dataclass
class CsvRows:
    """Rows read from a CSV file, each with its line number; or why it failed."""

    rows: list[dict[str, Any]]
    lines: list[int]
    error: str = ""


def _number(cell: str) -> Any:
    # Anything float() cannot read is passed on as text: the service reports it.
    if cell == "":
        return None
    try:
        return float(cell)
    except ValueError:
        return cell


def read_measurement_csv(content: bytes) -> CsvRows:
    """Read product, kpi_key, measured_at, value rows from a CSV file's bytes."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return CsvRows([], [], "The file is not UTF-8 text.")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in CSV_COLUMNS if name not in header]
    if missing:
        return CsvRows(
            [],
            [],
            f"Missing column(s): {', '.join(missing)}. "
            f"The first line must name: {', '.join(CSV_COLUMNS)}.",
        )
    reader.fieldnames = header
    rows: list[dict[str, Any]] = []
    lines: list[int] = []
    try:
        for record in reader:
            # One more than allowed is enough for the service to say "too many".
            if len(rows) > MAX_BULK_ROWS:
                break
            cells = {name: (record.get(name) or "").strip() for name in CSV_COLUMNS}
            rows.append(
                {
                    "product": unneutralise(cells["product"]) or None,
                    "kpi_key": unneutralise(cells["kpi_key"]) or None,
                    "measured_at": unneutralise(cells["measured_at"]) or None,
                    "value": _number(cells["value"]),
                }
            )
            lines.append(reader.line_num)
    except csv.Error as exc:
        return CsvRows([], [], f"Line {reader.line_num}: not valid CSV ({exc}).")
    return CsvRows(rows, lines)
