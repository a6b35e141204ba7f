"""Reads for the portfolio: user-aware, with their joins and prefetches."""

from typing import Any

from django.db.models import Prefetch, QuerySet

from accounts.models import User

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
    """Products the user may see, with their line and many-to-many links loaded."""
    # The API prints only the ids of the linked rows: load nothing else (users'
    # password hashes least of all).
    queryset = Product.objects.prefetch_related(
        Prefetch("segments", queryset=Segment.objects.only("pk")),
        Prefetch("objectives", queryset=Objective.objects.only("pk")),
        Prefetch("managers", queryset=User.objects.only("pk")),
    ).order_by("name")
    return product_policy.visible(user, queryset)


def product_list_managed_by(*, user: Any) -> QuerySet[Product]:
    """The products the user manages."""
    return product_list(user=user).filter(managers=user)


def insight_list(*, user: Any) -> QuerySet[Insight]:
    """Insights the user may see, newest first, with the ids of their products."""
    queryset = Insight.objects.prefetch_related(
        Prefetch("products", queryset=Product.objects.only("pk"))
    ).order_by("-captured_on", "-id")
    return insight_policy.visible(user, queryset)
