"""/roadmaps/, /kpis/ and /objectives/ in Debian's Chromium: no console errors."""

from datetime import timedelta

import pytest

from tests.dashboard.portfolio_data import TODAY, portfolio, rich_product
from tests.factories.kpis import KpiFactory
from tests.factories.portfolio import ObjectiveFactory
from tests.factories.roadmaps import LaunchFactory

from .test_dashboard import log_in, shoot, watch  # noqa: F401 — a fixture

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("path", "hook", "role"),
    [
        ("/roadmaps/", "roadmap-timeline", "cpo"),
        ("/kpis/", "kpi-board", "cpo"),
        ("/objectives/", "objective", "cpo"),
        ("/roadmaps/", "roadmap-timeline", "executive"),
        ("/kpis/", "kpi-board", "executive"),
        ("/objectives/", "objective", "executive"),
    ],
)
def test_page_loads_without_console_errors(
    live_server,
    page,
    watch,  # noqa: F811 — the fixture imported above
    make_user,
    password,
    path,
    hook,
    role,
):
    make_user(role, username="camille")
    atlas = rich_product()
    objective = ObjectiveFactory(title="Win the mid-market retail")
    atlas.objectives.add(objective)
    KpiFactory(product=atlas, name="Reorders", objective=objective)
    LaunchFactory(product=atlas, name="Atlas 2", launch_date=TODAY + timedelta(20))
    portfolio(3)
    log_in(page, live_server, "camille", password)

    page.goto(f"{live_server.url}{path}")

    assert page.get_by_test_id(hook).first.is_visible()
    assert "Atlas" in page.content()
    shoot(page, f"{path.strip('/')}-{role}")
    assert watch["errors"] == []
    assert watch["foreign"] == []


def test_a_bad_filter_shows_the_400_page_naming_it(
    live_server,
    page,
    watch,  # noqa: F811 — the fixture imported above
    make_user,
    password,
):
    make_user("cpo", username="camille")
    log_in(page, live_server, "camille", password)

    response = page.goto(f"{live_server.url}/kpis/?state=old")

    assert response.status == 400
    assert (
        page.get_by_test_id("bad-parameter").get_attribute("data-parameter") == "state"
    )
