"""`/roadmaps/`: the portfolio timeline, on-time figures, launches, access, queries."""

import re
from datetime import timedelta

import pytest

from dashboard import selectors_roadmaps
from roadmaps.models import TargetDateChange
from tests.factories.portfolio import ProductFactory, ProductLineFactory
from tests.factories.roadmaps import LaunchFactory, RoadmapItemFactory

from .portfolio_data import PAGE_ROLES, TODAY, count_queries, get, portfolio

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("at_now")]


def days(n):
    return TODAY + timedelta(days=n)


def lanes(html: str) -> list[str]:
    return re.findall(r'data-testid="roadmap-lane" data-product-slug="([^"]+)"', html)


def delivery_row(html: str, slug: str) -> str:
    found = re.search(
        rf'data-testid="delivery-row" data-product-slug="{slug}">(.*?)</tr>', html, re.S
    )
    assert found is not None, slug
    return found.group(1)


@pytest.fixture
def roadmap():
    """Atlas: on time, late, overdue, one slipped twice, a launch; Zephyr: on time."""
    line = ProductLineFactory(name="Commerce")
    atlas = ProductFactory(name="Atlas", slug="atlas", product_line=line, horizon="h1")
    zephyr = ProductFactory(name="Zephyr", slug="zephyr", horizon="h2")
    RoadmapItemFactory(
        product=atlas, title="Audit log", status="done", target_date=days(-30)
    )
    RoadmapItemFactory(
        product=atlas,
        title="Bulk editing",
        status="done",
        target_date=days(-20),
        delivered_on=days(-15),
    )
    RoadmapItemFactory(
        product=atlas, title="Price lists", status="in_progress", target_date=days(-5)
    )
    slipped = RoadmapItemFactory(
        product=atlas,
        title="Usage pricing",
        status="planned",
        start_date=days(10),
        target_date=days(60),
        slip_count=2,
        slip_days=40,
    )
    for previous, new in ((days(20), days(40)), (days(40), days(60))):
        TargetDateChange.objects.create(
            item=slipped, previous_date=previous, new_date=new, days=20
        )
    RoadmapItemFactory(product=atlas, title="Dropped", status="cancelled")
    LaunchFactory(product=atlas, name="Atlas 2 go-live", launch_date=days(30))
    LaunchFactory(
        product=atlas, name="Cancelled launch", launch_date=days(31), status="cancelled"
    )
    RoadmapItemFactory(
        product=zephyr, title="Zephyr sync", status="done", target_date=days(-10)
    )
    ProductFactory(name="Old terminal", slug="old", lifecycle_stage="retired")
    return atlas, zephyr


def test_one_lane_per_product_that_is_not_retired(client, users, roadmap):
    html = get(client, users["executive"], "/roadmaps/").content.decode()

    assert lanes(html) == ["atlas", "zephyr"]
    assert "Old terminal" not in html


def test_timeline_shows_bars_slips_deliveries_today_and_launches(
    client, users, roadmap
):
    html = get(client, users["executive"], "/roadmaps/").content.decode()
    svg = re.search(r'data-testid="roadmap-timeline">(.*?)</svg>', html, re.S).group(1)

    assert 'data-testid="today-line"' in svg
    assert "today is 20 Nov 2026" in html
    assert "Usage pricing (slipped 2 times)" in svg
    assert svg.count('class="slip-mark"') == 2
    assert svg.count('class="delivered"') == 3  # the three done items
    assert "Launch: Atlas 2 go-live, 20 Dec 2026 (planned)" in svg
    assert "Cancelled launch" not in svg
    assert '<g class="strip-item overdue">' in svg  # Price lists
    assert '<g class="strip-item late">' in svg  # Bulk editing
    assert "Dropped" not in svg


def test_on_time_delivery_per_product_and_overall(client, users, roadmap):
    html = get(client, users["executive"], "/roadmaps/").content.decode()

    atlas = delivery_row(html, "atlas")
    assert re.findall(r'<td class="num[^"]*">([^<]*)</td>', atlas) == [
        "1",  # on time
        "1",  # late
        "1",  # not delivered
        "33 %",
        "50.0",  # (1 + 0.5 + 0) / 3
    ]
    assert "100 %" in delivery_row(html, "zephyr")
    overall = re.search(r'data-testid="delivery-overall"[^>]*>', html).group(0)
    assert 'data-on-time="2" data-total="4"' in overall
    assert "2 of 4 items due from" in html


def test_upcoming_launches_list_the_next_ninety_days(client, users, roadmap):
    LaunchFactory(product=roadmap[1], name="Far away", launch_date=days(120))
    LaunchFactory(product=roadmap[1], name="Done already", status="launched")

    html = get(client, users["executive"], "/roadmaps/").content.decode()
    launches = re.findall(r'data-testid="upcoming-launch">(.*?)</li>', html, re.S)

    assert len(launches) == 1
    assert "Atlas 2 go-live" in launches[0]
    assert "in 30 days" in launches[0]
    assert "checklist 50 % done" in launches[0]


