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
    """Filters of /api/v1/kpis/; a parameter sent empty is a 400, not ignored."""

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

    def is_valid(self) -> bool:
        valid = super().is_valid()
        for name in self.filters:
            if name in self.data and self.data.get(name) == "":
                self.form.add_error(name, "Give a value, or leave the parameter out.")
                valid = False
        return valid
