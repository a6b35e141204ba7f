"""The portfolio dashboard and the product page through the Django client."""

import re

import pytest
from django.urls import reverse

from health.models import ProductSnapshot
from kpis.models import Kpi
from roadmaps.models import RoadmapItem
from tests.factories.portfolio import ProductFactory

from .portfolio_data import (
    PAGE_ROLES,
    count_queries,
    get,
    portfolio,
    product_with_records,
    rich_product,
    score_all,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("at_now")]


def bar_row(key: str, label: str, value: str) -> str:
    """The pattern of one row of a bar table (dashboard/_partials/bars.html)."""
    return (
        rf'<tr data-key="{key}">\s*<th scope="row">{label}</th>\s*'
        rf'<td class="num">{re.escape(value)}</td>'
    )


def slugs_of(html: str, name: str) -> list[str]:
    return re.findall(rf'data-testid="{name}"[^>]*data-product-slug="([^"]+)"', html)


# --- access ---------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/", "/products/atlas/"])
def test_anonymous_visitor_is_sent_to_the_login_page(client, url):
    ProductFactory(slug="atlas")

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


@pytest.mark.parametrize("url", ["/", "/products/atlas/"])
def test_integration_gets_403_on_pages(client, users, url):
    ProductFactory(slug="atlas")

    response = get(client, users["integration"], url)

    assert response.status_code == 403


@pytest.mark.parametrize("role", PAGE_ROLES)
@pytest.mark.parametrize("url", ["/", "/products/atlas/"])
def test_every_page_role_sees_both_pages(client, users, role, url):
    rich_product()

    response = get(client, users[role], url)

    assert response.status_code == 200
    assert "Atlas" in response.content.decode()


def test_unknown_product_is_a_404(client, users):
    response = get(client, users["cpo"], "/products/no-such-product/")

    assert response.status_code == 404


# --- the portfolio page ------------------------------------------------------------


def test_portfolio_shows_the_portfolio_score_status_and_trend(client, users):
    portfolio(3)

    html = get(client, users["executive"], "/").content.decode()

    card = re.search(r'data-testid="portfolio-score"[^>]*>(.*?)</div>', html, re.S)
    assert card is not None
    assert 'data-status="at_risk"' in html
    assert "41.0" in card.group(1)
    assert "At risk" in card.group(1)


def test_portfolio_lists_one_row_per_product_that_is_not_retired(client, users):
    products = portfolio(3)
    ProductFactory(name="Old terminal", slug="old-terminal", lifecycle_stage="retired")

    html = get(client, users["executive"], "/").content.decode()

    assert slugs_of(html, "product-row") == sorted(p.slug for p in products)
    assert "Old terminal" not in html
    assert f'href="/products/{products[0].slug}/"' in html


def test_product_row_shows_score_status_trend_sparkline_and_weakest(client, users):
    products = portfolio(1)
    product = products[0]
    product.refresh_from_db()

    html = get(client, users["executive"], "/").content.decode()

    row = re.search(
        r'<tr class="row-[^"]*" data-testid="product-row".*?</tr>', html, re.S
    )
    assert row is not None
    text = row.group(0)
    assert f"{product.health_score:.1f}" in text
    assert 'data-status="at_risk"' in text
    assert "<polyline points=" in text  # two weekly points at least: a line
    assert 'aria-label="Score from' in text  # the sparkline's text equivalent
    assert "<td>Delivery</td>" in text  # the overdue item: delivery scores 0


def test_counts_by_status_and_shape_of_the_portfolio(client, users):
    portfolio(2)
    ProductFactory(name="Fresh idea", lifecycle_stage="concept", horizon="h3")
    score_all()

    html = get(client, users["executive"], "/").content.decode()

    counts = re.search(r'data-testid="status-counts">(.*?)</ul>', html, re.S).group(1)
    assert re.search(
        r'data-status="at_risk".*?At risk <strong>2</strong>', counts, re.S
    )
    assert re.search(
        r'data-status="unknown".*?Unknown <strong>1</strong>', counts, re.S
    )
    assert re.search(bar_row("concept", "Concept", "1"), html)
    assert re.search(bar_row("h1", "H1 — core business today", "2"), html)


