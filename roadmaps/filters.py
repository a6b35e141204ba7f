"""Filters for the roadmaps API: bad values are a 400, never silently ignored."""

from typing import Any

from django.db.models import QuerySet
from django_filters import rest_framework as filters

from cpo.common.filters import StrictFilterSet
from portfolio.models import Insight, Objective, Product

from .models import ItemKind, ItemStatus, Launch, LaunchStatus, Release, RoadmapItem
from .models import Timeframe as TimeframeChoices
from .selectors import overdue_q

# A choice, not a BooleanFilter: django-filter's boolean silently ignores "maybe".
YES_NO = [("true", "true"), ("false", "false")]


class ReleaseFilter(StrictFilterSet):
    product = filters.ModelChoiceFilter(queryset=Product.objects.all())
    target_date = filters.DateFromToRangeFilter(
        help_text="target_date_after / target_date_before (inclusive)."
    )
    shipped = filters.ChoiceFilter(
        choices=YES_NO, method="filter_shipped", help_text="Shipped or not."
    )

    class Meta:
        model = Release
        fields = ["product", "target_date", "shipped"]

    def filter_shipped(
        self, queryset: QuerySet[Release], name: str, value: Any
    ) -> QuerySet[Release]:
        return queryset.filter(shipped_on__isnull=value != "true")


class RoadmapItemFilter(StrictFilterSet):
    product = filters.ModelChoiceFilter(queryset=Product.objects.all())
    status = filters.ChoiceFilter(choices=ItemStatus.choices)
    timeframe = filters.ChoiceFilter(choices=TimeframeChoices.choices)
    kind = filters.ChoiceFilter(choices=ItemKind.choices)
    release = filters.ModelChoiceFilter(queryset=Release.objects.all())
    objective = filters.ModelChoiceFilter(queryset=Objective.objects.all())
    insight = filters.ModelChoiceFilter(
        field_name="insights",
        queryset=Insight.objects.all(),
        help_text="Items that cite this insight as evidence.",
    )
    overdue = filters.ChoiceFilter(
        choices=YES_NO,
        method="filter_overdue",
        help_text="true: still open (idea, planned, in progress) and the target "
        "date has passed.",
    )
    start_date = filters.DateFromToRangeFilter(
        help_text="start_date_after / start_date_before (inclusive)."
    )
    target_date = filters.DateFromToRangeFilter(
        help_text="target_date_after / target_date_before (inclusive)."
    )
    delivered_on = filters.DateFromToRangeFilter(
        help_text="delivered_on_after / delivered_on_before (inclusive)."
    )

    class Meta:
        model = RoadmapItem
        fields = [
            "product",
            "status",
            "timeframe",
            "kind",
            "release",
            "objective",
            "insight",
            "overdue",
            "start_date",
            "target_date",
            "delivered_on",
        ]

    def filter_overdue(
        self, queryset: QuerySet[RoadmapItem], name: str, value: Any
    ) -> QuerySet[RoadmapItem]:
        if value == "true":
            return queryset.filter(overdue_q())
        return queryset.exclude(overdue_q())


class LaunchFilter(StrictFilterSet):
    product = filters.ModelChoiceFilter(queryset=Product.objects.all())
    status = filters.ChoiceFilter(choices=LaunchStatus.choices)
    release = filters.ModelChoiceFilter(queryset=Release.objects.all())
    launch_date = filters.DateFromToRangeFilter(
        help_text="launch_date_after / launch_date_before (inclusive)."
    )

    class Meta:
        model = Launch
        fields = ["product", "status", "release", "launch_date"]
