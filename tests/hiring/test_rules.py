"""Team, position, candidate and application rules; the health signal; constraints."""

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from hiring import selectors, services
from hiring.models import (
    Application,
    Interview,
    Position,
    PositionStatus,
    Stage,
    StageMove,
    Team,
)
from portfolio.signals import product_data_changed
from tests.factories.hiring import (
    ApplicationFactory,
    CandidateFactory,
    InterviewFactory,
    PositionFactory,
    TeamFactory,
)
from tests.factories.portfolio import ProductFactory

API = "/api/v1"
pytestmark = pytest.mark.django_db


@pytest.fixture
def signals():
    received = []

    def receiver(sender, product_ids, **kwargs):
        received.append(product_ids)

    product_data_changed.connect(receiver)
    yield received
    product_data_changed.disconnect(receiver)


# --- teams and the health signal ----------------------------------------------------


def test_headcount_change_tells_health_once_committed(
    signals, users, api_as, django_capture_on_commit_callbacks
):
    team = TeamFactory()

    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(users["recruiter"]).patch(
            f"{API}/teams/{team.pk}/", {"planned_headcount": 8}
        )

    assert response.status_code == 200
    assert signals == [[team.product_id]]


def test_moving_a_team_tells_health_about_both_products(
    signals, users, django_capture_on_commit_callbacks
):
    team = TeamFactory()
    old, new = team.product, ProductFactory()

    with django_capture_on_commit_callbacks(execute=True):
        services.team_update(team=team, actor=users["cpo"], data={"product": new})

    assert signals == [sorted([old.pk, new.pk])]


def test_renaming_a_team_does_not_bother_health(
    signals, users, django_capture_on_commit_callbacks
):
    team = TeamFactory()

    with django_capture_on_commit_callbacks(execute=True):
        services.team_update(team=team, actor=users["cpo"], data={"name": "Renamed"})

    assert signals == []


