"""`/report/` in Chromium: it loads cleanly, prints as a document, downloads its CSV."""

import csv
import io
from datetime import timedelta

import pytest

from health.models import ProductSnapshot
from portfolio.models import Product
from tests.dashboard.hiring_data import hiring_portfolio
from tests.dashboard.portfolio_data import NOW, portfolio
from tests.e2e import test_dashboard as part1
from tests.e2e.test_dashboard import SHOTS, log_in, shoot

watch = part1.watch  # the fixture: console errors and foreign requests

pytestmark = pytest.mark.browser

# Between the two scorings of portfolio() (30 days before NOW, and NOW).
SINCE = "2026-11-01"
FORMULA = '=HYPERLINK("http://evil.example","x")'


def report_data():
    worse, same = portfolio(2)
    ProductSnapshot.objects.filter(
        product=worse, computed_at=NOW - timedelta(days=30)
    ).update(status="healthy", score=80.0)
    Product.objects.filter(pk=worse.pk).update(name=FORMULA)
    hiring_portfolio()
    return worse, same


def test_the_report_loads_and_shows_its_sections(
    live_server, page, watch, make_user, password
):
    make_user("executive", username="evelyn")
    worse, _ = report_data()
    log_in(page, live_server, "evelyn", password)

    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Report"
    ).click()
    page.wait_for_url(f"{live_server.url}/report/")
    assert page.get_by_test_id("report-summary").is_visible()

    page.fill("#report-since", SINCE)
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(f"{live_server.url}/report/?since={SINCE}")
    assert "1 November 2026" in page.get_by_test_id("report-period").inner_text()
    changed = page.get_by_test_id("changed-row")
    assert changed.count() == 1
    assert changed.get_attribute("data-product-slug") == worse.slug
    assert changed.get_attribute("data-change") == "worse"
    assert FORMULA in changed.inner_text()  # shown as text
    assert page.get_by_test_id("risk-item").count() == 2
    assert "Hires in the period (1)" in page.get_by_test_id("report-hires").inner_text()
    shoot(page, "report-executive")
    assert watch["errors"] == []
    assert watch["foreign"] == []


def test_the_print_view_hides_navigation_and_controls(
    live_server, page, watch, make_user, password
):
    make_user("cpo", username="camille")
    report_data()
    log_in(page, live_server, "camille", password)
    page.goto(f"{live_server.url}/report/?since={SINCE}")
    assert page.locator("header.topbar").is_visible()
    assert page.get_by_test_id("report-csv").is_visible()

    page.emulate_media(media="print")

    # The print rules themselves hide the frame and the controls ...
    for hidden in ("header.topbar", "[data-testid=report-controls]", ".skip-link"):
        display = page.locator(hidden).first.evaluate(
            "e => getComputedStyle(e).display"
        )
        assert display == "none", hidden
    # ... so nothing to click is left on paper.
    for gone in ("nav.nav", "[data-testid=report-csv]", "form", "button", "input"):
        assert page.locator(gone).first.is_hidden(), gone
    for shown in (
        "report-summary",
        "report-changes",
        "report-risks",
        "report-launches",
        "report-hires",
    ):
        assert page.get_by_test_id(shown).is_visible(), shown
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == (
        "rgb(255, 255, 255)"
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    pdf = page.pdf(path=str(SHOTS / "report-print.pdf"), format="A4")
    assert pdf.startswith(b"%PDF")
    page.emulate_media(media="screen")
    assert page.locator("header.topbar").is_visible()
    assert watch["errors"] == []


def test_the_csv_download_neutralises_formulas_and_keeps_numbers(
    live_server, page, watch, make_user, password
):
    make_user("cpo", username="camille")
    worse, same = report_data()
    log_in(page, live_server, "camille", password)
    page.goto(f"{live_server.url}/report/?since={SINCE}")

    with page.expect_download() as info:
        page.get_by_test_id("report-csv").click()
    download = info.value

    assert download.suggested_filename.startswith("portfolio-report-")
    assert download.suggested_filename.endswith(".csv")
    with open(download.path(), encoding="utf-8") as handle:
        text = handle.read()
    rows = {r["slug"]: r for r in csv.DictReader(io.StringIO(text))}
    assert set(rows) == {worse.slug, same.slug, "atlas"}
    assert rows[worse.slug]["product"] == "'" + FORMULA
    assert rows[worse.slug]["score_change"] == "-39.0"
    assert rows[worse.slug]["score_then"] == "80.0"
    assert rows[worse.slug]["status_change"] == "worse"
    assert rows[same.slug]["score_now"] == "41.0"
    assert "'-39" not in text
    assert watch["errors"] == []
    assert watch["foreign"] == []
