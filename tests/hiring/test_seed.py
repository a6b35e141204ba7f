import pytest
from django.db.models import Count, F

from accounts import seed as accounts_seed
from hiring import seed as hiring_seed
from hiring import selectors
from hiring.models import (
    Application,
    Candidate,
    Interview,
    Position,
    PositionStatus,
    Stage,
    StageMove,
    Team,
)
from portfolio import seed as portfolio_seed

pytestmark = pytest.mark.django_db


def run_seed():
    ctx = {"password": "demo-pass-123"}
    accounts_seed.seed_demo(ctx)
    portfolio_seed.seed_demo(ctx)
    hiring_seed.seed_demo(ctx)
    return ctx


def counts():
    return [
        m.objects.count()
        for m in (Team, Position, Candidate, Application, Interview, StageMove)
    ]


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seed once for the module (it takes a few seconds), and clean up after."""
    with django_db_blocker.unblock():
        from django.db import transaction

        with transaction.atomic():
            ctx = run_seed()
            first = counts()
            run_seed()
            yield ctx, first, counts()
            transaction.set_rollback(True)


def test_a_team_per_demo_product_some_understaffed(seeded):
    ctx, *_ = seeded
    assert Team.objects.count() == len(ctx["products"]) == 12
    assert set(Team.objects.values_list("product", flat=True)) == {
        p.pk for p in ctx["products"]
    }
    understaffed = Team.objects.filter(current_headcount__lt=F("planned_headcount"))
    assert understaffed.count() >= 5


def test_positions_in_every_status(seeded):
    assert Position.objects.count() >= 15
    assert set(Position.objects.values_list("status", flat=True)) == set(
        PositionStatus.values
    )


def test_candidates_over_every_stage_with_their_moves(seeded):
    assert Candidate.objects.count() >= 60
    by_stage = dict(
        Application.objects.values_list("stage").annotate(n=Count("id")).order_by()
    )
    assert set(by_stage) == set(Stage.values)
    assert by_stage[Stage.HIRED] >= 3
    assert by_stage[Stage.REJECTED] >= 3
    moved = Application.objects.exclude(stage=Stage.APPLIED)
    assert not moved.filter(moves__isnull=True).exists()
    assert not Application.objects.filter(
        stage=Stage.REJECTED, rejection_reason=""
    ).exists()


def test_interviews_with_scorecards(seeded):
    scored = Interview.objects.filter(rating__isnull=False)
    assert scored.count() >= 10
    assert not scored.filter(recommendation="").exists()
    assert Interview.objects.filter(completed_at__isnull=True).exists()


def test_filled_positions_come_from_hires(seeded):
    filled = Position.objects.filter(status=PositionStatus.FILLED)
    assert filled.count() == Application.objects.filter(stage=Stage.HIRED).count()
    assert not filled.filter(filled_on__isnull=True).exists()
    funnel = selectors.hiring_funnel()
    assert funnel.median_time_to_fill_days is not None
    assert (
        sum(funnel.open_positions_by_age.values())
        == Position.objects.filter(status=PositionStatus.OPEN).count()
    )


def test_second_run_adds_nothing(seeded):
    _, first, second = seeded
    assert second == first
