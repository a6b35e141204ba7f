"""Hiring factories: related objects stay consistent (an open position has a date).

Applications are created at a stage directly, with the moves that lead there
(`ApplicationFactory(stage="interview")` records applied→screening→interview),
so the funnel reads them as the services would have written them.
"""

import itertools
from datetime import timedelta

import factory
from django.utils import timezone

from hiring.models import (
    PIPELINE,
    Application,
    Candidate,
    Interview,
    Position,
    PositionStatus,
    Stage,
    StageMove,
    Team,
)
from tests.factories.accounts import UserFactory
from tests.factories.portfolio import ProductFactory


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")
    product = factory.SubFactory(ProductFactory)
    planned_headcount = 5
    current_headcount = 3


class PositionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Position

    team = factory.SubFactory(TeamFactory)
    title = factory.Sequence(lambda n: f"Product Engineer {n}")
    level = "Senior"
    status = PositionStatus.OPEN
    opened_on = factory.LazyAttribute(
        lambda p: (
            timezone.localdate() - timedelta(days=10)
            if p.status != PositionStatus.DRAFT
            else None
        )
    )
    filled_on = factory.LazyAttribute(
        lambda p: timezone.localdate() if p.status == PositionStatus.FILLED else None
    )


class CandidateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Candidate

    full_name = factory.Sequence(lambda n: f"Candidate Person{n}")
    email = factory.Sequence(lambda n: f"candidate{n}@mail.example")
    phone = factory.Sequence(lambda n: f"+49 30 555 {n:04d}")
    source = "inbound"
    notes = "Met at a meetup."


def path_to(stage: str) -> list[str]:
    """The stages an application passes through to reach `stage`, in order."""
    if stage in PIPELINE:
        return list(PIPELINE[: PIPELINE.index(stage) + 1])
    # Rejected or withdrawn: straight from applied.
    return [Stage.APPLIED, stage]


class ApplicationFactory(factory.django.DjangoModelFactory):
    """An application; `stage=` records the moves that lead there."""

    class Meta:
        model = Application
        skip_postgeneration_save = True

    candidate = factory.SubFactory(CandidateFactory)
    position = factory.SubFactory(PositionFactory)
    stage = Stage.APPLIED
    rejection_reason = factory.LazyAttribute(
        lambda a: "Not a fit." if a.stage == Stage.REJECTED else ""
    )

    @factory.post_generation
    def via(self, create, extracted, **kwargs):
        """The stages passed through (default: the shortest path to the stage)."""
        if not create:
            return
        stages = extracted or path_to(self.stage)
        now = timezone.now()
        StageMove.objects.bulk_create(
            StageMove(
                application=self,
                from_stage=a,
                to_stage=b,
                at=now - timedelta(days=len(stages) - i),
                reason="Moved on." if b != Stage.REJECTED else self.rejection_reason,
            )
            for i, (a, b) in enumerate(itertools.pairwise(stages))
        )


class InterviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Interview

    application = factory.SubFactory(ApplicationFactory, stage=Stage.INTERVIEW)
    interviewer = factory.SubFactory(UserFactory, roles=["product_manager"])
    kind = "technical"
    scheduled_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
