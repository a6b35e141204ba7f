import re

import pytest


@pytest.mark.parametrize(
    ("role", "admitted"),
    [
        ("cpo", True),
        ("product_manager", True),
        ("recruiter", True),
        ("executive", False),
        ("integration", False),
        ("nobody", False),
    ],
)
def test_admin_site_admits_roles_marked_yes(client, users, role, admitted):
    client.force_login(users[role])

    response = client.get("/admin/")

    if admitted:
        assert response.status_code == 200
        assert "CPO Portfolio administration" in response.content.decode()
    else:
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


def test_admin_user_list_is_for_the_cpo(client, users):
    client.force_login(users["cpo"])
    assert client.get("/admin/accounts/user/").status_code == 200

    client.force_login(users["product_manager"])
    assert client.get("/admin/accounts/user/").status_code == 403


def test_admin_role_change_updates_is_staff(client, users):
    from django.contrib.auth.models import Group

    target = users["executive"]
    client.force_login(users["cpo"])
    recruiter = Group.objects.get(name="recruiter")

    response = client.post(
        f"/admin/accounts/user/{target.pk}/change/",
        {
            "username": target.username,
            "first_name": "",
            "last_name": "",
            "email": target.email,
            "is_active": "on",
            "groups": [recruiter.pk],
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    target.refresh_from_db()
    assert target.is_staff is True
    assert list(target.groups.values_list("name", flat=True)) == ["recruiter"]


def test_home_redirects_anonymous_to_login(client, db):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("cpo", 200),
        ("product_manager", 200),
        ("executive", 200),
        ("recruiter", 200),
        ("integration", 403),
        ("nobody", 403),
    ],
)
def test_pages_by_role(client, users, role, status):
    client.force_login(users[role])

    assert client.get("/").status_code == status


def test_navigation_shows_admin_only_to_admitted_roles(client, users):
    client.force_login(users["cpo"])
    assert 'href="/admin/"' in client.get("/").content.decode()

    client.force_login(users["executive"])
    page = client.get("/").content.decode()
    assert 'href="/admin/"' not in page
    assert "executive" in page


def test_login_page_has_username_and_password_fields(client, db):
    page = client.get("/accounts/login/").content.decode()

    assert 'name="username"' in page
    assert 'name="password"' in page


def test_login_form_logs_in_and_redirects_home(client, users, password):
    response = client.post(
        "/accounts/login/", {"username": "executive", "password": password}
    )

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(users["executive"].pk)


def test_logout_is_a_post(client, users):
    client.force_login(users["cpo"])

    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_security_headers(client, users):
    client.force_login(users["cpo"])

    response = client.get("/")

    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-eval" not in csp
    script_src = re.search(r"script-src ([^;]*)", csp).group(1)
    assert "unsafe-inline" not in script_src


@pytest.mark.parametrize("url", ["/", "/accounts/login/", "/api/docs/"])
def test_pages_have_no_inline_scripts(client, users, url):
    if url != "/accounts/login/":
        client.force_login(users["cpo"])

    page = client.get(url).content.decode()

    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", page, flags=re.S)
    assert scripts, "expected at least one script tag"
    for attrs, body in scripts:
        assert "src=" in attrs or "application/json" in attrs, attrs
        assert body.strip() == "" or "application/json" in attrs


def test_api_docs_and_schema_are_served_without_a_cdn(client, users):
    client.force_login(users["executive"])

    docs = client.get("/api/docs/").content.decode()
    schema = client.get("/api/schema/")

    assert "cdn" not in docs.lower()
    assert "/static/drf_spectacular_sidecar/" in docs
    assert schema.status_code == 200
    assert b"openapi: 3" in schema.content


def test_schema_declares_the_error_responses_an_operation_can_give(client, users):
    client.force_login(users["executive"])

    schema = client.get("/api/schema/", {"format": "json"}).json()

    me = schema["paths"]["/api/v1/users/me/"]["get"]["responses"]
    product = schema["paths"]["/api/v1/products/{id}/"]["delete"]["responses"]
    assert set(me) == {"200", "401", "429"}
    assert set(product) == {"204", "401", "403", "404", "409", "429"}


def test_favicon_is_served(client):
    from django.contrib.staticfiles import finders

    assert finders.find("img/favicon.svg")


def test_cpo_lists_and_revokes_tokens_in_the_admin(client, users):
    from knox.models import AuthToken

    from accounts.services import token_issue

    token, key = token_issue(user=users["integration"])
    client.force_login(users["cpo"])

    listing = client.get("/admin/knox/authtoken/").content.decode()
    response = client.post(
        "/admin/knox/authtoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
    )

    assert token.token_key in listing
    assert key not in listing
    assert response.status_code == 302
    assert not AuthToken.objects.filter(pk=token.pk).exists()


@pytest.mark.parametrize("role", ["product_manager", "recruiter"])
def test_token_admin_is_the_cpos(client, users, role):
    client.force_login(users[role])

    assert client.get("/admin/knox/authtoken/").status_code == 403


@pytest.mark.django_db
def test_anonymous_gets_no_schema(client):
    response = client.get("/api/schema/")

    assert response.status_code == 401


@pytest.mark.django_db
def test_anonymous_is_sent_to_login_from_the_api_docs(client):
    response = client.get("/api/docs/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/api/docs/"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/", "/admin/portfolio/product/", "/api/v1/products/", "/api/v1/users/me/"]
)
def test_anonymous_reaches_nothing_else(client, url):
    response = client.get(url)

    assert response.status_code in (302, 401)
    if response.status_code == 302:
        assert "login" in response["Location"]
