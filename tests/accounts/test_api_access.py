import pytest

ME_URL = "/api/v1/users/me/"
USERS_URL = "/api/v1/users/"


@pytest.mark.django_db
@pytest.mark.parametrize("url", [ME_URL, USERS_URL, "/api/v1/users/1/"])
def test_no_credentials_is_401_with_token_challenge(api_client, url):
    response = api_client.get(url)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.json() == {
        "detail": "Authentication credentials were not provided."
    }


@pytest.mark.django_db
def test_bad_token_is_401(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    assert api_client.get(ME_URL).status_code == 401


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("cpo", 200),
        ("product_manager", 403),
        ("executive", 403),
        ("recruiter", 403),
        ("integration", 403),
        ("nobody", 403),
    ],
)
def test_user_list_is_for_the_cpo_only(api_as, users, role, status):
    response = api_as(users[role]).get(USERS_URL)

    assert response.status_code == status
    if status == 403:
        assert response.json() == {"detail": "Your role does not allow this action."}


def test_user_list_shows_roles_and_is_paginated(api_as, users):
    response = api_as(users["cpo"]).get(USERS_URL, {"page_size": 2})

    body = response.json()
    assert body["count"] == 6
    assert len(body["results"]) == 2
    assert body["next"] is not None
    first = body["results"][0]
    assert first["username"] == "cpo"
    assert first["roles"] == ["cpo"]


@pytest.mark.parametrize("size", ["501", "0", "-1", "ten", "null", ""])
def test_page_size_outside_1_to_500_is_400_naming_the_parameter(api_as, users, size):
    response = api_as(users["cpo"]).get(USERS_URL, {"page_size": size})

    assert response.status_code == 400
    assert response.json() == {"page_size": ["Must be a whole number from 1 to 500."]}


def test_page_size_500_is_allowed(api_as, users):
    response = api_as(users["cpo"]).get(USERS_URL, {"page_size": 500})

    assert response.status_code == 200
    assert len(response.json()["results"]) == 6


def test_page_beyond_the_last_is_404(api_as, users):
    response = api_as(users["cpo"]).get(USERS_URL, {"page": 99})

    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid page."}


def test_user_list_query_count_does_not_grow_with_users(
    api_as, users, make_user, django_assert_max_num_queries
):
    client = api_as(users["cpo"])
    with django_assert_max_num_queries(4):
        client.get(USERS_URL)
    for i in range(20):
        make_user("executive", username=f"extra{i}")
    with django_assert_max_num_queries(4):
        response = client.get(USERS_URL)
    assert response.json()["count"] == 26


def test_unknown_user_is_404(api_as, users):
    assert api_as(users["cpo"]).get("/api/v1/users/999999/").status_code == 404


def test_users_are_read_only_through_the_api(api_as, users):
    response = api_as(users["cpo"]).post(USERS_URL, {"username": "x"})

    assert response.status_code == 405


def test_session_authentication_works_for_the_browser(client, users):
    client.force_login(users["executive"])

    response = client.get(ME_URL)

    assert response.status_code == 200
    assert response.json()["roles"] == ["executive"]


def test_rate_limit_is_per_user_and_configurable(api_as, users, settings):
    settings.API_RATE_LIMIT = "3/hour"
    client = api_as(users["executive"])

    statuses = [client.get(ME_URL).status_code for _ in range(4)]
    other = api_as(users["cpo"]).get(ME_URL)

    assert statuses == [200, 200, 200, 429]
    assert other.status_code == 200


def test_rate_limit_answer_says_when_to_retry(api_as, users, settings):
    settings.API_RATE_LIMIT = "1/hour"
    client = api_as(users["executive"])
    client.get(ME_URL)

    response = client.get(ME_URL)

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert response.json()["detail"].startswith("Request was throttled.")
