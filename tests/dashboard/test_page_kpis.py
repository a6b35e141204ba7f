"""`/kpis/`: every KPI's attainment, stale first, filters, pages, access, queries."""

import re
from datetime import timedelta

import pytest
from django.db import connection

from dashboard import selectors_kpis
from kpis.models import Kpi
from tests.factories.kpis import KpiFactory, MeasurementFactory
from tests.factories.portfolio import ObjectiveFactory, ProductFactory

from .portfolio_data import NOW, PAGE_ROLES, count_queries, get, portfolio

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("at_now")]


def kpi(product, name, value=None, days_ago=1, **kwargs):
    made = KpiFactory(product=product, name=name, **kwargs)
    if value is not None:
        MeasurementFactory(
            kpi=made, value=value, measured_at=NOW - timedelta(days=days_ago)
        )
    return made


def names(html: str) -> list[str]:
    rows = re.findall(r'data-testid="kpi-row".*?</tr>', html, re.S)
    link = r'<th scope="row"><a [^>]*>([^<]+)</a>'
    return [re.search(link, r).group(1) for r in rows]


@pytest.fixture
def board():
    """Four KPIs: stale (old value), never measured, at 20 %, at 80 %; no target."""
    atlas = ProductFactory(name="Atlas", slug="atlas")
    zephyr = ProductFactory(name="Zephyr", slug="zephyr")
    kpi(atlas, "Old revenue", value=19, days_ago=30, cadence="weekly")
    kpi(zephyr, "Never measured", cadence="monthly", category="quality")
    kpi(atlas, "Low activation", value=12, cadence="weekly")  # 20 %
    kpi(zephyr, "High retention", value=18, cadence="weekly")  # 80 %
    kpi(atlas, "Page views", value=5, target=None, baseline=None)
    return atlas, zephyr


def test_stale_kpis_come_first_then_the_furthest_from_target(client, users, board):
    html = get(client, users["executive"], "/kpis/").content.decode()

    assert names(html) == [
        "Old revenue",  # stale: Atlas before Zephyr
        "Never measured",
        "Low activation",
        "High retention",
        "Page views",  # no target: last
    ]
    assert re.findall(r'data-stale="(true|false)"', html) == [
        "true",
        "true",
        "false",
        "false",
        "false",
    ]


def test_rows_show_attainment_latest_value_and_staleness(client, users, board):
    html = get(client, users["executive"], "/kpis/").content.decode()
    rows = re.findall(r'data-testid="kpi-row".*?</tr>', html, re.S)

    assert '<td class="num attainment">0 %</td>' in rows[0]  # stale: 0
    assert "30 days ago" in rows[0]
    assert "stale" in rows[0]
    assert "never measured" in rows[1]
    assert '<td class="num attainment">20 %</td>' in rows[2]
    assert "12 %" in rows[2]  # latest value with unit
    assert '<td class="num attainment">80 %</td>' in rows[3]
    assert "no target" in rows[4]
    assert '<td class="num attainment">—</td>' in rows[4]


def test_totals_count_every_match(client, users, board):
    html = get(client, users["executive"], "/kpis/").content.decode()

    assert 'data-total="5" data-stale="2"' in html
    # Mean over the 4 with a target: (0 + 0 + 0.2 + 0.8) / 4 = 25 %.
    assert "4 with a target; mean attainment 25 %" in html


def test_sql_order_and_figures_agree_with_the_attainment_function(users, board):
    """The SQL figures (for order and totals) equal kpis.attainment's."""
    from kpis.selectors import kpi_attainment_of

    sql, params = selectors_kpis.figures_sql(
        selectors_kpis._base(users["cpo"]), now=NOW
    )
    with connection.cursor() as cursor:
        query = f"SELECT f.id, f.is_stale, f.attainment FROM ({sql}) f"  # noqa: S608
        cursor.execute(query, params)
        rows = {pk: (bool(stale), attain) for pk, stale, attain in cursor.fetchall()}
    for one in selectors_kpis._base(users["cpo"]):
        result = kpi_attainment_of(one, now=NOW)
        stale, attainment = rows[one.pk]
        assert stale is result.stale, one.name
        assert attainment == pytest.approx(result.attainment), one.name


def test_lower_is_better_kpis_are_scored_the_other_way(client, users):
    product = ProductFactory(name="Atlas")
    kpi(
        product,
        "Latency",
        value=150,
        direction="lower_is_better",
        baseline=200,
        target=100,
    )

    html = get(client, users["cpo"], "/kpis/").content.decode()

    assert '<td class="num attainment">50 %</td>' in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("product=zephyr", ["Never measured", "High retention"]),
        ("category=quality", ["Never measured"]),
        ("state=stale", ["Old revenue", "Never measured"]),
        ("state=fresh", ["Low activation", "High retention", "Page views"]),
        ("q=retention", ["High retention"]),
        ("q=zeph", ["Never measured", "High retention"]),  # the product's name
        (
            "sort=-attainment",
            [
                "High retention",
                "Low activation",
                "Old revenue",
                "Never measured",
                "Page views",
            ],
        ),
        (
            "sort=product",
            [
                "Low activation",
                "Old revenue",
                "Page views",
                "High retention",
                "Never measured",
            ],
        ),
    ],
)
def test_filters_and_orders(client, users, board, query, expected):
    html = get(client, users["executive"], f"/kpis/?{query}").content.decode()

    assert names(html) == expected


