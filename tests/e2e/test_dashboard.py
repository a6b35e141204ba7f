"""The dashboards in Debian's Chromium: what the CPO sees, and a live recompute."""

from pathlib import Path
from urllib.parse import urlparse

import pytest

from health.models import RecomputeRun, RunState
from tests.dashboard.portfolio_data import portfolio, rich_product, score_all
from tests.factories.portfolio import ProductFactory

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"
WIDTHS = {"desktop": 1280, "phone": 390}


@pytest.fixture
def watch(page, live_server):
    """Collect console errors, uncaught errors and requests to any other host."""
    seen: dict[str, list[str]] = {"errors": [], "foreign": []}
    host = urlparse(live_server.url).netloc
    page.on(
        "console",
        lambda m: seen["errors"].append(m.text) if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.on(
        "request",
        lambda r: (
            None
            if urlparse(r.url).netloc == host or r.url.startswith("data:")
            else seen["foreign"].append(r.url)
        ),
    )
    return seen


def log_in(page, live_server, username, password):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def shoot(page, name):
    """Save the page at desktop and phone width (the CI run keeps the folder)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_cpo_reads_the_portfolio_opens_a_product_and_its_explanation(
    live_server, page, watch, make_user, password
):
    make_user("cpo", username="camille")
    rich_product()
    portfolio(3)
    score_all()
    log_in(page, live_server, "camille", password)

    score = page.get_by_test_id("portfolio-score")
    assert "Portfolio health" in score.inner_text()
    assert page.get_by_test_id("product-row").count() == 4
    assert page.get_by_test_id("recompute").is_visible()
    shoot(page, "portfolio-cpo")

    page.locator('[data-testid=product-row][data-product-slug="atlas"] a').click()
    page.wait_for_url(f"{live_server.url}/products/atlas/")
    explanation = page.get_by_test_id("health-components").inner_text()
    assert "The weakest component is" in explanation
    assert "1 KPI is stale" in explanation
    assert "Atlas squad — 4 people short (2 of 6)" in explanation
    shoot(page, "product-atlas")

    assert watch["errors"] == []
    assert watch["foreign"] == []


def test_recompute_now_drives_the_progress_bar_to_success_with_a_real_worker(
    celery_worker, live_server, page, watch, make_user, password
):
    make_user("cpo", username="camille")
    portfolio(3)
    log_in(page, live_server, "camille", password)

    # From the keyboard: focus the button and press Enter.
    page.get_by_test_id("recompute").focus()
    page.keyboard.press("Enter")
    progress = page.locator('[data-testid=recompute-progress][data-state="success"]')
    progress.wait_for(timeout=60_000)

    assert "3 / 3 products" in progress.inner_text()
    run = RecomputeRun.objects.get()
    assert run.state == RunState.SUCCESS
    assert run.done == run.total == 3
    shoot(page, "recompute-success")
    assert watch["errors"] == []
    assert watch["foreign"] == []


def test_executive_sees_the_dashboard_without_recompute(
    live_server, page, watch, make_user, password
):
    make_user("executive", username="evelyn")
    portfolio(2)
    log_in(page, live_server, "evelyn", password)

    assert page.get_by_test_id("portfolio-score").is_visible()
    assert page.get_by_test_id("product-row").count() == 2
    assert page.get_by_test_id("recompute").count() == 0
    shoot(page, "portfolio-executive")
    assert watch["errors"] == []


def test_a_product_named_like_a_script_shows_as_text(
    live_server, page, watch, make_user, password
):
    make_user("cpo", username="camille")
    ProductFactory(name="<script>alert(1)</script>", slug="xss")
    score_all()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    log_in(page, live_server, "camille", password)

    row = page.locator('[data-testid=product-row][data-product-slug="xss"]')
    assert "<script>alert(1)</script>" in row.inner_text()
    row.locator("a").click()
    page.wait_for_url(f"{live_server.url}/products/xss/")

    assert page.get_by_test_id("product-name").inner_text() == (
        "<script>alert(1)</script>"
    )
    assert dialogs == []
    assert watch["errors"] == []
