import pytest

from hiring.models import Stage
from tests.factories.hiring import (
    ApplicationFactory,
    CandidateFactory,
    InterviewFactory,
    PositionFactory,
    TeamFactory,
)
from tests.factories.portfolio import ProductFactory

API = "/api/v1"


@pytest.fixture
def pm(users):
    return users["product_manager"]


@pytest.fixture
def recruiter(users):
    return users["recruiter"]


@pytest.fixture
def cpo(users):
    return users["cpo"]


@pytest.fixture
def world(users, make_user):
    """Three positions seen differently by the `product_manager` user.

    - managed: the PM is its hiring manager (Alice Managed applies);
    - interviewed: the PM interviews Bob Interviewed there (Dan Sameposition
      applies there too);
    - other: nothing to do with the PM (Carol Hidden applies).
    """
    pm = users["product_manager"]
    product = ProductFactory(name="Own product", slug="own-product", managers=[pm])
    team = TeamFactory(name="Own team", product=product)
    managed = PositionFactory(team=team, title="Managed role", hiring_manager=pm)
    interviewed = PositionFactory(team=team, title="Interviewed role")
    other = PositionFactory(title="Other role")

    alice = CandidateFactory(full_name="Alice Managed", email="alice@mail.example")
    bob = CandidateFactory(full_name="Bob Interviewed", email="bob@mail.example")
    dan = CandidateFactory(full_name="Dan Sameposition", email="dan@mail.example")
    carol = CandidateFactory(full_name="Carol Hidden", email="carol@mail.example")

    alice_app = ApplicationFactory(candidate=alice, position=managed)
    bob_app = ApplicationFactory(
        candidate=bob, position=interviewed, stage=Stage.INTERVIEW
    )
    dan_app = ApplicationFactory(candidate=dan, position=interviewed)
    carol_app = ApplicationFactory(
        candidate=carol, position=other, stage=Stage.INTERVIEW
    )
    bob_interview = InterviewFactory(application=bob_app, interviewer=pm)
    other_interviewer = make_user("product_manager", username="other-interviewer")
    carol_interview = InterviewFactory(
        application=carol_app, interviewer=other_interviewer, notes="Carol notes"
    )
    return {
        "pm": pm,
        "product": product,
        "team": team,
        "positions": {"managed": managed, "interviewed": interviewed, "other": other},
        "candidates": {"alice": alice, "bob": bob, "dan": dan, "carol": carol},
        "applications": {
            "alice": alice_app,
            "bob": bob_app,
            "dan": dan_app,
            "carol": carol_app,
        },
        "interviews": {"bob": bob_interview, "carol": carol_interview},
        "other_interviewer": other_interviewer,
    }