def test_creating_and_deleting_a_team_tell_health(
    signals, users, django_capture_on_commit_callbacks
):
    product = ProductFactory()

    with django_capture_on_commit_callbacks(execute=True):
        team = services.team_create(
            actor=users["cpo"], name="Squad", product=product, planned_headcount=3
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.team_delete(team=team, actor=users["cpo"])

    assert signals == [[product.pk], [product.pk]]


@pytest.mark.parametrize("field", ["planned_headcount", "current_headcount"])
def test_negative_headcount_is_a_400(field, users, api_as):
    team = TeamFactory()

    response = api_as(users["cpo"]).patch(f"{API}/teams/{team.pk}/", {field: -1})

    assert response.status_code == 400
    assert list(response.json()) == [field]
    team.refresh_from_db()
    assert getattr(team, field) >= 0


@pytest.mark.parametrize("field", ["planned_headcount", "current_headcount"])
def test_database_refuses_negative_headcounts(field):
    team = TeamFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Team.objects.filter(pk=team.pk).update(**{field: -1})


def test_team_with_positions_cannot_be_deleted(users, api_as):
    position = PositionFactory()

    response = api_as(users["cpo"]).delete(f"{API}/teams/{position.team_id}/")

    assert response.status_code == 409
    assert "1 position" in response.json()["detail"]
    assert Team.objects.filter(pk=position.team_id).exists()


def test_product_with_a_team_cannot_be_deleted(users, api_as):
    team = TeamFactory()

    response = api_as(users["cpo"]).delete(f"{API}/products/{team.product_id}/")

    assert response.status_code == 409
    assert "1 team" in response.json()["detail"]


def test_duplicate_team_name_within_a_product_is_a_400(users, api_as):
    team = TeamFactory(name="Core")

    response = api_as(users["cpo"]).post(
        f"{API}/teams/", {"name": "Core", "product": team.product_id}
    )

    assert response.status_code == 400
    assert Team.objects.filter(name="Core").count() == 1


def test_team_answers_its_open_positions_and_gap(users, api_as):
    team = TeamFactory(planned_headcount=6, current_headcount=2)
    PositionFactory(team=team)
    PositionFactory(team=team, status=PositionStatus.ON_HOLD)

    body = api_as(users["executive"]).get(f"{API}/teams/{team.pk}/").json()

    assert (body["open_positions"], body["understaffed_by"]) == (1, 4)


# --- positions ---------------------------------------------------------------------


def test_position_becoming_open_without_a_date_gets_today(users, api_as):
    position = PositionFactory(status=PositionStatus.DRAFT)
    assert position.opened_on is None

    response = api_as(users["recruiter"]).patch(
        f"{API}/positions/{position.pk}/", {"status": "open"}
    )

    assert response.status_code == 200
    assert response.json()["opened_on"] == timezone.localdate().isoformat()
    position.refresh_from_db()
    assert position.opened_on == timezone.localdate()


def test_reopened_position_keeps_its_first_opening_date(users):
    opened = timezone.localdate() - timedelta(days=40)
    position = PositionFactory(status=PositionStatus.ON_HOLD, opened_on=opened)

    services.position_update(
        position=position, actor=users["cpo"], data={"status": "open"}
    )

    position.refresh_from_db()
    assert position.opened_on == opened


def test_open_position_created_without_a_date_gets_today(users):
    today = date(2026, 3, 3)

    position = services.position_create(
        actor=users["recruiter"],
        team=TeamFactory(),
        title="PM",
        status="open",
        today=today,
    )

    assert position.opened_on == today


def test_open_position_sent_a_null_date_gets_today(users, api_as):
    position = PositionFactory(status=PositionStatus.OPEN)

    response = api_as(users["recruiter"]).patch(
        f"{API}/positions/{position.pk}/", {"opened_on": None}
    )

    assert response.status_code == 200
    assert response.json()["opened_on"] == timezone.localdate().isoformat()


@pytest.mark.parametrize("how", ["create", "update"])
def test_filled_cannot_be_set_by_hand(how, users, api_as):
    client = api_as(users["recruiter"])
    position = PositionFactory()

    if how == "create":
        response = client.post(
            f"{API}/positions/",
            {"team": position.team_id, "title": "X", "status": "filled"},
        )
    else:
        response = client.patch(f"{API}/positions/{position.pk}/", {"status": "filled"})

    assert response.status_code == 400
    assert "moves to 'hired'" in response.json()["status"][0]
    position.refresh_from_db()
    assert position.status == "open"
    assert Position.objects.count() == 1


def test_filled_position_stays_filled(users, api_as):
    position = PositionFactory(status=PositionStatus.FILLED)

    response = api_as(users["recruiter"]).patch(
        f"{API}/positions/{position.pk}/", {"status": "open"}
    )

    assert response.status_code == 400
    assert response.json() == {
        "status": ["A filled position stays filled; open a new position instead."]
    }


def test_filled_on_is_read_only(users, api_as):
    position = PositionFactory()

    response = api_as(users["recruiter"]).patch(
        f"{API}/positions/{position.pk}/", {"filled_on": "2026-01-01"}
    )

    assert response.status_code == 200
    position.refresh_from_db()
    assert position.filled_on is None


def test_opened_on_in_the_future_is_a_400(users, api_as):
    position = PositionFactory()
    tomorrow = timezone.localdate() + timedelta(days=1)

    response = api_as(users["recruiter"]).patch(
        f"{API}/positions/{position.pk}/", {"opened_on": tomorrow.isoformat()}
    )

    assert response.status_code == 400
    assert response.json() == {
        "opened_on": ["A position cannot be opened in the future."]
    }


def test_target_before_opening_is_a_400(users, api_as):
    position = PositionFactory(opened_on=date(2026, 2, 1))

    response = api_as(users["recruiter"]).patch(
        f"{API}/positions/{position.pk}/", {"target_fill_date": "2026-01-15"}
    )

    assert response.status_code == 400
    assert response.json() == {"target_fill_date": ["Must not be before opened_on."]}


def test_position_filters(users, api_as):
    team = TeamFactory()
    wanted = PositionFactory(team=team, status=PositionStatus.ON_HOLD)
    PositionFactory(team=team)
    PositionFactory(status=PositionStatus.ON_HOLD)
    client = api_as(users["executive"])

    by_both = client.get(f"{API}/positions/?team={team.pk}&status=on_hold").json()
    by_product = client.get(f"{API}/positions/?product={team.product_id}").json()

    assert [p["id"] for p in by_both["results"]] == [wanted.pk]
    assert by_product["count"] == 2
    assert by_both["results"][0]["product"] == team.product_id


def test_database_refuses_an_open_position_without_a_date():
    position = PositionFactory(status=PositionStatus.DRAFT)

    with pytest.raises(IntegrityError), transaction.atomic():
        Position.objects.filter(pk=position.pk).update(status="open")


def test_database_refuses_filled_on_without_filled_status():
    position = PositionFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Position.objects.filter(pk=position.pk).update(filled_on=date(2026, 1, 1))


# --- candidates, applications, interviews --------------------------------------------


def test_same_candidate_twice_for_one_position_is_a_400(users, api_as):
    application = ApplicationFactory()

    response = api_as(users["recruiter"]).post(
        f"{API}/applications/",
        {"candidate": application.candidate_id, "position": application.position_id},
    )

    assert response.status_code == 400
    assert Application.objects.count() == 1


def test_database_refuses_a_duplicate_application():
    application = ApplicationFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.create(
            candidate=application.candidate, position=application.position
        )


@pytest.mark.parametrize("status", ["filled", "cancelled"])
def test_closed_positions_take_no_new_applications(status, users, api_as):
    position = PositionFactory(status=status)

    response = api_as(users["recruiter"]).post(
        f"{API}/applications/",
        {"candidate": CandidateFactory().pk, "position": position.pk},
    )

    assert response.status_code == 400
    assert response.json() == {
        "position": [f"The position is {status}; it takes no new applications."]
    }


def test_application_candidate_and_position_are_fixed(users, api_as):
    application = ApplicationFactory()

    response = api_as(users["recruiter"]).patch(
        f"{API}/applications/{application.pk}/", {"position": PositionFactory().pk}
    )

    assert response.status_code == 400
    assert list(response.json()) == ["position"]


def test_rejection_reason_is_kept_for_rejected_applications_only(users, api_as):
    open_one = ApplicationFactory(stage=Stage.SCREENING)
    rejected = ApplicationFactory(stage=Stage.REJECTED, rejection_reason="Too junior")
    client = api_as(users["recruiter"])

    refused = client.patch(
        f"{API}/applications/{open_one.pk}/", {"rejection_reason": "Maybe"}
    )
    corrected = client.patch(
        f"{API}/applications/{rejected.pk}/", {"rejection_reason": "Too junior (L4)"}
    )

    assert refused.status_code == 400
    assert list(refused.json()) == ["rejection_reason"]
    assert corrected.status_code == 200
    assert corrected.json()["rejection_reason"] == "Too junior (L4)"


def test_database_refuses_a_rejection_reason_on_an_open_application():
    application = ApplicationFactory(stage=Stage.SCREENING)

    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.filter(pk=application.pk).update(rejection_reason="x")


def test_database_refuses_entering_a_stage_twice():
    application = ApplicationFactory(stage=Stage.SCREENING)

    with pytest.raises(IntegrityError), transaction.atomic():
        StageMove.objects.create(
            application=application, from_stage="applied", to_stage="screening"
        )


@pytest.mark.parametrize("rating", [0, 5])
def test_database_refuses_ratings_outside_1_to_4(rating):
    interview = InterviewFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Interview.objects.filter(pk=interview.pk).update(rating=rating)


def test_application_with_interviews_cannot_be_deleted(users, api_as):
    interview = InterviewFactory()

    response = api_as(users["recruiter"]).delete(
        f"{API}/applications/{interview.application_id}/"
    )

    assert response.status_code == 409
    assert "1 interview" in response.json()["detail"]


def test_interview_cannot_move_to_another_application(users, api_as):
    interview = InterviewFactory()

    response = api_as(users["recruiter"]).patch(
        f"{API}/interviews/{interview.pk}/",
        {"application": ApplicationFactory().pk},
    )

    assert response.status_code == 400
    assert response.json() == {
        "application": ["An interview cannot move to another application."]
    }


def test_candidate_source_must_be_known(users, api_as):
    response = api_as(users["recruiter"]).post(
        f"{API}/candidates/", {"full_name": "A Person", "source": "linkedin"}
    )

    assert response.status_code == 400
    assert list(response.json()) == ["source"]


def test_applications_filter_by_stage_and_team(users, api_as):
    team = TeamFactory()
    wanted = ApplicationFactory(position=PositionFactory(team=team), stage="offer")
    ApplicationFactory(position=PositionFactory(team=team))
    ApplicationFactory(stage="offer")
    client = api_as(users["recruiter"])

    body = client.get(f"{API}/applications/?team={team.pk}&stage=offer").json()
    several = client.get(f"{API}/applications/?stage=offer&stage=applied").json()

    assert [a["id"] for a in body["results"]] == [wanted.pk]
    assert several["count"] == 3


def test_boolean_filters_take_true_or_false_only(users, api_as):
    done = InterviewFactory(completed_at=timezone.now())
    InterviewFactory()
    client = api_as(users["recruiter"])

    completed = client.get(f"{API}/interviews/?completed=true").json()
    bad = client.get(f"{API}/interviews/?completed=null")
    anonymised = client.get(f"{API}/candidates/?anonymised=yes")

    assert [i["id"] for i in completed["results"]] == [done.pk]
    assert bad.status_code == anonymised.status_code == 400
    assert bad.json() == {"completed": ["Must be true or false."]}


def test_staffing_by_product_sums_teams_in_one_query(django_assert_num_queries):
    product, other = ProductFactory(), ProductFactory()
    TeamFactory(product=product, planned_headcount=5, current_headcount=3)
    TeamFactory(product=product, planned_headcount=2, current_headcount=2)
    TeamFactory(product=other, planned_headcount=0, current_headcount=1)
    TeamFactory(product=None, planned_headcount=9, current_headcount=9)

    with django_assert_num_queries(1):
        everything = selectors.staffing_by_product()
    only = selectors.staffing_by_product(product_ids=[other.pk])

    assert everything == {product.pk: (7, 5), other.pk: (0, 1)}
    assert only == {other.pk: (0, 1)}


@pytest.mark.parametrize(
    ("url", "param"),
    [
        ("/candidates/?source=", "source"),
        ("/positions/?team=", "team"),
        ("/positions/?status=open&status=", "status"),
        ("/applications/?stage=", "stage"),
        ("/applications/?candidate=", "candidate"),
        ("/interviews/?kind=", "kind"),
        ("/teams/?product=", "product"),
    ],
)
def test_a_filter_sent_empty_is_a_400(url, param, users, api_as):
    response = api_as(users["cpo"]).get(f"{API}{url}")

    assert response.status_code == 400
    assert list(response.json()) == [param]
