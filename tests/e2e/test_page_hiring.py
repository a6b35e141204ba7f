"""`/hiring/` and a position's pipeline in Chromium; an executive sees no names."""

from collections import deque
from urllib.parse import urljoin, urlparse

import pytest

from hiring.models import Candidate
from tests.dashboard.hiring_data import hiring_portfolio
from tests.dashboard.portfolio_data import portfolio, score_all
from tests.e2e import test_dashboard as part1
from tests.e2e.test_dashboard import log_in, shoot

watch = part1.watch  # the fixture: console errors and foreign requests

pytestmark = pytest.mark.browser

# Links the crawl does not follow: not dashboard pages, or a way out.
SKIP_PREFIXES = ("/admin/", "/api/", "/accounts/", "/static/", "/recompute/")
CRAWL_LIMIT = 80


def test_cpo_reads_the_funnel_and_opens_a_positions_pipeline(
    live_server, page, watch, make_user, password
):
    make_user("cpo", username="camille")
    _, opened, _ = hiring_portfolio(positions=2)
    log_in(page, live_server, "camille", password)

    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Hiring"
    ).click()
    page.wait_for_url(f"{live_server.url}/hiring/")
    assert page.get_by_test_id("position-row").count() == 2
    funnel = page.get_by_test_id("funnel-table").inner_text()
    assert "Applied" in funnel
    assert "64 %" in funnel
    shoot(page, "hiring-cpo")

    page.get_by_role("link", name=opened[0].title).click()
    page.wait_for_url(f"{live_server.url}/hiring/positions/{opened[0].pk}/")
    offer = page.locator('[data-testid=stage-column][data-stage="offer"]')
    assert "Ada Offer atlas0" in offer.inner_text()
    shoot(page, "position-cpo")

    page.goto(f"{live_server.url}/hiring/?status=nope")
    main = page.inner_text("main")
    assert "The parameter status has a value this page cannot use" in main
    # The browser logs the 400 answer itself; nothing else is logged.
    assert watch["errors"] == [
        "Failed to load resource: the server responded with a status of 400"
        " (Bad Request)"
    ]
    assert watch["foreign"] == []


def test_filters_from_the_form(live_server, page, watch, make_user, password):
    make_user("executive", username="evelyn")
    hiring_portfolio()
    _, beacon, _ = hiring_portfolio(name="Beacon", slug="beacon")
    log_in(page, live_server, "evelyn", password)
    page.goto(f"{live_server.url}/hiring/")

    page.select_option("#hiring-product", "beacon")
    page.select_option("#hiring-status", "all")
    page.get_by_role("button", name="Show").click()

    page.wait_for_url(f"{live_server.url}/hiring/?product=beacon&status=all")
    ids = page.get_by_test_id("position-row").evaluate_all(
        "rows => rows.map(r => r.dataset.positionId)"
    )
    assert len(ids) == 2  # Beacon's open and filled positions
    assert str(beacon[0].pk) in ids
    assert watch["errors"] == []


def test_an_executive_sees_no_candidates_name_on_any_dashboard_page(
    live_server, page, watch, make_user, password
):
    """Follow every link from `/` (every dashboard page and its filters)."""
    make_user("executive", username="evelyn")
    portfolio(2)
    _, opened, filled = hiring_portfolio(positions=2)
    score_all()
    names = list(Candidate.objects.values_list("full_name", flat=True))
    assert len(names) == 11
    log_in(page, live_server, "evelyn", password)

    host = urlparse(live_server.url).netloc
    queue = deque(["/"])
    seen: set[str] = set()
    while queue and len(seen) < CRAWL_LIMIT:
        path = queue.popleft()
        if path in seen:
            continue
        seen.add(path)
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 200, path
        html = page.content()
        for name in names:
            assert name not in html, (path, name)
        for href in page.locator("a[href]").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))"
        ):
            url = urlparse(urljoin(f"{live_server.url}{path}", href))
            target = url.path + (f"?{url.query}" if url.query else "")
            if (
                url.netloc == host
                and not url.path.startswith(SKIP_PREFIXES)
                and not url.path.endswith(".csv")  # a download, not a page
            ):
                queue.append(target)

    visited = {urlparse(p).path for p in seen}
    assert {"/", "/hiring/", "/report/"} <= visited
    assert f"/hiring/positions/{opened[0].pk}/" in visited
    assert f"/hiring/positions/{filled.pk}/" in visited
    assert any(p.startswith("/products/") for p in visited)
    assert watch["errors"] == []
    assert watch["foreign"] == []