def test_budget_by_horizon_sums_the_annual_budgets(client, users):
    ProductFactory(horizon="h2", annual_budget=1_500_000)
    ProductFactory(horizon="h2", annual_budget=500_000)
    ProductFactory(horizon="h3", annual_budget=None)

    html = get(client, users["executive"], "/").content.decode()

    assert re.search(bar_row("h2", "H2 — emerging", "2.0 M"), html)
    assert "Total annual budget: 2.0 M" in html


def test_at_risk_list_gives_each_products_reason(client, users):
    portfolio(2)

    html = get(client, users["executive"], "/").content.decode()

    items = re.findall(r'data-testid="at-risk-item".*?</li>', html, re.S)
    assert len(items) == 2
    assert "Delivery 0.0: 1 overdue item." in items[0]


def test_status_filter_shows_only_that_status_and_keeps_the_counts(client, users):
    portfolio(2)
    ProductFactory(name="Unscored", slug="unscored")

    html = get(client, users["executive"], "/?status=unknown").content.decode()

    assert slugs_of(html, "product-row") == ["unscored"]
    assert "At risk <strong>2</strong>" in html


@pytest.mark.parametrize(
    ("query", "parameter", "text"),
    [
        (
            "sort=drop+table",
            "sort",
            "“drop table” is not one of name, -name, score, -score, importance,"
            " stage, trend.",
        ),
        ("sort=Score", "sort", "“Score” is not one of name"),
        (
            "status=nope",
            "status",
            "“nope” is not one of unknown, healthy, at_risk, critical.",
        ),
        ("status=at_risk&sort=%00", "sort", "“\x00” is not one of"),
        ("sort=score&status=HEALTHY", "status", "“HEALTHY” is not one of"),
    ],
)
def test_a_bad_sort_or_status_is_a_400_page_naming_it(
    client, users, query, parameter, text
):
    portfolio(2)

    response = get(client, users["executive"], f"/?{query}")

    assert response.status_code == 400
    html = response.content.decode()
    assert f'data-parameter="{parameter}"' in html
    assert f"<code>{parameter}</code>" in html
    assert text in html
    assert 'data-testid="product-row"' not in html
    assert '<a href="/">Show the page without filters</a>' in html


def test_an_empty_sort_or_status_is_the_default(client, users):
    products = portfolio(2)

    response = get(client, users["executive"], "/?sort=&status=")

    assert response.status_code == 200
    assert slugs_of(response.content.decode(), "product-row") == [
        p.slug for p in products
    ]


def test_a_valid_sort_and_status_still_work(client, users):
    first, second = portfolio(2)
    ProductFactory(name="Unscored", slug="unscored")

    by_name = get(client, users["executive"], "/?sort=-name").content.decode()
    at_risk = get(
        client, users["executive"], "/?sort=-name&status=at_risk"
    ).content.decode()

    assert slugs_of(by_name, "product-row") == ["unscored", second.slug, first.slug]
    assert slugs_of(at_risk, "product-row") == [second.slug, first.slug]
    assert 'name="status" value="at_risk"' in at_risk


def test_last_computation_time_is_shown(client, users):
    portfolio(1)

    html = get(client, users["executive"], "/").content.decode()

    assert 'datetime="2026-11-20T12:00:00+00:00" data-testid="computed-at"' in html


def test_portfolio_without_any_computation_says_so(client, users):
    ProductFactory()

    html = get(client, users["cpo"], "/").content.decode()

    assert "Not computed yet." in html
    assert 'data-status="unknown"' in html


@pytest.mark.parametrize(
    ("role", "shown"),
    [
        ("cpo", True),
        ("product_manager", False),
        ("executive", False),
        ("recruiter", False),
    ],
)
def test_only_the_cpo_sees_recompute_now(client, users, role, shown):
    portfolio(1)

    html = get(client, users[role], "/").content.decode()

    assert ('data-testid="recompute"' in html) is shown


def test_a_product_named_like_a_script_shows_as_text(client, users):
    ProductFactory(name="<script>alert(1)</script>", slug="xss")
    score_all()

    for url in ("/", "/products/xss/"):
        html = get(client, users["cpo"], url).content.decode()
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --- the product page ---------------------------------------------------------------


def test_product_page_shows_vision_segments_objectives(client, users):
    rich_product()

    html = get(client, users["executive"], "/products/atlas/").content.decode()

    for text in (
        "Self-service ordering.",
        "Orders arrive by email.",
        "Buyers reorder in minutes.",
        "Mid-market retail",
        "Win the mid-market",
        "Buyers want price lists",
    ):
        assert text in html


