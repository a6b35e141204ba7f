"""SPEC §3: 5 failed logins for one username in 15 minutes lock it for 15 minutes.

The fifth failure is the one that locks, so it already gets the lockout answer.
"""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

TOKEN_URL = "/api/v1/auth/token/"
LOGIN_URL = "/accounts/login/"
ADMIN_LOGIN_URL = "/admin/login/"
API_LOCKOUT = (
    "Too many failed login attempts for this username; try again in 15 minutes."
)
FORM_LOCKOUT = (
    "Too many failed login attempts for this username. Try again in 15 minutes."
)


@pytest.fixture
def cpo(make_user):
    return make_user("cpo", username="camille")


def fail_token(api_client, times, username="camille"):
    return [
        api_client.post(
            TOKEN_URL, {"username": username, "password": "nope"}
        ).status_code
        for _ in range(times)
    ]


def test_token_endpoint_locks_after_five_failures(api_client, cpo, password):
    assert fail_token(api_client, 5) == [400, 400, 400, 400, 429]

    response = api_client.post(TOKEN_URL, {"username": "camille", "password": password})

    assert response.status_code == 429
    assert response.json() == {"detail": API_LOCKOUT}


def test_four_failures_do_not_lock(api_client, cpo, password):
    fail_token(api_client, 4)

    response = api_client.post(TOKEN_URL, {"username": "camille", "password": password})

    assert response.status_code == 201


def test_lockout_is_per_username(api_client, cpo, make_user, password):
    make_user("executive", username="evelyn")
    fail_token(api_client, 5)

    response = api_client.post(TOKEN_URL, {"username": "evelyn", "password": password})

    assert response.status_code == 201


def test_lockout_ends_after_15_minutes(api_client, cpo, password):
    fail_token(api_client, 5)

    with time_machine.travel(timezone.now() + timedelta(minutes=15, seconds=5)):
        response = api_client.post(
            TOKEN_URL, {"username": "camille", "password": password}
        )

    assert response.status_code == 201


def test_login_form_locks_after_five_failures_with_an_error(client, cpo, password):
    for _ in range(4):
        response = client.post(LOGIN_URL, {"username": "camille", "password": "nope"})
        assert response.status_code == 200
        assert (
            "Please enter a correct username and password" in response.content.decode()
        )
    fifth = client.post(LOGIN_URL, {"username": "camille", "password": "nope"})
    assert fifth.status_code == 429

    response = client.post(LOGIN_URL, {"username": "camille", "password": password})

    assert response.status_code == 429
    assert FORM_LOCKOUT in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_failures_count_across_ways_in(client, api_client, cpo, password):
    fail_token(api_client, 3)
    for _ in range(2):
        client.post(ADMIN_LOGIN_URL, {"username": "camille", "password": "nope"})

    response = client.post(LOGIN_URL, {"username": "camille", "password": password})

    assert response.status_code == 429


def test_admin_login_locks_after_five_failures(client, cpo, password):
    for _ in range(5):
        client.post(ADMIN_LOGIN_URL, {"username": "camille", "password": "nope"})

    response = client.post(
        ADMIN_LOGIN_URL, {"username": "camille", "password": password}
    )

    assert response.status_code == 429
    assert FORM_LOCKOUT in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_successful_login_resets_the_failure_count(api_client, cpo, password):
    fail_token(api_client, 4)
    api_client.post(TOKEN_URL, {"username": "camille", "password": password})

    assert fail_token(api_client, 4) == [400] * 4
    response = api_client.post(TOKEN_URL, {"username": "camille", "password": password})
    assert response.status_code == 201


def test_five_failures_spread_over_more_than_15_minutes_do_not_lock(
    api_client, cpo, password
):
    start = timezone.now()
    statuses = []
    for i in range(5):
        with time_machine.travel(start + timedelta(minutes=14 * i), tick=False):
            statuses += fail_token(api_client, 1)

    with time_machine.travel(start + timedelta(minutes=56, seconds=30), tick=False):
        response = api_client.post(
            TOKEN_URL, {"username": "camille", "password": password}
        )

    assert statuses == [400] * 5
    assert response.status_code == 201


def test_five_failures_within_15_minutes_lock_even_when_spaced(api_client, cpo):
    start = timezone.now()
    statuses = []
    for i in range(5):
        with time_machine.travel(start + timedelta(minutes=3 * i), tick=False):
            statuses += fail_token(api_client, 1)

    assert statuses == [400, 400, 400, 400, 429]


def test_attempts_during_a_lockout_do_not_extend_it(client, api_client, cpo, password):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        fail_token(api_client, 5)
    with time_machine.travel(start + timedelta(minutes=14), tick=False):
        refused = client.post(LOGIN_URL, {"username": "camille", "password": "nope"})

    with time_machine.travel(start + timedelta(minutes=15, seconds=5), tick=False):
        response = api_client.post(
            TOKEN_URL, {"username": "camille", "password": password}
        )

    assert refused.status_code == 429
    assert response.status_code == 201
