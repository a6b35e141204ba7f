import pytest

pytestmark = pytest.mark.browser


def test_user_logs_in_through_the_form_and_sees_the_portfolio(
    live_server, page, make_user, password
):
    make_user("executive", username="evelyn", first_name="Evelyn", last_name="Shaw")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    page.goto(f"{live_server.url}/")
    assert page.url.startswith(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "evelyn")
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")

    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_test_id("current-user").inner_text() == "evelyn"
    assert "Welcome, Evelyn Shaw." in page.get_by_test_id("welcome").inner_text()
    assert errors == []  # no CSP violations, no missing favicon


def test_wrong_password_shows_an_error_on_the_form(live_server, page, make_user):
    make_user("executive", username="evelyn")

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "evelyn")
    page.fill("input[name=password]", "wrong-password")
    page.click("button[type=submit]")

    error = page.get_by_test_id("login-error").inner_text()
    assert "Please enter a correct username and password" in error
