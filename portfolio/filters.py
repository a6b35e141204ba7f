"""Filters for the portfolio API: bad values are a 400, never silently ignored."""

from django_filters import rest_framework as filters

from accounts.models import User
from cpo.common.filters import StrictFilterSet

from .models import (
    HealthStatus,
    Horizon,
    Insight,
    InsightSource,
    LifecycleStage,
    Product,
    ProductLine,
    Segment,
)


class ProductFilter(StrictFilterSet):
    lifecycle_stage = filters.ChoiceFilter(choices=LifecycleStage.choices)
    horizon = filters.ChoiceFilter(choices=Horizon.choices)
    health_status = filters.ChoiceFilter(choices=HealthStatus.choices)
    product_line = filters.ModelChoiceFilter(queryset=ProductLine.objects.all())
    manager = filters.ModelChoiceFilter(
        field_name="managers", queryset=User.objects.all(), label="Managed by"
    )

    class Meta:
        model = Product
        fields = ["lifecycle_stage", "horizon", "health_status", "product_line"]


class InsightFilter(StrictFilterSet):
    product = filters.ModelChoiceFilter(
        field_name="products", queryset=Product.objects.all()
    )
    source = filters.ChoiceFilter(choices=InsightSource.choices)
    segment = filters.ModelChoiceFilter(queryset=Segment.objects.all())
    author = filters.ModelChoiceFilter(queryset=User.objects.all())

    class Meta:
        model = Insight
        fields = ["product", "source", "segment", "author"]
