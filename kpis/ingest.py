"""Decoding measurement rows (SPEC §1.3, §4): JSON values in, typed rows or the
errors of each row out. Pure code: no ORM, no clock (`now` is passed in).

The bulk endpoint checks 10,000 rows per request, so this is written for speed:
one pass over plain dicts, no serializer object per row, and each distinct
timestamp string parsed once (a batch usually repeats a few moments across many
KPIs). The messages are those of the API contract; keep them in step with
docs/kpis.md.
"""

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

MAX_BULK_ROWS: Final = 10_000
# A measurement may be dated at most this far ahead (clocks and zones differ).
FUTURE_SLACK: Final = timedelta(days=1)
# Largest id PostgreSQL's bigint takes; larger ones name no KPI (and would 500).
MAX_ID: Final = 2**63 - 1
_SLUG_MAX_LENGTH: Final = 140

# A date, or a date and time with an optional zone: the forms the contract names.
# (datetime.fromisoformat alone also takes week dates and basic formats.)
TIMESTAMP_PATTERN: Final = (
    r"^\d{4}-\d{2}-\d{2}"
    r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?"
    r"(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$"
)
_TIMESTAMP_RE: Final = re.compile(TIMESTAMP_PATTERN)
_SLUG_RE: Final = re.compile(r"^[-a-zA-Z0-9_]+$")

REQUIRED: Final = "This field is required."
MSG_ROW_NOT_OBJECT: Final = (
    "Expected an object with kpi (or product and kpi_key), measured_at and value."
)
MSG_KPI_ID: Final = "A KPI id (a positive integer) is required."
MSG_BOTH_WAYS: Final = "Give either kpi, or product and kpi_key; not both."
MSG_NO_KPI: Final = "Give kpi (an id), or product (a slug) and kpi_key."
MSG_SLUG: Final = "A slug (letters, digits, '-' and '_') is required."
MSG_TIMESTAMP: Final = (
    "A timestamp (ISO 8601, such as 2027-01-31T09:30:00Z) or a date "
    "(2027-01-31) is required."
)
MSG_VALUE: Final = "A finite number is required (not NaN or ±Infinity)."


def msg_unknown_kpi(kpi_id: int) -> str:
    return f"No KPI with id {kpi_id}."


def msg_unknown_key(slug: str, key: str) -> str:
    return f"No KPI with key “{key}” in a product with slug “{slug}”."


def msg_not_writable(slug: str) -> str:
    return f"You may not write measurements of product “{slug}”: you do not manage it."


def msg_repeats(earlier: int) -> str:
    return f"Repeats row {earlier}: the same KPI and measured_at in this batch."


def msg_future(now: datetime) -> str:
    limit = (now + FUTURE_SLACK).astimezone(UTC)
    return (
        "Must not lie more than a day in the future "
        f"(after {limit:%Y-%m-%dT%H:%M:%SZ})."
    )


@dataclass(frozen=True, slots=True)
class ParsedTimestamp:
    at: datetime  # aware, in UTC
    text: str  # its ISO 8601 form in UTC, for the database's text input


RowErrors = dict[str, list[str]]
# How a row names its KPI: an id, or (product slug, kpi key).
KpiRef = int | tuple[str, str]


@dataclass(slots=True)
class DecodedRows:
    """Rows that decoded, by index; and the errors of the others, by index."""

    # index → (kpi reference, timestamp, value)
    rows: dict[int, tuple[KpiRef, ParsedTimestamp, float]]
    # index → what the row names, for rows whose other fields failed (so that a
    # later row repeating their KPI and moment is still told so)
    refs: dict[int, tuple[KpiRef, ParsedTimestamp]]
    errors: dict[int, RowErrors]


