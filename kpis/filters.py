"""Filters for the KPI API: bad values are a 400, never silently ignored."""

from django_filters import rest_framework as filters

from cpo.common.filters import StrictBooleanFilter, StrictFilterSet
from portfolio.models import Objective, Product

from .models import Cadence, Category, Direction, Kpi


class KpiFilter(StrictFilterSet):
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
