"""Filters for the hiring API: bad values are a 400, never silently ignored.

Filters that name a personal-data object (a candidate, an application) take a
plain id and narrow the already-visible list: an id the user may not see gives
an empty list, exactly like an id that does not exist, so no filter tells a
product manager whether someone else's candidate exists.
"""

from typing import Any

from django import forms
from django_filters import rest_framework as filters

from accounts.models import User
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


class StrictBooleanField(forms.Field):
    """`true` or `false`; anything else (`null`, `1`, an empty value) is a 400."""

    def to_python(self, value: Any) -> bool | None:
        if value is None:
            return None
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise forms.ValidationError("Must be true or false.", code="invalid")


class StrictBooleanFilter(filters.BooleanFilter):
    field_class = StrictBooleanField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # A plain input: django-filter's BooleanWidget reads anything else as
        # "no filter", which would hide the client's mistake.
        kwargs.setdefault("widget", forms.TextInput)
        super().__init__(*args, **kwargs)


class StrictFilterSet(filters.FilterSet):
    """A parameter sent with an empty value is a 400, not "no filter".

    The schema says what each parameter holds (an id, one of the choices); an
    empty value is none of them, and a client that sends one has a bug to see.
    """

    BLANK = "Give a value, or leave the parameter out."

    def is_valid(self) -> bool:
        valid = super().is_valid()
        getlist = getattr(self.data, "getlist", lambda name: [self.data.get(name)])
        blank = [
            name
            for name in self.filters
            if name in self.data and any(v == "" for v in getlist(name))
        ]
        for name in blank:
            if name not in self.form.errors:
                self.form.add_error(name, self.BLANK)
        return valid and not blank


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
