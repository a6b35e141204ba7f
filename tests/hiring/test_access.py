"""Each role's access to hiring (SPEC §3), and no personal field leaking to a role
that may not see it — through lists, details, search, filters, ordering, errors."""

import pytest

from hiring.models import Candidate, Interview, Team
from tests.factories.hiring import (
    CandidateFactory,
    InterviewFactory,
    PositionFactory,
    TeamFactory,
)
from tests.factories.portfolio import ProductFactory

API = "/api/v1"
pytestmark = pytest.mark.django_db
ROLES = ["cpo", "recruiter", "product_manager", "executive", "integration", "nobody"]
PERSONAL = ["candidates", "applications", "interviews"]
HIDDEN_MARKERS = [b"Carol", b"carol", b"Carol notes"]


def client_for(role, users, api_as, api_client):
    return api_client if role == "anonymous" else api_as(users[role])


def target(world, endpoint, which):
    """`which`: 'seen' (in the PM's scope) or 'hidden' (outside it)."""
    key = "bob" if which == "seen" else "carol"
    return {
        "candidates": world["candidates"],
        "applications": world["applications"],
        "interviews": world["interviews"],
    }[endpoint][key]


def create_body(endpoint, world, users):
    if endpoint == "candidates":
        return {"full_name": "New Person", "source": "referral"}
    if endpoint == "applications":
        return {
            "candidate": CandidateFactory().pk,
            "position": world["positions"]["other"].pk,
        }
    return {
        "application": world["applications"]["dan"].pk,
        "interviewer": users["recruiter"].pk,
        "kind": "culture",
        "scheduled_at": "2026-05-01T10:00:00Z",
    }


PATCH_BODY = {
    "candidates": {"notes": "Changed"},
    "applications": {},
    "interviews": {"notes": "Changed"},
}


def expected(role, endpoint, action):
    if role == "anonymous":
        return 401
    if role in {"executive", "integration", "nobody"}:
        return 403
    if role in {"cpo", "recruiter"}:
        return {"create": 201, "delete": 204}.get(action, 200)
    # product manager
    if action == "retrieve_hidden":
        return 404
    if action in {"list", "retrieve"}:
        return 200
    if endpoint == "interviews" and action == "patch":
        return 200  # their own interview's scorecard
    if endpoint == "interviews" and action == "patch_hidden":
        return 404
    return 403


ACTIONS = ["list", "retrieve", "retrieve_hidden", "create", "patch", "patch_hidden"]


def call(client, endpoint, action, world, users):
    seen = target(world, endpoint, "seen")
    hidden = target(world, endpoint, "hidden")
    if action == "list":
        return client.get(f"{API}/{endpoint}/")
    if action == "retrieve":
        return client.get(f"{API}/{endpoint}/{seen.pk}/")
    if action == "retrieve_hidden":
        return client.get(f"{API}/{endpoint}/{hidden.pk}/")
    if action == "create":
        return client.post(f"{API}/{endpoint}/", create_body(endpoint, world, users))
    if action == "patch":
        return client.patch(f"{API}/{endpoint}/{seen.pk}/", PATCH_BODY[endpoint])
    return client.patch(f"{API}/{endpoint}/{hidden.pk}/", PATCH_BODY[endpoint])


@pytest.mark.parametrize("role", [*ROLES, "anonymous"])
@pytest.mark.parametrize("endpoint", PERSONAL)
def test_personal_data_permission_matrix(
    role, endpoint, world, users, api_as, api_client
):
    """Every action of the endpoint answers the role's status; denials leak nothing."""
    client = client_for(role, users, api_as, api_client)
    got, want, leaks = {}, {}, []

    for action in ACTIONS:
        response = call(client, endpoint, action, world, users)
        got[action] = response.status_code
        want[action] = expected(role, endpoint, action)
        if role in {"cpo", "recruiter"} and action == "patch_hidden":
            want[action] = 200
        if response.status_code >= 400:
            leaks += [(action, m) for m in HIDDEN_MARKERS if m in response.content]

    assert got == want
    assert leaks == []


