"""Anonymisation (right to erasure): the personal data is gone from every table —
live rows, change history, notes, move reasons, interview notes, rejection
reasons, the admin log — and the funnel is unchanged."""

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client

from hiring import selectors, services
from hiring.models import Application, Candidate, Interview, Stage
from tests.factories.hiring import (
    ApplicationFactory,
    CandidateFactory,
    InterviewFactory,
    PositionFactory,
)

API = "/api/v1"
pytestmark = pytest.mark.django_db

NAME = "Zelda Quartermaine"
EMAIL = "zelda.q@private.example"
PHONE = "+44 7700 900123"
SECRETS = [NAME, "Quartermaine", EMAIL, PHONE, "loves-sailing", "zelda-reject"]


def tables_containing(text):
    """Every (table, column) in the database whose value contains the text."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            columns = connection.introspection.get_table_description(cursor, table)
            for column in columns:
                name = connection.ops.quote_name(column.name)
                cursor.execute(
                    f"SELECT 1 FROM {connection.ops.quote_name(table)} "  # noqa: S608
                    f"WHERE CAST({name} AS TEXT) LIKE %s LIMIT 1",
                    [f"%{text}%"],
                )
                if cursor.fetchone():
                    found.append((table, column.name))
    return found


@pytest.fixture
def zelda(users):
    """A candidate whose data has spread: edits, two applications, a rejection,
    interviews with notes, moves with reasons, an admin-log entry."""
    recruiter = users["recruiter"]
    candidate = services.candidate_create(
        actor=recruiter,
        full_name="Zelda Q.",
        source="referral",
        email=EMAIL,
        phone=PHONE,
        notes="Zelda loves-sailing; referred by Ann.",
    )
    services.candidate_update(
        candidate=candidate, actor=recruiter, data={"full_name": NAME}
    )
    first = services.application_create(
        actor=recruiter, candidate=candidate, position=PositionFactory()
    )
    services.application_move(
        application=first,
        actor=recruiter,
        stage=Stage.SCREENING,
        reason=f"{NAME} has a strong CV",
    )
    interview = services.interview_create(
        actor=recruiter,
        application=first,
        interviewer=users["product_manager"],
        kind="technical",
        scheduled_at="2026-02-01T10:00:00Z",
        notes=f"{NAME} was nervous",
    )
    services.interview_update(
        interview=interview,
        actor=recruiter,
        data={"rating": 2, "notes": f"{NAME}: weak on SQL"},
    )
    services.application_move(
        application=first,
        actor=recruiter,
        stage=Stage.REJECTED,
        reason=f"zelda-reject: {NAME} lacks depth",
    )
    second = services.application_create(
        actor=recruiter, candidate=candidate, position=PositionFactory()
    )
    services.application_move(
        application=second, actor=recruiter, stage=Stage.SCREENING, reason=EMAIL
    )
    LogEntry.objects.log_actions(
        user_id=recruiter.pk, queryset=[candidate], action_flag=CHANGE
    )
    candidate.refresh_from_db()
    return candidate


def test_the_fixture_spreads_the_data_it_claims(zelda):
    # Guards the test below: the secrets really are in several tables first.
    tables = {table for table, _ in tables_containing("Quartermaine")}
    assert {
        "hiring_candidate",
        "hiring_historicalcandidate",
        "hiring_stagemove",
        "hiring_interview",
        "hiring_historicalinterview",
        "hiring_application",
        "hiring_historicalapplication",
        "django_admin_log",
    } <= tables


def test_anonymise_leaves_the_old_values_in_no_table(zelda, users, api_as):
    response = api_as(users["recruiter"]).post(
        f"{API}/candidates/{zelda.pk}/anonymise/"
    )

    assert response.status_code == 200, response.content
    for secret in SECRETS:
        assert tables_containing(secret) == [], secret


def test_anonymise_answers_the_anonymised_candidate(zelda, users, api_as):
    body = api_as(users["cpo"]).post(f"{API}/candidates/{zelda.pk}/anonymise/").json()

    assert body["full_name"] == services.ANONYMISED_NAME
    assert (body["email"], body["phone"], body["notes"]) == ("", "", "")
    assert body["source"] == "referral"
    assert body["anonymised_at"] is not None


def test_anonymise_keeps_the_funnel(zelda, users, api_as):
    client = api_as(users["recruiter"])
    before = client.get(f"{API}/hiring/funnel/").json()

    client.post(f"{API}/candidates/{zelda.pk}/anonymise/")

    assert client.get(f"{API}/hiring/funnel/").json() == before
    assert before["stages"][0] == {"stage": "applied", "current": 0, "reached": 2}


def test_anonymise_keeps_applications_stages_moves_and_ratings(zelda, users):
    applications = list(zelda.applications.order_by("pk"))
    moves_before = [
        list(a.moves.values_list("from_stage", "to_stage")) for a in applications
    ]

    services.candidate_anonymise(candidate=zelda, actor=users["recruiter"])

    after = list(Application.objects.filter(candidate=zelda).order_by("pk"))
    assert [a.stage for a in after] == ["rejected", "screening"]
    assert after[0].rejection_reason == services.ANONYMISED_TEXT
    assert [list(a.moves.values_list("from_stage", "to_stage")) for a in after] == (
        moves_before
    )
    interview = Interview.objects.get(application=after[0])
    assert (interview.rating, interview.notes) == (2, services.ANONYMISED_TEXT)


def test_anonymised_candidate_cannot_be_edited_or_apply_again(zelda, users, api_as):
    client = api_as(users["recruiter"])
    client.post(f"{API}/candidates/{zelda.pk}/anonymise/")

    edit = client.patch(f"{API}/candidates/{zelda.pk}/", {"full_name": NAME})
    apply = client.post(
        f"{API}/applications/",
        {"candidate": zelda.pk, "position": PositionFactory().pk},
    )

    assert edit.status_code == 400
    assert edit.json() == {
        "non_field_errors": [
            "This candidate was anonymised; the record cannot be edited."
        ]
    }
    assert apply.status_code == 400
    assert apply.json() == {
        "candidate": ["An anonymised candidate cannot apply again."]
    }
    zelda.refresh_from_db()
    assert zelda.full_name == services.ANONYMISED_NAME


def test_anonymising_twice_changes_nothing_more(zelda, users, api_as):
    client = api_as(users["recruiter"])
    first = client.post(f"{API}/candidates/{zelda.pk}/anonymise/").json()
    history = zelda.history.count()

    second = client.post(f"{API}/candidates/{zelda.pk}/anonymise/")

    assert second.status_code == 200
    assert second.json() == first
    assert zelda.history.count() == history


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("product_manager", 403),
        ("executive", 403),
        ("integration", 403),
        ("nobody", 403),
    ],
)
def test_only_the_cpo_and_recruiters_anonymise(role, status, zelda, users, api_as):
    response = api_as(users[role]).post(f"{API}/candidates/{zelda.pk}/anonymise/")

    assert response.status_code == status
    assert NAME.encode() not in response.content
    zelda.refresh_from_db()
    assert zelda.full_name == NAME


def test_anonymise_a_missing_candidate_is_a_404(users, api_as):
    response = api_as(users["cpo"]).post(f"{API}/candidates/999999/anonymise/")

    assert response.status_code == 404


def test_admin_action_anonymises_through_the_service(zelda, users):
    client = Client()
    client.force_login(users["recruiter"])

    response = client.post(
        "/admin/hiring/candidate/",
        {"action": "anonymise_candidates", "_selected_action": [zelda.pk]},
    )

    assert response.status_code == 302
    zelda.refresh_from_db()
    assert zelda.is_anonymised
    for secret in SECRETS:
        assert tables_containing(secret) == [], secret


def test_admin_edits_then_anonymise_rewrite_the_admin_log(users):
    client = Client()
    client.force_login(users["recruiter"])
    candidate = CandidateFactory(full_name=NAME, email=EMAIL)
    client.post(
        f"/admin/hiring/candidate/{candidate.pk}/change/",
        {
            "full_name": NAME,
            "email": EMAIL,
            "phone": "",
            "source": "agency",
            "notes": "",
        },
    )
    ct = ContentType.objects.get_for_model(Candidate)
    assert LogEntry.objects.filter(content_type=ct, object_repr=NAME).exists()

    services.candidate_anonymise(candidate=candidate, actor=users["recruiter"])

    assert not LogEntry.objects.filter(object_repr__contains="Quartermaine").exists()
    assert tables_containing("Quartermaine") == []


def test_deleting_a_candidate_leaves_no_personal_data(users, api_as):
    candidate = CandidateFactory(full_name=NAME, email=EMAIL, phone=PHONE)

    response = api_as(users["cpo"]).delete(f"{API}/candidates/{candidate.pk}/")

    assert response.status_code == 204
    assert not Candidate.objects.filter(pk=candidate.pk).exists()
    for secret in SECRETS[:4]:
        assert tables_containing(secret) == [], secret


def test_candidate_with_applications_cannot_be_deleted(users, api_as):
    application = ApplicationFactory()

    response = api_as(users["cpo"]).delete(
        f"{API}/candidates/{application.candidate_id}/"
    )

    assert response.status_code == 409
    assert "Anonymise the candidate instead." in response.json()["detail"]


def test_anonymise_covers_applications_deleted_before(users):
    recruiter = users["recruiter"]
    candidate = CandidateFactory(full_name=NAME)
    application = ApplicationFactory(
        candidate=candidate, stage=Stage.REJECTED, rejection_reason="zelda-reject"
    )
    interview = InterviewFactory(application=application, notes="loves-sailing")
    interview.notes = "loves-sailing again"
    interview.save()
    services.interview_delete(interview=interview, actor=recruiter)
    services.application_delete(application=application, actor=recruiter)

    services.candidate_anonymise(candidate=candidate, actor=recruiter)

    assert tables_containing("loves-sailing") == []
    assert tables_containing("Quartermaine") == []


def test_funnel_counts_anonymised_applications(users):
    application = ApplicationFactory(stage=Stage.OFFER)
    before = selectors.hiring_funnel()

    services.candidate_anonymise(candidate=application.candidate, actor=users["cpo"])

    assert selectors.hiring_funnel() == before
