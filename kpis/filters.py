"""Filters for the KPI API: bad values are a 400, never silently ignored."""

from typing import Any

from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from portfolio.models import Objective, Product

from .models import Cadence, Category, Direction, Kpi


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanFilter(filters.TypedChoiceFilter):
    """true or false; anything else is a 400 (BooleanFilter ignores bad values)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("choices", [("true", "true"), ("false", "false")])
        kwargs.setdefault("coerce", lambda value: value == "true")
        super().__init__(*args, **kwargs)


class KpiFilter(filters.FilterSet):
    product = filters.ModelChoiceFilter(queryset=Product.objects.all())
    category = filters.ChoiceFilter(choices=Category.choices)
    direction = filters.ChoiceFilter(choices=Direction.choices)
    cadence = filters.ChoiceFilter(choices=Cadence.choices)
    objective = filters.ModelChoiceFilter(queryset=Objective.objects.all())
    is_active = StrictBooleanFilter()

    class Meta:
        model = Kpi
        fields = [
            "product",
            "category",
            "direction",
            "cadence",
            "objective",
            "is_active",
        ]