@pytest.mark.parametrize("role", ["cpo", "recruiter", "product_manager"])
@pytest.mark.parametrize("endpoint", PERSONAL)
def test_delete_follows_the_roles(role, endpoint, world, users, api_as):
    obj = {
        "candidates": lambda: CandidateFactory(),
        "applications": lambda: world["applications"]["dan"],
        "interviews": lambda: world["interviews"]["bob"],
    }[endpoint]()
    model = type(obj)

    response = api_as(users[role]).delete(f"{API}/{endpoint}/{obj.pk}/")

    if role == "product_manager":
        assert response.status_code == 403
        assert model.objects.filter(pk=obj.pk).exists()
    else:
        assert response.status_code == 204
        assert not model.objects.filter(pk=obj.pk).exists()


def test_pm_lists_only_the_candidates_of_their_positions(world, pm, api_as):
    body = api_as(pm).get(f"{API}/candidates/").json()

    names = sorted(c["full_name"] for c in body["results"])
    assert names == ["Alice Managed", "Bob Interviewed", "Dan Sameposition"]
    assert body["count"] == 3


def test_pm_lists_only_the_applications_and_interviews_of_their_positions(
    world, pm, api_as
):
    client = api_as(pm)

    applications = client.get(f"{API}/applications/").json()
    interviews = client.get(f"{API}/interviews/").json()

    assert sorted(a["candidate_name"] for a in applications["results"]) == [
        "Alice Managed",
        "Bob Interviewed",
        "Dan Sameposition",
    ]
    assert [i["id"] for i in interviews["results"]] == [world["interviews"]["bob"].pk]


def test_pm_without_any_position_sees_empty_lists(world, make_user, api_as):
    client = api_as(make_user("product_manager", username="fresh-pm"))

    for endpoint in PERSONAL:
        response = client.get(f"{API}/{endpoint}/")
        assert response.status_code == 200
        assert response.json()["count"] == 0


def test_interviewer_reads_the_application_they_interview_for(world, pm, api_as):
    bob_app = world["applications"]["bob"]

    response = api_as(pm).get(f"{API}/applications/{bob_app.pk}/")

    assert response.status_code == 200
    assert response.json()["candidate_name"] == "Bob Interviewed"


@pytest.mark.parametrize(
    "url",
    [
        "/candidates/?search=Carol",
        "/candidates/?search=carol@mail.example",
        "/applications/?search=Carol",
        "/applications/?search=carol@mail",
        "/interviews/?search=Carol",
        "/applications/?ordering=-stage_changed_at&search=Hidden",
    ],
)
def test_pm_search_does_not_reach_candidates_outside_their_positions(
    url, world, pm, api_as
):
    response = api_as(pm).get(f"{API}{url}")

    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_pm_search_finds_their_own_candidates(world, pm, api_as):
    response = api_as(pm).get(f"{API}/applications/?search=Alice")

    assert [a["candidate_name"] for a in response.json()["results"]] == [
        "Alice Managed"
    ]


def test_pm_filter_by_a_hidden_candidate_looks_like_a_missing_one(world, pm, api_as):
    client = api_as(pm)
    carol = world["candidates"]["carol"]

    hidden = client.get(f"{API}/applications/?candidate={carol.pk}")
    missing = client.get(f"{API}/applications/?candidate=999999")
    by_position = client.get(
        f"{API}/applications/?position={world['positions']['other'].pk}"
    )
    interviews = client.get(
        f"{API}/interviews/?application={world['applications']['carol'].pk}"
    )

    assert hidden.status_code == missing.status_code == 200
    assert hidden.json()["count"] == missing.json()["count"] == 0
    assert by_position.json()["count"] == 0
    assert interviews.json()["count"] == 0


def test_hidden_application_id_in_a_body_is_answered_like_a_missing_one(
    world, pm, api_as
):
    """The interviewer's PUT naming someone else's application: no existence leak."""
    interview = world["interviews"]["bob"]
    client = api_as(pm)
    body = {
        "interviewer": pm.pk,
        "kind": interview.kind,
        "scheduled_at": interview.scheduled_at.isoformat(),
    }

    hidden = client.put(
        f"{API}/interviews/{interview.pk}/",
        {**body, "application": world["applications"]["carol"].pk},
    )
    missing = client.put(
        f"{API}/interviews/{interview.pk}/", {**body, "application": 999999}
    )

    assert hidden.status_code == missing.status_code == 400
    assert hidden.json()["application"][0].replace(
        str(world["applications"]["carol"].pk), "N"
    ) == missing.json()["application"][0].replace("999999", "N")