def test_product_page_explains_the_score_in_words(client, users):
    rich_product()

    html = get(client, users["cpo"], "/products/atlas/").content.decode()
    section = re.search(r'data-testid="health-components">(.*?)</section>', html, re.S)

    assert section is not None
    text = section.group(1)
    assert "The weakest component is" in text
    assert "1 KPI is stale" in text
    assert "Net revenue</a> — last measured 2026-10-31" in text
    assert "Bulk editing</a> — due 2026-11-10" in text  # overdue
    assert "Audit log</a> — 5 days late" in text
    assert "Atlas squad</a> — 4 people short (2 of 6)" in text


def test_explanation_links_to_admin_pages_for_the_cpo(client, users):
    rich_product()
    kpi = Kpi.objects.get(name="Net revenue")
    item = RoadmapItem.objects.get(title="Bulk editing")

    html = get(client, users["cpo"], "/products/atlas/").content.decode()

    assert f'href="/admin/kpis/kpi/{kpi.pk}/change/"' in html
    assert f'href="/admin/roadmaps/roadmapitem/{item.pk}/change/"' in html


def test_explanation_links_to_the_api_for_an_executive(client, users):
    rich_product()
    kpi = Kpi.objects.get(name="Net revenue")

    html = get(client, users["executive"], "/products/atlas/").content.decode()

    assert f'href="/api/v1/kpis/{kpi.pk}/"' in html
    assert "/admin/" not in html


def test_product_page_shows_kpis_against_target_with_series(client, users):
    rich_product()

    html = get(client, users["executive"], "/products/atlas/").content.decode()

    table = re.search(r'data-testid="kpi-table">(.*?)</table>', html, re.S).group(1)
    assert "Activation rate" in table
    assert "20 %" in table  # 12 on the way from 10 to 20
    assert "stale" in table
    assert 'class="target-line"' in html
    assert "Activation rate from 12" in html  # the chart's summary


def test_product_page_shows_the_roadmap_with_today_and_outcomes(client, users):
    rich_product()

    html = get(client, users["executive"], "/products/atlas/").content.decode()

    assert 'class="today"' in html
    assert "today is 20 Nov 2026" in html
    table = re.search(r'data-testid="roadmap-table">(.*?)</table>', html, re.S).group(1)
    assert "Overdue" in table
    assert "Delivered late" in table
    assert "Open" in table


def test_product_page_shows_teams_against_plan_and_open_positions(client, users):
    rich_product()

    html = get(client, users["executive"], "/products/atlas/").content.decode()

    assert "2 of 6 planned people are in place; 1 open position." in html
    assert "Backend engineer" in html


def test_retired_product_page_says_it_is_not_scored(client, users):
    ProductFactory(name="Old terminal", slug="old", lifecycle_stage="retired")

    html = get(client, users["executive"], "/products/old/").content.decode()

    assert "Retired: this product is no longer scored." in html


def test_unscored_product_page_says_why(client, users):
    ProductFactory(name="Fresh idea", slug="fresh")
    score_all()

    html = get(client, users["executive"], "/products/fresh/").content.decode()

    assert "Not scored: none of the three components has data yet" in html
    assert "No KPI component" in html


# --- a fixed number of queries -------------------------------------------------------


@pytest.mark.parametrize("role", ["cpo", "executive"])
def test_portfolio_page_queries_do_not_grow_with_the_portfolio(client, users, role):
    client.force_login(users[role])
    portfolio(5)
    small = count_queries(client, "/")
    portfolio(45)  # 50 in all
    assert ProductSnapshot.objects.values("product").distinct().count() == 50

    large = count_queries(client, "/")

    assert large == small
    assert small <= 12


def test_product_page_queries_do_not_grow_with_its_records_or_the_portfolio(
    client, users
):
    client.force_login(users["cpo"])
    small_product = product_with_records("Small", slug="small")
    portfolio(4)
    score_all()
    small = count_queries(client, "/products/small/")
    product_with_records("Big", slug="big", kpis=6, items=8, teams=4)
    portfolio(45)
    score_all()

    large = count_queries(client, "/products/big/")

    assert small_product.kpis.count() == 1
    assert large == small
    assert small <= 20
