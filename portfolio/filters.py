"""Filters for the portfolio API: bad values are a 400, never silently ignored."""

from typing import Any

from django.db.models import F, OrderBy, QuerySet
from django_filters import rest_framework as filters
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.request import Request

from accounts.models import User

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


class ProductFilter(filters.FilterSet):
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


class InsightFilter(filters.FilterSet):
    product = filters.ModelChoiceFilter(
        field_name="products", queryset=Product.objects.all()
    )
    source = filters.ChoiceFilter(choices=InsightSource.choices)
    segment = filters.ModelChoiceFilter(queryset=Segment.objects.all())
    author = filters.ModelChoiceFilter(queryset=User.objects.all())

    class Meta:
        model = Insight
        fields = ["product", "source", "segment", "author"]
