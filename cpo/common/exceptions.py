"""Turns the errors that a request can expect into 4xx answers of DRF's shape."""

from collections import Counter
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, RestrictedError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the resource."
    default_code = "conflict"


def describe_references(objects: Any) -> str:
    """Name what still refers to an object: '2 roadmap items, 1 team'."""
    counts = Counter(obj._meta for obj in objects)
    parts = []
    for meta, n in sorted(counts.items(), key=lambda kv: str(kv[0].verbose_name)):
        name = meta.verbose_name if n == 1 else meta.verbose_name_plural
        parts.append(f"{n} {name}")
    return ", ".join(parts)


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Map domain errors to DRF's 4xx responses; anything else stays a 500 (a bug)."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=as_serializer_error(exc))
    elif isinstance(exc, ProtectedError | RestrictedError):
        objects = (
            exc.protected_objects
            if isinstance(exc, ProtectedError)
            else exc.restricted_objects
        )
        referrers = describe_references(objects)
        exc = Conflict(detail=f"Cannot delete: still referred to by {referrers}.")
    return exception_handler(exc, context)
