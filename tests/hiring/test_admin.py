"""The admin: recruiters see hiring only; product managers see personal data only
in their scope (lists, search, change and history pages); the move action and the
interviews inline go through the services."""

import pytest
from django.test import Client

from hiring.models import Application, Interview, Stage
from tests.factories.hiring import (
    ApplicationFactory,
    CandidateFactory,
    PositionFactory,
    TeamFactory,
)

pytestmark = pytest.mark.django_db
HIDDEN = [b"Carol Hidden", b"carol@mail.example"]


def admin_client(user):
    client = Client()
    client.force_login(user)
    return client


def test_recruiter_admin_shows_hiring_only(users):
    client = admin_client(users["recruiter"])

    index = client.get("/admin/")
    products = client.get("/admin/portfolio/product/")
    users_page = client.get("/admin/accounts/user/")

    assert index.status_code == 200
    apps = {app["app_label"] for app in index.context["app_list"]}
    assert apps == {"hiring"}
    models = {m["object_name"] for m in index.context["app_list"][0]["models"]}
    assert models == {"Team", "Position", "Candidate", "Application", "Interview"}
    assert products.status_code == 403
    assert users_page.status_code == 403


@pytest.mark.parametrize("role", ["executive", "integration"])
def test_roles_without_admin_are_sent_to_the_login(role, users, world):
    client = admin_client(users[role])

    response = client.get("/admin/hiring/candidate/")

    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_pm_candidate_list_is_their_scope(world, pm):
    response = admin_client(pm).get("/admin/hiring/candidate/")

    assert response.status_code == 200
    names = sorted(c.full_name for c in response.context["cl"].result_list)
    assert names == ["Alice Managed", "Bob Interviewed", "Dan Sameposition"]
    for marker in HIDDEN:
        assert marker not in response.content


@pytest.mark.parametrize(
    "url",
    [
        "/admin/hiring/candidate/?q=Carol",
        "/admin/hiring/application/?q=Carol",
        "/admin/hiring/interview/?q=Carol",
        "/admin/hiring/application/?q=carol@mail",
    ],
)
def test_pm_admin_search_does_not_reach_others_candidates(url, world, pm):
    response = admin_client(pm).get(url)

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == []
    for marker in HIDDEN:
        assert marker not in response.content


def test_pm_admin_stage_filter_stays_in_scope(world, pm):
    response = admin_client(pm).get("/admin/hiring/application/?stage__exact=interview")

    assert list(response.context["cl"].result_list) == [world["applications"]["bob"]]
    for marker in HIDDEN:
        assert marker not in response.content


@pytest.mark.parametrize(
    "template",
    [
        "/admin/hiring/candidate/{carol}/change/",
        "/admin/hiring/candidate/{carol}/history/",
        "/admin/hiring/candidate/{carol}/history/{version}/",
        "/admin/hiring/application/{carol_app}/change/",
        "/admin/hiring/application/{carol_app}/history/",
        "/admin/hiring/interview/{carol_interview}/history/",
    ],
)
def test_pm_cannot_open_pages_of_others_candidates(template, world, pm):
    carol = world["candidates"]["carol"]
    url = template.format(
        carol=carol.pk,
        version=carol.history.first().history_id,
        carol_app=world["applications"]["carol"].pk,
        carol_interview=world["interviews"]["carol"].pk,
    )

    response = admin_client(pm).get(url, follow=True)

    assert response.status_code in {200, 403}
    for marker in [*HIDDEN, b"Carol notes"]:
        assert marker not in response.content
    if response.status_code == 200:
        # The admin's "does not exist" redirect to the index.
        assert response.redirect_chain
        assert response.redirect_chain[-1][0] == "/admin/"


def test_pm_reads_history_in_their_scope(world, pm):
    alice = world["candidates"]["alice"]

    response = admin_client(pm).get(f"/admin/hiring/candidate/{alice.pk}/history/")

    assert response.status_code == 200


def test_pm_sees_their_candidates_read_only(world, pm):
    alice = world["candidates"]["alice"]
    client = admin_client(pm)

    page = client.get(f"/admin/hiring/candidate/{alice.pk}/change/")
    post = client.post(
        f"/admin/hiring/candidate/{alice.pk}/change/",
        {"full_name": "Changed", "source": "inbound"},
    )

    assert page.status_code == 200
    assert b'name="full_name"' not in page.content
    assert post.status_code == 403
    alice.refresh_from_db()
    assert alice.full_name == "Alice Managed"


def move_action(client, applications, stage, reason=""):
    return client.post(
        "/admin/hiring/application/",
        {
            "action": "move_applications",
            "_selected_action": [a.pk for a in applications],
            "stage": stage,
            "reason": reason,
        },
        follow=True,
    )


def test_move_action_moves_through_the_service(users):
    recruiter = users["recruiter"]
    applications = [ApplicationFactory(), ApplicationFactory()]

    response = move_action(admin_client(recruiter), applications, "screening", "Good")

    assert response.status_code == 200
    assert "Moved 2 application(s) to &#x27;screening&#x27;." in (
        response.content.decode()
    )
    for application in applications:
        application.refresh_from_db()
        assert application.stage == Stage.SCREENING
        move = application.moves.get()
        assert (move.by, move.reason) == (recruiter, "Good")