@pytest.mark.parametrize("role", ["executive", "integration", "product_manager"])
def test_no_endpoint_shows_a_hidden_candidate(role, world, users, api_as):
    client = api_as(users[role])
    urls = [
        "/teams/",
        f"/teams/{world['team'].pk}/",
        "/positions/",
        f"/positions/{world['positions']['other'].pk}/",
        "/hiring/funnel/",
        f"/hiring/funnel/?position={world['positions']['other'].pk}",
        "/candidates/",
        "/applications/",
        "/interviews/",
        "/candidates/?ordering=full_name",
        "/applications/?stage=interview",
    ]

    for url in urls:
        response = client.get(f"{API}{url}")
        for marker in HIDDEN_MARKERS:
            assert marker not in response.content, url
        if role != "product_manager":
            assert b"Alice" not in response.content, url


@pytest.mark.parametrize("role", ROLES[:-1])
def test_funnel_is_readable_by_every_role_as_counts(role, world, users, api_as):
    response = api_as(users[role]).get(f"{API}/hiring/funnel/")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "stages",
        "conversion",
        "median_time_to_fill_days",
        "open_positions_by_age",
    }
    assert {s["stage"]: s["current"] for s in body["stages"]}["interview"] == 2


def test_funnel_refuses_a_user_without_a_role(users, api_as, api_client):
    assert api_as(users["nobody"]).get(f"{API}/hiring/funnel/").status_code == 403
    assert api_client.get(f"{API}/hiring/funnel/").status_code == 401


# --- teams and positions ----------------------------------------------------------


@pytest.mark.parametrize("role", ROLES[:-1])
@pytest.mark.parametrize("endpoint", ["teams", "positions"])
def test_teams_and_positions_are_readable_by_every_role(
    role, endpoint, world, users, api_as
):
    client = api_as(users[role])
    obj = world["team"] if endpoint == "teams" else world["positions"]["other"]

    listing = client.get(f"{API}/{endpoint}/")
    detail = client.get(f"{API}/{endpoint}/{obj.pk}/")

    assert listing.status_code == 200
    assert listing.json()["count"] >= 1
    assert detail.status_code == 200
    assert detail.json()["id"] == obj.pk


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("cpo", 201),
        ("recruiter", 201),
        ("product_manager", 403),
        ("executive", 403),
        ("integration", 403),
    ],
)
def test_positions_are_written_by_the_cpo_and_recruiters(
    role, status, world, users, api_as
):
    response = api_as(users[role]).post(
        f"{API}/positions/",
        {"team": world["team"].pk, "title": "Data Scientist", "status": "open"},
    )

    assert response.status_code == status, response.content


@pytest.mark.parametrize(
    ("role", "which", "status"),
    [
        ("product_manager", "own", 201),
        ("product_manager", "other", 403),
        ("product_manager", "none", 403),
        ("recruiter", "other", 201),
        ("cpo", "none", 201),
        ("executive", "own", 403),
        ("integration", "own", 403),
    ],
)
def test_team_creation_follows_the_product(role, which, status, world, users, api_as):
    product = {
        "own": world["product"],
        "other": ProductFactory(),
        "none": None,
    }[which]
    before = Team.objects.count()

    response = api_as(users[role]).post(
        f"{API}/teams/",
        {
            "name": "Growth squad",
            "product": product.pk if product else None,
            "planned_headcount": 4,
            "current_headcount": 2,
        },
    )

    assert response.status_code == status, response.content
    assert Team.objects.count() == before + (1 if status == 201 else 0)
    if status == 403 and role == "product_manager":
        assert response.json() == {
            "detail": "You may only write the teams of products you manage."
        }


def test_pm_changes_the_teams_of_their_products_only(world, pm, api_as):
    own = world["team"]
    other = TeamFactory(current_headcount=1)
    client = api_as(pm)

    mine = client.patch(f"{API}/teams/{own.pk}/", {"current_headcount": 4})
    theirs = client.patch(f"{API}/teams/{other.pk}/", {"current_headcount": 9})
    moved_away = client.patch(f"{API}/teams/{own.pk}/", {"product": other.product_id})

    assert mine.status_code == 200
    assert mine.json()["current_headcount"] == 4
    assert theirs.status_code == 403
    assert moved_away.status_code == 403
    other.refresh_from_db()
    own.refresh_from_db()
    assert other.current_headcount == 1
    assert own.product == world["product"]


# --- scorecards ------------------------------------------------------------------


