"""Filter backends for every API list: bad parameters are a 400, never ignored."""

from typing import Any

from django import forms
from django.db.models import F, OrderBy, QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.request import Request


class StrictFilterSet(filters.FilterSet):
    """A FilterSet that answers 400 to a parameter sent empty (`?status=`).

    django-filter treats an empty value as "no filter"; the schema says each
    parameter is a choice, an id or a date, so an empty one is a client's bug to
    see. Range filters' parameters (`target_date_after`…) count too. Every app's
    FilterSet derives from this one.
    """

    BLANK = "Give a value, or leave the parameter out."
    RANGE_SUFFIXES = ("after", "before", "min", "max")

    def is_valid(self) -> bool:
        names = set(self.filters)
        names |= {f"{n}_{s}" for n in self.filters for s in self.RANGE_SUFFIXES}
        getlist = getattr(self.data, "getlist", None)
        blank = sorted(
            name
            for name in names & set(self.data)
            if "" in (getlist(name) if getlist else [self.data.get(name)])
        )
        if blank:
            raise ValidationError({name: [self.BLANK] for name in blank})
        return bool(super().is_valid())


class StrictBooleanField(forms.Field):
    """`true` or `false`; anything else (`1`, `yes`, `null`) is a 400."""

    def to_python(self, value: Any) -> bool | None:
        if value is None:
            return None
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise forms.ValidationError("Must be true or false.", code="invalid")


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanFilter(filters.BooleanFilter):
    """A boolean filter that refuses what it cannot read (django-filter's
    BooleanWidget reads anything else as "no filter", hiding the mistake)."""

    field_class = StrictBooleanField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.TextInput)
        super().__init__(*args, **kwargs)


class StrictSearchFilter(SearchFilter):
    """SearchFilter that answers 400 to a term the database cannot take (NUL)."""

    def get_search_terms(self, request: Request) -> list[str]:
        value = request.query_params.get(self.search_param, "")
        if "\x00" in value:
            raise ValidationError(
                {self.search_param: ["Null characters are not allowed."]}
            )
        return super().get_search_terms(request)


class StrictOrderingFilter(OrderingFilter):
    """OrderingFilter that rejects unknown fields (400) and sorts nulls last.

    Nulls last on every database (PostgreSQL and SQLite disagree by default), and
    the primary key breaks ties so pages never overlap.
    """

    def get_ordering(self, request: Request, queryset: QuerySet[Any], view: Any) -> Any:
        params = request.query_params.get(self.ordering_param)
        if params is None:
            return self.get_default_ordering(view)
        fields = [param.strip() for param in params.split(",") if param.strip()]
        valid = self.remove_invalid_fields(queryset, fields, view, request)
        if not fields or len(valid) != len(fields):
            allowed = sorted(name for name, _ in self.get_valid_fields(queryset, view))
            raise ValidationError(
                {
                    self.ordering_param: [
                        f"Unknown ordering {params!r}; use one of: "
                        f"{', '.join(allowed)} (prefix '-' for descending)."
                    ]
                }
            )
        return valid

    def filter_queryset(
        self, request: Request, queryset: QuerySet[Any], view: Any
    ) -> QuerySet[Any]:
        ordering = self.get_ordering(request, queryset, view)
        if not ordering:
            return queryset
        expressions: list[OrderBy] = []
        for field in ordering:
            if field.startswith("-"):
                expressions.append(F(field[1:]).desc(nulls_last=True))
            else:
                expressions.append(F(field).asc(nulls_last=True))
        return queryset.order_by(*expressions, "pk")

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        """Declare `ordering` as one of the view's fields, ascending or descending."""
        parameters = super().get_schema_operation_parameters(view)
        fields = getattr(view, "ordering_fields", None)
        if not isinstance(fields, list | tuple):
            return parameters
        names = [f if isinstance(f, str) else f[0] for f in fields]
        for parameter in parameters:
            if parameter["name"] == self.ordering_param:
                parameter["schema"] = {
                    "type": "string",
                    "enum": [*names, *(f"-{n}" for n in names)],
                }
                parameter["description"] = (
                    "Sort by this field; prefix '-' for descending. Nulls sort "
                    "last, and ties are broken by id."
                )
        return parameters