def test_move_action_reports_an_illegal_move_and_changes_nothing(users):
    legal = ApplicationFactory(stage=Stage.OFFER)
    illegal = ApplicationFactory(stage=Stage.APPLIED)

    response = move_action(admin_client(users["cpo"]), [legal, illegal], "hired")

    text = response.content.decode()
    assert "cannot move from &#x27;applied&#x27; to &#x27;hired&#x27;" in text
    assert "Moved 1 application(s)" in text
    illegal.refresh_from_db()
    legal.refresh_from_db()
    assert (illegal.stage, legal.stage) == ("applied", "hired")


def test_move_action_for_a_pm_moves_only_where_they_are_hiring_manager(world, pm):
    alice_app = world["applications"]["alice"]
    dan_app = world["applications"]["dan"]

    response = move_action(admin_client(pm), [alice_app, dan_app], "screening")

    assert "Only the CPO, recruiters and the position" in response.content.decode()
    alice_app.refresh_from_db()
    dan_app.refresh_from_db()
    assert (alice_app.stage, dan_app.stage) == ("screening", "applied")


def test_application_stage_cannot_be_edited_in_the_admin(users):
    application = ApplicationFactory()

    page = admin_client(users["recruiter"]).get(
        f"/admin/hiring/application/{application.pk}/change/"
    )

    assert page.status_code == 200
    assert b'name="stage"' not in page.content
    assert b'name="interviews-TOTAL_FORMS"' in page.content


def test_interview_inline_saves_through_the_service(users):
    recruiter = users["recruiter"]
    application = ApplicationFactory(stage=Stage.INTERVIEW)
    moves = list(application.moves.all())
    data = {
        "rejection_reason": "",
        "interviews-TOTAL_FORMS": "1",
        "interviews-INITIAL_FORMS": "0",
        "interviews-MIN_NUM_FORMS": "0",
        "interviews-MAX_NUM_FORMS": "1000",
        "interviews-0-interviewer": users["product_manager"].pk,
        "interviews-0-kind": "product",
        "interviews-0-scheduled_at_0": "2026-04-01",
        "interviews-0-scheduled_at_1": "10:00:00",
        "interviews-0-rating": "3",
        "interviews-0-recommendation": "yes",
        "interviews-0-notes": "Solid",
        "moves-TOTAL_FORMS": str(len(moves)),
        "moves-INITIAL_FORMS": str(len(moves)),
        "moves-MIN_NUM_FORMS": "0",
        "moves-MAX_NUM_FORMS": "1000",
    }
    for i, move in enumerate(moves):
        data[f"moves-{i}-id"] = move.pk
        data[f"moves-{i}-application"] = application.pk

    response = admin_client(recruiter).post(
        f"/admin/hiring/application/{application.pk}/change/", data
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    interview = Interview.objects.get(application=application)
    assert (interview.kind, interview.rating, interview.notes) == (
        "product",
        3,
        "Solid",
    )
    assert interview.history.first().history_user == recruiter


def test_interviewer_edits_only_the_scorecard_in_the_admin(world, pm):
    interview = world["interviews"]["bob"]
    client = admin_client(pm)

    page = client.get(f"/admin/hiring/interview/{interview.pk}/change/")

    assert page.status_code == 200
    assert b'name="rating"' in page.content
    assert b'name="kind"' not in page.content


def test_product_admin_shows_the_teams_inline(users):
    team = TeamFactory(name="Payments squad", planned_headcount=7)

    page = admin_client(users["cpo"]).get(
        f"/admin/portfolio/product/{team.product_id}/change/"
    )

    assert page.status_code == 200
    assert b"Payments squad" in page.content


def test_application_admin_filters_by_stage(users):
    wanted = ApplicationFactory(stage=Stage.OFFER)
    ApplicationFactory(stage=Stage.APPLIED)

    response = admin_client(users["recruiter"]).get(
        "/admin/hiring/application/?stage__exact=offer"
    )

    assert list(response.context["cl"].result_list) == [wanted]
    assert Application.objects.count() == 2


def test_admin_form_shows_a_service_rule_instead_of_failing(users):
    position = PositionFactory(status="filled")
    candidate = CandidateFactory()
    client = admin_client(users["recruiter"])

    response = client.post(
        "/admin/hiring/application/add/",
        {
            "candidate": candidate.pk,
            "position": position.pk,
            "rejection_reason": "",
            "interviews-TOTAL_FORMS": "0",
            "interviews-INITIAL_FORMS": "0",
            "moves-TOTAL_FORMS": "0",
            "moves-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    assert "The position is filled; it takes no new applications." in (
        response.content.decode()
    )
    assert not Application.objects.filter(candidate=candidate).exists()


def test_admin_position_form_refuses_filled_by_hand(users):
    position = PositionFactory()
    client = admin_client(users["recruiter"])

    response = client.post(
        f"/admin/hiring/position/{position.pk}/change/",
        {
            "team": position.team_id,
            "title": position.title,
            "level": position.level,
            "status": "filled",
            "opened_on": position.opened_on.isoformat(),
            "target_fill_date": "",
            "hiring_manager": "",
        },
    )

    assert response.status_code == 200
    assert "it cannot be set by hand" in response.content.decode()
    position.refresh_from_db()
    assert position.status == "open"
    assert position.history.count() == 1


def test_admin_add_through_the_form_saves_once_with_history(users):
    team = TeamFactory()
    client = admin_client(users["recruiter"])

    response = client.post(
        "/admin/hiring/position/add/",
        {"team": team.pk, "title": "Designer", "level": "", "status": "open"},
    )

    assert response.status_code == 302
    from hiring.models import Position

    position = Position.objects.get(title="Designer")
    assert position.opened_on is not None
    assert position.history.count() == 1
    assert position.history.first().history_user == users["recruiter"]
