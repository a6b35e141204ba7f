"""Reads for the portfolio: user-aware, with their joins and prefetches."""

from typing import Any

from django.db.models import QuerySet

from .models import Insight, Objective, Product, ProductLine, Segment
from .policies import insight_policy, product_policy, strategy_policy


def product_line_list(*, user: Any) -> QuerySet[ProductLine]:
    """Product lines the user may see."""
    return strategy_policy.visible(user, ProductLine.objects.order_by("name"))


def objective_list(*, user: Any) -> QuerySet[Objective]:
    """Objectives the user may see."""
    return strategy_policy.visible(user, Objective.objects.order_by("title", "id"))


def segment_list(*, user: Any) -> QuerySet[Segment]:
    """Segments the user may see."""
    return strategy_policy.visible(user, Segment.objects.order_by("name"))


def product_list(*, user: Any) -> QuerySet[Product]:
    """Products the user may see."""
    # No prefetch of the many-to-many links: the API's list serializer loads
    # their ids for the page it prints (cpo.common.serializers.ModelListSerializer).
    queryset = Product.objects.order_by("name")
    return product_policy.visible(user, queryset)


def product_list_managed_by(*, user: Any) -> QuerySet[Product]:
    """The products the user manages."""
    return product_list(user=user).filter(managers=user)


def insight_list(*, user: Any) -> QuerySet[Insight]:
    """Insights the user may see, newest first."""
    queryset = Insight.objects.order_by("-captured_on", "-id")
    return insight_policy.visible(user, queryset)
