"""Filters for the hiring API: bad values are a 400, never silently ignored.

Filters that name a personal-data object (a candidate, an application) take a
plain id and narrow the already-visible list: an id the user may not see gives
an empty list, exactly like an id that does not exist, so no filter tells a
product manager whether someone else's candidate exists.
"""

from django import forms
from django_filters import rest_framework as filters

from accounts.models import User
from cpo.common.filters import StrictBooleanFilter, StrictFilterSet
from portfolio.models import Product

from .models import (
    Application,
    Candidate,
    CandidateSource,
    Interview,
    InterviewKind,
    Position,
    PositionStatus,
    Recommendation,
    Stage,
    Team,
)


class IdFilter(filters.NumberFilter):
    """An integer id, compared without looking the object up."""

    field_class = forms.IntegerField


class TeamFilter(StrictFilterSet):
    product = filters.ModelChoiceFilter(queryset=Product.objects.all())
    lead = filters.ModelChoiceFilter(queryset=User.objects.all())

    class Meta:
        model = Team
        fields = ["product", "lead"]


class PositionFilter(StrictFilterSet):
    product = filters.ModelChoiceFilter(
        field_name="team__product", queryset=Product.objects.all()
    )
    team = filters.ModelChoiceFilter(queryset=Team.objects.all())
    status = filters.ChoiceFilter(choices=PositionStatus.choices)
    hiring_manager = filters.ModelChoiceFilter(queryset=User.objects.all())

    class Meta:
        model = Position
        fields = ["product", "team", "status", "hiring_manager"]


class CandidateFilter(StrictFilterSet):
    source = filters.ChoiceFilter(choices=CandidateSource.choices)
    position = filters.ModelChoiceFilter(
        field_name="applications__position",
        queryset=Position.objects.all(),
        distinct=True,
        label="Has an application for this position",
    )
    anonymised = StrictBooleanFilter(
        field_name="anonymised_at", lookup_expr="isnull", exclude=True
    )

    class Meta:
        model = Candidate
        fields = ["source", "position", "anonymised"]


class ApplicationFilter(StrictFilterSet):
    candidate = IdFilter(field_name="candidate_id")
    position = filters.ModelChoiceFilter(queryset=Position.objects.all())
    team = filters.ModelChoiceFilter(
        field_name="position__team", queryset=Team.objects.all()
    )
    product = filters.ModelChoiceFilter(
        field_name="position__team__product", queryset=Product.objects.all()
    )
    stage = filters.MultipleChoiceFilter(choices=Stage.choices)

    class Meta:
        model = Application
        fields = ["candidate", "position", "team", "product", "stage"]


class InterviewFilter(StrictFilterSet):
    application = IdFilter(field_name="application_id")
    position = filters.ModelChoiceFilter(
        field_name="application__position", queryset=Position.objects.all()
    )
    interviewer = filters.ModelChoiceFilter(queryset=User.objects.all())
    kind = filters.ChoiceFilter(choices=InterviewKind.choices)
    recommendation = filters.ChoiceFilter(choices=Recommendation.choices)
    completed = StrictBooleanFilter(
        field_name="completed_at", lookup_expr="isnull", exclude=True
    )

    class Meta:
        model = Interview
        fields = [
            "application",
            "position",
            "interviewer",
            "kind",
            "recommendation",
            "completed",
        ]
