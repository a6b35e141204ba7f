from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from knox.models import AuthToken

from accounts.services import token_issue, tokens_purge_expired

TOKEN_URL = "/api/v1/auth/token/"
ME_URL = "/api/v1/users/me/"


@pytest.fixture
def cpo(make_user):
    return make_user("cpo", username="camille")


def login(api_client, username, password):
    return api_client.post(TOKEN_URL, {"username": username, "password": password})


def test_token_post_returns_token_and_expiry_in_30_days(api_client, cpo, password):
    response = login(api_client, "camille", password)

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"token", "expires_at"}
    stored = AuthToken.objects.get(user=cpo)
    assert abs(stored.expiry - (timezone.now() + timedelta(days=30))) < timedelta(
        minutes=1
    )


def test_token_is_stored_hashed_not_as_the_key(api_client, cpo, password):
    key = login(api_client, "camille", password).json()["token"]

    stored = AuthToken.objects.get(user=cpo)
    assert stored.digest != key
    assert key not in stored.digest
    assert not AuthToken.objects.filter(digest=key).exists()


def test_token_authenticates_requests(api_client, cpo, password):
    key = login(api_client, "camille", password).json()["token"]

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api_client.get(ME_URL)

    assert response.status_code == 200
    assert response.json() == {"id": cpo.pk, "username": "camille", "roles": ["cpo"]}


def test_token_post_with_wrong_password_is_400_without_a_token(api_client, cpo):
    response = login(api_client, "camille", "wrong")

    assert response.status_code == 400
    assert response.json() == {"detail": "Invalid username or password."}
    assert not AuthToken.objects.exists()


def test_token_post_names_missing_fields(api_client):
    response = api_client.post(TOKEN_URL, {})

    assert response.status_code == 400
    assert response.json() == {
        "username": ["This field is required."],
        "password": ["This field is required."],
    }


def test_expired_token_is_refused(api_client, cpo):
    _, key = token_issue(user=cpo, days=1)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    with time_machine.travel(timezone.now() + timedelta(days=1, minutes=1)):
        response = api_client.get(ME_URL)

    assert response.status_code == 401


def test_delete_revokes_the_token_used(api_client, cpo):
    _, key = token_issue(user=cpo)
    _, other_key = token_issue(user=cpo)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    assert api_client.delete(TOKEN_URL).status_code == 204
    assert api_client.get(ME_URL).status_code == 401
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {other_key}")
    assert api_client.get(ME_URL).status_code == 200


def test_delete_without_a_token_is_401(api_client, cpo):
    api_client.force_login(cpo)  # a session is not a token: nothing to revoke

    response = api_client.delete(TOKEN_URL)

    assert response.status_code == 401


def test_issue_token_command_prints_key_last_and_lasts_365_days(cpo, capsys):
    call_command("issue_token", "camille")

    key = capsys.readouterr().out.strip().splitlines()[-1]
    token = AuthToken.objects.get(user=cpo)
    assert token.digest != key
    assert token.token_key == key[:15]
    remaining = token.expiry - timezone.now()
    assert timedelta(days=364, hours=23) < remaining <= timedelta(days=365)


def test_issue_token_command_honours_days(cpo, capsys):
    call_command("issue_token", "camille", "--days", "7")

    token = AuthToken.objects.get(user=cpo)
    remaining = token.expiry - timezone.now()
    assert timedelta(days=6, hours=23) < remaining <= timedelta(days=7)


def test_issue_token_command_key_works(api_client, cpo, capsys):
    call_command("issue_token", "camille")
    key = capsys.readouterr().out.strip().splitlines()[-1]

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api_client.get(ME_URL).status_code == 200


def test_issue_token_command_rejects_unknown_user(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No user named 'ghost'"):
        call_command("issue_token", "ghost")


def test_issue_token_command_rejects_non_positive_days(cpo):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--days must be a positive number"):
        call_command("issue_token", "camille", "--days", "0")


def test_tokens_purge_expired_deletes_only_expired(cpo):
    expired, _ = token_issue(user=cpo, days=1)
    live, _ = token_issue(user=cpo, days=30)

    deleted = tokens_purge_expired(now=timezone.now() + timedelta(days=2))

    assert deleted == 1
    assert list(AuthToken.objects.values_list("digest", flat=True)) == [live.digest]
    assert expired.digest != live.digest


# --- the header as generated clients send it (RFC 6750 bearer) -------------------


@pytest.mark.parametrize("keyword", ["Bearer", "Token", "bearer"])
def test_token_is_accepted_under_either_keyword(api_client, cpo, keyword):
    _, key = token_issue(user=cpo)
    api_client.credentials(HTTP_AUTHORIZATION=f"{keyword} {key}")

    response = api_client.get(ME_URL)

    assert response.status_code == 200
    assert response.json()["username"] == "camille"


@pytest.mark.parametrize(
    ("header", "detail"),
    [
        ("{key}", "Authentication credentials were not provided."),
        ("Bearer", "Invalid token header. No credentials provided."),
        (
            "Bearer {key} extra",
            "Invalid token header. Token string should not contain spaces.",
        ),
        ("Bearer not-a-real-token", "Invalid token."),
        ("Bearer {key}x", "Invalid token."),
        ("Basic {key}", "Authentication credentials were not provided."),
    ],
)
def test_malformed_or_unknown_token_is_401_naming_why(api_client, cpo, header, detail):
    _, key = token_issue(user=cpo)
    api_client.credentials(HTTP_AUTHORIZATION=header.format(key=key))

    response = api_client.get(ME_URL)

    assert response.status_code == 401
    assert response.json() == {"detail": detail}
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_revoked_bearer_token_is_refused(api_client, cpo):
    token, key = token_issue(user=cpo)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")

    assert api_client.delete(TOKEN_URL).status_code == 204

    assert api_client.get(ME_URL).status_code == 401
    assert not AuthToken.objects.filter(pk=token.pk).exists()


def test_expired_bearer_token_is_refused_and_deleted(api_client, cpo):
    token, key = token_issue(user=cpo, days=1)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")

    with time_machine.travel(timezone.now() + timedelta(days=1, minutes=1)):
        response = api_client.get(ME_URL)

    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}
    assert not AuthToken.objects.filter(pk=token.pk).exists()


def test_token_of_an_inactive_user_is_refused(api_client, cpo):
    _, key = token_issue(user=cpo)
    cpo.is_active = False
    cpo.save(update_fields=["is_active"])
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")

    response = api_client.get(ME_URL)

    assert response.status_code == 401
    assert response.json() == {"detail": "User inactive or deleted."}


def test_token_authentication_costs_one_query(cpo, django_assert_num_queries):
    from rest_framework.test import APIRequestFactory

    from accounts.authentication import BearerTokenAuthentication

    token_issue(user=cpo)  # another token of the same user: not read
    _, key = token_issue(user=cpo)
    request = APIRequestFactory().get(ME_URL, HTTP_AUTHORIZATION=f"Bearer {key}")

    with django_assert_num_queries(1):
        user, auth = BearerTokenAuthentication().authenticate(request)

    assert user == cpo
    assert auth.user_id == cpo.pk