def test_objective_filter(client, users, board):
    objective = ObjectiveFactory(title="Grow retention")
    Kpi.objects.filter(name="High retention").update(objective=objective)

    url = f"/kpis/?objective={objective.pk}"
    html = get(client, users["cpo"], url).content.decode()

    assert names(html) == ["High retention"]
    assert "Grow retention" in html


def test_inactive_kpis_and_retired_products_are_left_out(client, users, board):
    old = ProductFactory(name="Old terminal", lifecycle_stage="retired")
    kpi(old, "Terminal uptime", value=15)
    Kpi.objects.filter(name="Page views").update(is_active=False)

    html = get(client, users["cpo"], "/kpis/").content.decode()

    assert "Terminal uptime" not in html
    assert "Page views" not in html
    assert 'data-total="4"' in html


def test_pages_of_fifty_keep_the_filters(client, users, monkeypatch):
    monkeypatch.setattr(selectors_kpis, "PER_PAGE", 2)
    product = ProductFactory(name="Atlas", slug="atlas")
    for n in range(5):
        kpi(product, f"KPI {n}", value=10 + 2 * n)  # 0 %, 20 %, … 80 %

    first = get(client, users["cpo"], "/kpis/?product=atlas").content.decode()
    last = get(client, users["cpo"], "/kpis/?product=atlas&page=3").content.decode()

    assert names(first) == ["KPI 0", "KPI 1"]
    assert "Page 1 of 3" in first
    assert 'href="?product=atlas&amp;page=2" rel="next"' in first
    assert names(last) == ["KPI 4"]
    assert "5\N{EN DASH}5 of 5" in last


@pytest.mark.parametrize(
    ("query", "parameter", "text"),
    [
        ("category=finance", "category", "“finance” is not one of business"),
        ("state=old", "state", "“old” is not one of stale, fresh"),
        ("sort=drop+table", "sort", "is not one of stale"),
        ("page=0", "page", "is not a positive whole number"),
        ("page=abc", "page", "is not a positive whole number"),
        ("page=9", "page", "there is 1 page; 9 is past the end"),
        ("product=no-such", "product", "no scored product has the slug"),
        ("product=%3Cb%3E", "product", "expected a slug"),
        ("objective=999999", "objective", "there is no objective with id 999999"),
        ("objective=-1", "objective", "is not a positive whole number"),
        ("q=" + "x" * 101, "q", "at most 100 characters"),
    ],
)
def test_bad_parameters_get_a_400_page_naming_them(
    client, users, board, query, parameter, text
):
    response = get(client, users["cpo"], f"/kpis/?{query}")

    assert response.status_code == 400
    html = response.content.decode()
    assert f'data-parameter="{parameter}"' in html
    assert text in html


def test_empty_portfolio_says_so(client, users):
    html = get(client, users["cpo"], "/kpis/").content.decode()

    assert 'data-testid="kpi-empty"' in html


def test_a_kpi_named_like_a_script_shows_as_text(client, users):
    kpi(ProductFactory(), "<script>alert(1)</script>", value=12)

    html = get(client, users["cpo"], "/kpis/").content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --- access -----------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get("/kpis/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/kpis/"


def test_integration_gets_403(client, users):
    assert get(client, users["integration"], "/kpis/").status_code == 403


def test_user_without_a_role_gets_403(client, users):
    assert get(client, users["nobody"], "/kpis/").status_code == 403


@pytest.mark.parametrize("role", PAGE_ROLES)
def test_every_page_role_sees_the_page(client, users, board, role):
    response = get(client, users[role], "/kpis/")

    assert response.status_code == 200
    assert "Low activation" in response.content.decode()


def test_links_go_to_the_admin_for_the_cpo_and_the_api_for_an_executive(
    client, users, board
):
    one = Kpi.objects.get(name="Low activation")

    cpo = get(client, users["cpo"], "/kpis/").content.decode()
    executive = get(client, users["executive"], "/kpis/").content.decode()

    assert f'href="/admin/kpis/kpi/{one.pk}/change/"' in cpo
    assert f'href="/api/v1/kpis/{one.pk}/"' in executive
    assert "/admin/" not in executive


# --- a fixed number of queries ---------------------------------------------------


@pytest.mark.parametrize(
    "query", ["", "?state=stale&sort=attainment", "?product=product-0001-x"]
)
def test_queries_do_not_grow_with_the_portfolio(client, users, query):
    client.force_login(users["executive"])
    products = portfolio(5, kpis=2)
    products[0].slug = "product-0001-x"
    products[0].save()
    small = count_queries(client, f"/kpis/{query}")
    portfolio(45, kpis=3)
    assert Kpi.objects.count() == 145

    large = count_queries(client, f"/kpis/{query}")

    assert large == small
    assert small <= 8