def parse_moment(value: Any) -> datetime | None:
    """Parse a date or an ISO 8601 timestamp to an aware UTC datetime, else None.

    A bare date is midnight UTC; a time without a zone is UTC.
    """
    if not isinstance(value, str) or not _TIMESTAMP_RE.match(value):
        return None
    try:
        at = datetime.fromisoformat(value)
        return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def parse_timestamp(value: Any, *, now: datetime) -> ParsedTimestamp | str:
    """Parse a measurement time (SPEC §1.3), or return the error message.

    More than a day after `now` is an error.
    """
    at = parse_moment(value)
    if at is None:
        return MSG_TIMESTAMP
    if at > now + FUTURE_SLACK:
        return msg_future(now)
    return ParsedTimestamp(at=at, text=at.isoformat())


def finite_value(value: Any) -> float | None:
    """The value as a finite float, or None when it is not a finite JSON number."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return float(value)
        except OverflowError:
            return None
    return None


def _slug(value: Any) -> str | None:
    valid = isinstance(value, str) and len(value) <= _SLUG_MAX_LENGTH
    return value if valid and _SLUG_RE.match(value) else None


def decode_rows(raw_rows: Sequence[Any], *, now: datetime) -> DecodedRows:
    """Check each row's fields and types; resolve nothing (that needs the DB)."""
    rows: dict[int, tuple[KpiRef, ParsedTimestamp, float]] = {}
    refs: dict[int, tuple[KpiRef, ParsedTimestamp]] = {}
    errors: dict[int, RowErrors] = {}
    timestamps: dict[str, ParsedTimestamp | str] = {}
    for index, row in enumerate(raw_rows):
        if not isinstance(row, Mapping):
            errors[index] = {"non_field_errors": [MSG_ROW_NOT_OBJECT]}
            continue
        row_errors: RowErrors = {}

        ref: KpiRef | None = None
        kpi = row.get("kpi")
        product = row.get("product")
        key = row.get("kpi_key")
        if kpi is not None:
            if product is not None or key is not None:
                row_errors["kpi"] = [MSG_BOTH_WAYS]
            elif isinstance(kpi, int) and not isinstance(kpi, bool) and kpi > 0:
                if kpi <= MAX_ID:
                    ref = kpi
                else:  # names no KPI (and the database could not take it)
                    row_errors["kpi"] = [msg_unknown_kpi(kpi)]
            else:
                row_errors["kpi"] = [MSG_KPI_ID]
        elif product is None and key is None:
            row_errors["kpi"] = [MSG_NO_KPI]
        else:
            slug, kpi_key = _slug(product), _slug(key)
            if product is None:
                row_errors["product"] = [REQUIRED]
            elif slug is None:
                row_errors["product"] = [MSG_SLUG]
            if key is None:
                row_errors["kpi_key"] = [REQUIRED]
            elif kpi_key is None:
                row_errors["kpi_key"] = [MSG_SLUG]
            if slug is not None and kpi_key is not None:
                ref = (slug, kpi_key)

        parsed: ParsedTimestamp | None = None
        measured_at = row.get("measured_at")
        if measured_at is None:
            row_errors["measured_at"] = [REQUIRED]
        else:
            cache_key = measured_at if isinstance(measured_at, str) else None
            result = timestamps.get(cache_key) if cache_key is not None else None
            if result is None:
                result = parse_timestamp(measured_at, now=now)
                if cache_key is not None:
                    timestamps[cache_key] = result
            if isinstance(result, str):
                row_errors["measured_at"] = [result]
            else:
                parsed = result

        value: float | None = None
        raw_value = row.get("value")
        if raw_value is None:
            row_errors["value"] = [REQUIRED]
        else:
            value = finite_value(raw_value)
            if value is None:
                row_errors["value"] = [MSG_VALUE]

        if row_errors:
            errors[index] = row_errors
            if ref is not None and parsed is not None:
                refs[index] = (ref, parsed)
        elif ref is not None and parsed is not None and value is not None:
            rows[index] = (ref, parsed, value)
    return DecodedRows(rows=rows, refs=refs, errors=errors)


def add_error(errors: dict[int, RowErrors], index: int, field: str, msg: str) -> None:
    """Add one message to a row's errors."""
    errors.setdefault(index, {}).setdefault(field, []).append(msg)