@pytest.mark.parametrize(
    ("query", "expected"),
    [("product=zephyr", ["zephyr"]), ("horizon=h2", ["zephyr"])],
)
def test_filters(client, users, roadmap, query, expected):
    html = get(client, users["executive"], f"/roadmaps/?{query}").content.decode()

    assert lanes(html) == expected


def test_product_line_filter_and_its_overall_figures(client, users, roadmap):
    line = roadmap[0].product_line

    html = get(client, users["cpo"], f"/roadmaps/?line={line.pk}").content.decode()

    assert lanes(html) == ["atlas"]
    assert 'data-on-time="1" data-total="3"' in html
    assert "(filtered)" in html


def test_pages_of_products_keep_the_filters(client, users, monkeypatch):
    monkeypatch.setattr(selectors_roadmaps, "PER_PAGE", 2)
    for n in range(5):
        ProductFactory(name=f"P{n}", slug=f"p{n}", horizon="h3")

    first = get(client, users["cpo"], "/roadmaps/?horizon=h3").content.decode()
    last = get(client, users["cpo"], "/roadmaps/?horizon=h3&page=3").content.decode()

    assert lanes(first) == ["p0", "p1"]
    assert 'href="?horizon=h3&amp;page=2" rel="next"' in first
    assert lanes(last) == ["p4"]


def test_a_lane_draws_at_most_its_limit_and_counts_the_rest(client, users, monkeypatch):
    monkeypatch.setattr(selectors_roadmaps, "LANE_LIMIT", 2)
    product = ProductFactory(name="Busy", slug="busy")
    for n in range(4):
        RoadmapItemFactory(product=product, target_date=days(n + 1))

    html = get(client, users["cpo"], "/roadmaps/").content.decode()

    assert "Busy (+2 more)" in html


@pytest.mark.parametrize(
    ("query", "parameter", "text"),
    [
        ("horizon=h9", "horizon", "“h9” is not one of h1, h2, h3"),
        ("line=abc", "line", "is not a positive whole number"),
        ("line=999999", "line", "there is no product line with id 999999"),
        ("product=nope", "product", "no scored product has the slug “nope”"),
        ("product=old", "product", "no scored product has the slug “old”"),
        ("page=7", "page", "there is 1 page; 7 is past the end"),
    ],
)
def test_bad_parameters_get_a_400_page_naming_them(
    client, users, roadmap, query, parameter, text
):
    response = get(client, users["cpo"], f"/roadmaps/?{query}")

    assert response.status_code == 400
    html = response.content.decode()
    assert f'data-parameter="{parameter}"' in html
    assert text in html


def test_an_item_named_like_a_script_shows_as_text(client, users):
    RoadmapItemFactory(title="<script>alert(1)</script>", target_date=days(3))

    html = get(client, users["cpo"], "/roadmaps/").content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_empty_portfolio(client, users):
    response = get(client, users["cpo"], "/roadmaps/")

    assert response.status_code == 200
    assert "No product." in response.content.decode()


# --- access -----------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get("/roadmaps/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/roadmaps/"


@pytest.mark.parametrize("role", ["integration", "nobody"])
def test_integration_and_roleless_users_get_403(client, users, role):
    assert get(client, users[role], "/roadmaps/").status_code == 403


@pytest.mark.parametrize("role", PAGE_ROLES)
def test_every_page_role_sees_the_page(client, users, roadmap, role):
    response = get(client, users[role], "/roadmaps/")

    assert response.status_code == 200
    assert "Usage pricing" in response.content.decode()


def test_item_links_go_to_the_api_for_an_executive(client, users, roadmap):
    html = get(client, users["executive"], "/roadmaps/").content.decode()

    assert "/api/v1/roadmap-items/" in html
    assert "/admin/" not in html


# --- a fixed number of queries ---------------------------------------------------


@pytest.mark.parametrize("query", ["", "?horizon=h1&page=1"])
def test_queries_do_not_grow_with_the_portfolio(client, users, query):
    client.force_login(users["executive"])
    for product in portfolio(5, items=2):
        LaunchFactory(product=product, launch_date=days(10))
    small = count_queries(client, f"/roadmaps/{query}")
    for product in portfolio(45, items=4):
        LaunchFactory(product=product, launch_date=days(10))
        item = product.roadmap_items.first()
        TargetDateChange.objects.create(
            item=item, previous_date=days(-9), new_date=days(-5), days=4
        )

    large = count_queries(client, f"/roadmaps/{query}")

    assert large == small
    assert small <= 14