def test_interviewer_writes_their_scorecard(world, pm, api_as):
    interview = world["interviews"]["bob"]

    response = api_as(pm).patch(
        f"{API}/interviews/{interview.pk}/",
        {
            "rating": 4,
            "recommendation": "strong_yes",
            "notes": "Sharp on trade-offs.",
            "completed_at": "2026-03-02T11:00:00Z",
        },
    )

    assert response.status_code == 200, response.content
    interview.refresh_from_db()
    assert (interview.rating, interview.recommendation, interview.notes) == (
        4,
        "strong_yes",
        "Sharp on trade-offs.",
    )
    assert interview.history.first().history_user == pm


def test_interviewer_may_not_change_more_than_the_scorecard(world, pm, api_as):
    interview = world["interviews"]["bob"]

    response = api_as(pm).patch(
        f"{API}/interviews/{interview.pk}/", {"kind": "final", "rating": 3}
    )

    assert response.status_code == 403
    assert response.json() == {
        "detail": "As the interviewer you may only write the scorecard "
        "(rating, recommendation, notes, completed_at); not: kind."
    }
    interview.refresh_from_db()
    assert (interview.kind, interview.rating) == ("technical", None)


def test_pm_may_not_write_another_interviewers_scorecard_in_their_position(
    world, pm, api_as, make_user
):
    colleague = make_user("product_manager", username="colleague")
    interview = InterviewFactory(
        application=world["applications"]["bob"], interviewer=colleague
    )

    response = api_as(pm).patch(f"{API}/interviews/{interview.pk}/", {"rating": 1})

    assert response.status_code == 403
    interview.refresh_from_db()
    assert interview.rating is None


@pytest.mark.parametrize("role", ["cpo", "recruiter"])
def test_cpo_and_recruiters_write_any_scorecard(role, world, users, api_as):
    interview = world["interviews"]["carol"]

    response = api_as(users[role]).patch(
        f"{API}/interviews/{interview.pk}/", {"rating": 2, "recommendation": "no"}
    )

    assert response.status_code == 200
    interview.refresh_from_db()
    assert (interview.rating, interview.recommendation) == (2, "no")


@pytest.mark.parametrize("rating", [0, 5, -1])
def test_rating_outside_1_to_4_is_a_400(rating, world, pm, api_as):
    interview = world["interviews"]["bob"]

    response = api_as(pm).patch(f"{API}/interviews/{interview.pk}/", {"rating": rating})

    assert response.status_code == 400
    assert list(response.json()) == ["rating"]
    interview.refresh_from_db()
    assert interview.rating is None


@pytest.mark.parametrize("role", ["executive", "integration", "nobody"])
def test_interviewer_must_hold_an_interviewing_role(role, world, users, api_as):
    before = Interview.objects.count()

    response = api_as(users["recruiter"]).post(
        f"{API}/interviews/",
        {
            "application": world["applications"]["dan"].pk,
            "interviewer": users[role].pk,
            "kind": "screen",
            "scheduled_at": "2026-05-01T10:00:00Z",
        },
    )

    assert response.status_code == 400
    assert response.json() == {
        "interviewer": [
            f"User {users[role].pk} is not the CPO, a recruiter or a product manager."
        ]
    }
    assert Interview.objects.count() == before


def test_becoming_an_interviewer_opens_the_position_to_the_pm(
    world, users, make_user, api_as
):
    fresh = make_user("product_manager", username="fresh-pm")
    client = api_as(fresh)
    assert client.get(f"{API}/candidates/").json()["count"] == 0

    api_as(users["recruiter"]).post(
        f"{API}/interviews/",
        {
            "application": world["applications"]["carol"].pk,
            "interviewer": fresh.pk,
            "kind": "product",
            "scheduled_at": "2026-05-01T10:00:00Z",
        },
    )

    names = [c["full_name"] for c in client.get(f"{API}/candidates/").json()["results"]]
    assert names == ["Carol Hidden"]


def test_hiring_manager_must_be_a_pm_or_the_cpo(world, users, api_as):
    response = api_as(users["recruiter"]).post(
        f"{API}/positions/",
        {
            "team": world["team"].pk,
            "title": "Designer",
            "hiring_manager": users["executive"].pk,
        },
    )

    assert response.status_code == 400
    assert response.json() == {
        "hiring_manager": [f"User {users['executive'].pk} is not the CPO or a PM."]
    }


def test_candidate_list_for_recruiters_is_complete(world, recruiter, api_as):
    PositionFactory()
    body = api_as(recruiter).get(f"{API}/candidates/").json()

    assert body["count"] == Candidate.objects.count() == 4
