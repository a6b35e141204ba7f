"""The stage machine: every legal and illegal move, the move record, the movers,
and the hire's effects (atomic)."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import IntegrityError

from hiring import services
from hiring.models import (
    TRANSITIONS,
    Application,
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
    PositionFactory,
    TeamFactory,
)

API = "/api/v1"
pytestmark = pytest.mark.django_db

LEGAL = {
    ("applied", "screening"),
    ("screening", "interview"),
    ("interview", "offer"),
    ("offer", "hired"),
    *((s, "rejected") for s in ("applied", "screening", "interview", "offer")),
    *((s, "withdrawn") for s in ("applied", "screening", "interview", "offer")),
}
ALL_PAIRS = [(a, b) for a in Stage.values for b in Stage.values]
ILLEGAL = [pair for pair in ALL_PAIRS if pair not in LEGAL]


def move(client, application, stage, reason="Because."):
    return client.post(
        f"{API}/applications/{application.pk}/move/",
        {"stage": stage, "reason": reason},
    )


def snapshot(application):
    application.refresh_from_db()
    position = Position.objects.get(pk=application.position_id)
    team = Team.objects.get(pk=position.team_id)
    return (
        application.stage,
        application.stage_changed_at,
        application.rejection_reason,
        application.updated_at,
        list(StageMove.objects.filter(application=application).values_list("pk")),
        position.status,
        position.filled_on,
        team.current_headcount,
        application.history.count(),
    )


def test_the_transition_map_is_exactly_the_spec():
    pairs = {(a, b) for a, targets in TRANSITIONS.items() for b in targets}
    assert pairs == LEGAL


@pytest.mark.parametrize(("from_stage", "to_stage"), sorted(LEGAL))
def test_legal_move_changes_the_stage_and_records_it(
    from_stage, to_stage, users, api_as
):
    recruiter = users["recruiter"]
    application = ApplicationFactory(stage=from_stage)
    before = StageMove.objects.filter(application=application).count()

    response = move(api_as(recruiter), application, to_stage, reason="  Why not.  ")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == application.pk
    assert body["stage"] == to_stage
    application.refresh_from_db()
    assert application.stage == to_stage
    moves = list(StageMove.objects.filter(application=application).order_by("id"))
    assert len(moves) == before + 1
    last = moves[-1]
    assert (last.from_stage, last.to_stage, last.by, last.reason) == (
        from_stage,
        to_stage,
        recruiter,
        "Why not.",
    )
    assert application.stage_changed_at == last.at
    assert application.history.first().history_user == recruiter


@pytest.mark.parametrize(("from_stage", "to_stage"), ILLEGAL)
def test_illegal_move_is_a_400_naming_both_stages_and_changes_nothing(
    from_stage, to_stage, users, api_as
):
    application = ApplicationFactory(stage=from_stage)
    before = snapshot(application)

    response = move(api_as(users["recruiter"]), application, to_stage)

    assert response.status_code == 400
    (message,) = response.json()["stage"]
    assert f"from '{from_stage}' to '{to_stage}'" in message
    assert snapshot(application) == before


def test_illegal_move_message_lists_the_allowed_moves(users, api_as):
    application = ApplicationFactory(stage=Stage.APPLIED)

    response = move(api_as(users["recruiter"]), application, Stage.OFFER)

    assert response.json() == {
        "stage": [
            "An application cannot move from 'applied' to 'offer'. From 'applied' "
            "it can move to: rejected, screening, withdrawn."
        ]
    }


def test_final_stage_message_says_it_is_final(users, api_as):
    application = ApplicationFactory(stage=Stage.HIRED)

    response = move(api_as(users["recruiter"]), application, Stage.REJECTED)

    assert response.json() == {
        "stage": [
            "An application cannot move from 'hired' to 'rejected'. 'hired' is final."
        ]
    }


def test_unknown_stage_is_a_400(users, api_as):
    application = ApplicationFactory()

    response = move(api_as(users["recruiter"]), application, "promoted")

    assert response.status_code == 400
    assert list(response.json()) == ["stage"]
    application.refresh_from_db()
    assert application.stage == Stage.APPLIED


def test_rejection_keeps_its_reason(users, api_as):
    application = ApplicationFactory(stage=Stage.INTERVIEW, rejection_reason="")

    response = move(
        api_as(users["cpo"]), application, Stage.REJECTED, reason="No system design."
    )

    assert response.status_code == 200
    assert response.json()["rejection_reason"] == "No system design."
    application.refresh_from_db()
    assert application.rejection_reason == "No system design."
    assert application.moves.last().reason == "No system design."


def test_rejection_without_a_reason_is_a_400(users, api_as):
    application = ApplicationFactory(stage=Stage.SCREENING)
    before = snapshot(application)

    response = move(api_as(users["recruiter"]), application, Stage.REJECTED, "  ")

    assert response.status_code == 400
    assert response.json() == {"reason": ["A rejection needs a reason."]}
    assert snapshot(application) == before


def test_withdrawal_may_go_without_a_reason(users, api_as):
    application = ApplicationFactory(stage=Stage.OFFER)

    response = move(api_as(users["recruiter"]), application, Stage.WITHDRAWN, "")

    assert response.status_code == 200
    application.refresh_from_db()
    assert (application.stage, application.rejection_reason) == ("withdrawn", "")


def test_stage_is_read_only_on_patch_and_put(users, api_as):
    application = ApplicationFactory(stage=Stage.APPLIED)
    client = api_as(users["recruiter"])
    url = f"{API}/applications/{application.pk}/"

    patched = client.patch(url, {"stage": "hired"})
    put = client.put(
        url,
        {
            "candidate": application.candidate_id,
            "position": application.position_id,
            "stage": "offer",
        },
    )

    assert patched.status_code == 200
    assert put.status_code == 200
    application.refresh_from_db()
    assert application.stage == Stage.APPLIED
    assert not application.moves.exists()


def test_new_application_starts_applied_whatever_is_sent(users, api_as):
    position = PositionFactory()
    candidate = CandidateFactory()

    response = api_as(users["recruiter"]).post(
        f"{API}/applications/",
        {"candidate": candidate.pk, "position": position.pk, "stage": "offer"},
    )

    assert response.status_code == 201, response.content
    assert response.json()["stage"] == "applied"
    assert Application.objects.get(pk=response.json()["id"]).stage == "applied"


# --- who may move --------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("cpo", 200),
        ("recruiter", 200),
        ("hiring_manager", 200),
        ("interviewer_pm", 403),
        ("unrelated_pm", 404),
        ("executive", 403),
        ("integration", 403),
        ("nobody", 403),
        ("anonymous", 401),
    ],
)
def test_only_the_movers_of_the_spec_may_move(
    who, status, world, users, api_as, api_client, make_user
):
    application = world["applications"]["alice"]  # the PM is hiring manager
    interviewed = world["applications"]["bob"]  # the PM only interviews here
    actor = {
        "hiring_manager": users["product_manager"],
        "interviewer_pm": users["product_manager"],
        "unrelated_pm": make_user("product_manager", username="unrelated-pm"),
    }.get(who) or users.get(who)
    target = interviewed if who == "interviewer_pm" else application
    client = api_client if who == "anonymous" else api_as(actor)
    before = snapshot(target)

    response = move(
        client, target, Stage.SCREENING if who != "interviewer_pm" else Stage.OFFER
    )

    assert response.status_code == status, response.content
    if status == 200:
        target.refresh_from_db()
        assert target.stage == Stage.SCREENING
    else:
        assert snapshot(target) == before
    if status == 403 and who == "interviewer_pm":
        assert response.json() == {"detail": services.MOVE_NOT_ALLOWED}


def test_404_for_an_unseen_application_does_not_name_the_candidate(world, api_as, pm):
    carol_app = world["applications"]["carol"]

    response = move(api_as(pm), carol_app, Stage.REJECTED, "Nope")

    assert response.status_code == 404
    assert b"Carol" not in response.content
    assert b"carol" not in response.content


# --- hiring ------------------------------------------------------------------


@pytest.mark.parametrize(
    "status", [PositionStatus.DRAFT, PositionStatus.ON_HOLD, PositionStatus.CANCELLED]
)
def test_hire_needs_the_position_open_and_names_its_status(status, users, api_as):
    position = PositionFactory(status=PositionStatus.OPEN)
    application = ApplicationFactory(stage=Stage.OFFER, position=position)
    Position.objects.filter(pk=position.pk).update(status=status)
    before = snapshot(application)

    response = move(api_as(users["recruiter"]), application, Stage.HIRED)

    assert response.status_code == 400
    assert response.json() == {
        "stage": [
            f"The position is {status}; an application can move to 'hired' only "
            "while its position is open."
        ]
    }
    assert snapshot(application) == before


def test_second_hire_into_a_filled_position_is_refused(users, api_as):
    position = PositionFactory()
    first = ApplicationFactory(stage=Stage.OFFER, position=position)
    second = ApplicationFactory(stage=Stage.OFFER, position=position)
    client = api_as(users["recruiter"])

    assert move(client, first, Stage.HIRED).status_code == 200
    response = move(client, second, Stage.HIRED)

    assert response.status_code == 400
    assert "The position is filled" in response.json()["stage"][0]
    second.refresh_from_db()
    assert second.stage == Stage.OFFER
    assert Team.objects.get(pk=position.team_id).current_headcount == 4


def test_hire_fills_the_position_today_and_adds_one_to_the_team(
    users, api_as, django_capture_on_commit_callbacks
):
    team = TeamFactory(planned_headcount=5, current_headcount=3)
    position = PositionFactory(team=team, opened_on=date(2026, 1, 5))
    application = ApplicationFactory(stage=Stage.OFFER, position=position)
    received = []

    def receiver(sender, product_ids, **kwargs):
        received.append(product_ids)

    product_data_changed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = move(api_as(users["recruiter"]), application, Stage.HIRED)
    finally:
        product_data_changed.disconnect(receiver)

    assert response.status_code == 200
    position.refresh_from_db()
    team.refresh_from_db()
    assert position.status == PositionStatus.FILLED
    assert position.filled_on == application.moves.last().at.date()
    assert team.current_headcount == 4
    assert team.history.first().history_user == users["recruiter"]
    assert position.history.first().history_user == users["recruiter"]
    assert received == [[team.product_id]]


def test_hire_uses_the_date_of_the_move(users):
    position = PositionFactory(opened_on=date(2026, 1, 5))
    application = ApplicationFactory(stage=Stage.OFFER, position=position)

    services.application_move(
        application=application,
        actor=users["recruiter"],
        stage=Stage.HIRED,
        now=datetime(2026, 2, 20, 9, 0, tzinfo=UTC),
    )

    position.refresh_from_db()
    assert position.filled_on == date(2026, 2, 20)


def test_hire_effects_are_atomic_when_the_team_update_fails(users, monkeypatch):
    team = TeamFactory(current_headcount=3)
    position = PositionFactory(team=team)
    application = ApplicationFactory(stage=Stage.OFFER, position=position)
    before = snapshot(application)
    original_save = Team.save

    def failing_save(self, *args, **kwargs):
        if kwargs.get("update_fields") == ["current_headcount", "updated_at"]:
            raise IntegrityError("the database went away mid-hire")
        return original_save(self, *args, **kwargs)

    monkeypatch.setattr(Team, "save", failing_save)

    with pytest.raises(IntegrityError):
        services.application_move(
            application=application, actor=users["recruiter"], stage=Stage.HIRED
        )

    assert snapshot(application) == before
    position.refresh_from_db()
    assert (position.status, position.filled_on) == ("open", None)


def test_hire_into_a_team_without_product_sends_no_signal(
    users, django_capture_on_commit_callbacks
):
    position = PositionFactory(team=TeamFactory(product=None))
    application = ApplicationFactory(stage=Stage.OFFER, position=position)

    with django_capture_on_commit_callbacks() as callbacks:
        services.application_move(
            application=application, actor=users["cpo"], stage=Stage.HIRED
        )

    assert callbacks == []


def test_hire_never_fills_before_the_position_opened(users):
    today = date(2026, 3, 1)
    position = PositionFactory(opened_on=today)
    application = ApplicationFactory(stage=Stage.OFFER, position=position)

    services.application_move(
        application=application,
        actor=users["cpo"],
        stage=Stage.HIRED,
        now=datetime(2026, 2, 28, 23, 0, tzinfo=UTC),
    )

    position.refresh_from_db()
    assert position.filled_on == today


# --- the record --------------------------------------------------------------


def test_moves_endpoint_lists_the_record_oldest_first(users, api_as):
    recruiter = users["recruiter"]
    application = ApplicationFactory(stage=Stage.APPLIED)
    client = api_as(recruiter)
    move(client, application, Stage.SCREENING, "CV fits")
    move(client, application, Stage.REJECTED, "Salary mismatch")

    response = client.get(f"{API}/applications/{application.pk}/moves/")

    assert response.status_code == 200
    body = response.json()
    assert [
        {k: m[k] for k in ("from_stage", "to_stage", "by", "reason")} for m in body
    ] == [
        {
            "from_stage": "applied",
            "to_stage": "screening",
            "by": recruiter.pk,
            "reason": "CV fits",
        },
        {
            "from_stage": "screening",
            "to_stage": "rejected",
            "by": recruiter.pk,
            "reason": "Salary mismatch",
        },
    ]
    assert set(body[0]) == {"from_stage", "to_stage", "at", "by", "reason"}
    assert body[0]["at"] <= body[1]["at"]


@pytest.mark.parametrize(
    ("role", "status"),
    [("executive", 403), ("integration", 403), ("recruiter", 200), ("cpo", 200)],
)
def test_moves_endpoint_follows_application_access(role, status, users, api_as):
    application = ApplicationFactory(stage=Stage.SCREENING)

    response = api_as(users[role]).get(f"{API}/applications/{application.pk}/moves/")

    assert response.status_code == status


def test_moves_endpoint_is_404_for_a_pm_outside_their_positions(world, api_as, pm):
    response = api_as(pm).get(
        f"{API}/applications/{world['applications']['carol'].pk}/moves/"
    )

    assert response.status_code == 404


def test_system_moves_record_no_user():
    application = ApplicationFactory()

    services.application_move(
        application=application,
        actor=None,
        stage=Stage.SCREENING,
        now=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=1),
    )

    assert application.moves.get().by is None
