"""Hiring records for the page tests: positions of known ages, applications by stage."""

from datetime import timedelta

from tests.factories.hiring import (
    ApplicationFactory,
    CandidateFactory,
    InterviewFactory,
    PositionFactory,
    TeamFactory,
)
from tests.factories.portfolio import ProductFactory

from .portfolio_data import TODAY


def hiring_portfolio(*, name: str = "Atlas", slug: str = "atlas", positions: int = 1):
    """A product with a team, `positions` open positions with one application at
    each stage of the main path plus a rejection, and one filled position."""
    product = ProductFactory(name=name, slug=slug)
    team = TeamFactory(product=product, name=f"{name} squad")
    opened = []
    for i in range(positions):
        position = PositionFactory(
            team=team,
            title=f"{name} backend engineer {i + 1}",
            opened_on=TODAY - timedelta(days=45 + i),
            target_fill_date=TODAY - timedelta(days=5),
        )
        for stage in ("applied", "screening", "interview", "offer", "rejected"):
            ApplicationFactory(
                position=position,
                stage=stage,
                candidate=CandidateFactory(full_name=f"Ada {stage.title()} {slug}{i}"),
            )
        opened.append(position)
    filled = PositionFactory(
        team=team,
        title=f"{name} designer",
        status="filled",
        opened_on=TODAY - timedelta(days=40),
        filled_on=TODAY - timedelta(days=10),
    )
    ApplicationFactory(
        position=filled,
        stage="hired",
        candidate=CandidateFactory(full_name=f"Grace Hired {slug}"),
    )
    return product, opened, filled


def interview_for(position, interviewer):
    """Make `interviewer` an interviewer on the position (a PM then sees its names)."""
    return InterviewFactory(
        application=ApplicationFactory(
            position=position,
            stage="interview",
            candidate=CandidateFactory(full_name="Ivy Interviewed"),
        ),
        interviewer=interviewer,
    )
