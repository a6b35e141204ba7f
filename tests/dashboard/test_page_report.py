"""`/report/` and its CSV through the Django client."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.urls import reverse

from health.models import PortfolioSnapshot, ProductSnapshot
from hiring.models import Candidate
from portfolio.models import Product
from tests.factories.hiring import PositionFactory
from tests.factories.portfolio import ProductFactory, ProductLineFactory
from tests.factories.roadmaps import LaunchFactory

from .hiring_data import hiring_portfolio
from .portfolio_data import (
    NOW,
    PAGE_ROLES,
    TODAY,
    count_queries,
    get,
    portfolio,
    score_all,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("at_now")]

THEN = NOW - timedelta(days=30)  # portfolio() scores here and at NOW


def set_then(product, **fields):
    """Rewrite the product's snapshot of 30 days ago (what the report compares)."""
    ProductSnapshot.objects.filter(product=product, computed_at=THEN).update(**fields)


def changed_rows(html: str) -> list[tuple[str, str]]:
    return re.findall(
        r'data-testid="changed-row" data-product-slug="([^"]+)" data-change="([^"]+)"',
        html,
    )


def read_csv(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.content.decode())))


# --- access ---------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/report/", "/report/products.csv"])
def test_anonymous_visitor_is_sent_to_the_login_page(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


@pytest.mark.parametrize("url", ["/report/", "/report/products.csv"])
def test_integration_gets_403(client, users, url):
    assert get(client, users["integration"], url).status_code == 403


@pytest.mark.parametrize("role", PAGE_ROLES)
def test_every_page_role_reads_the_report_and_its_csv(client, users, role):
    products = portfolio(2)

    page = get(client, users[role], "/report/")
    download = get(client, users[role], "/report/products.csv")

    assert page.status_code == 200
    assert products[0].name in page.content.decode()
    assert download.status_code == 200
    assert [r["slug"] for r in read_csv(download)] == [p.slug for p in products]


# --- the report -------------------------------------------------------------------


def test_report_compares_the_portfolio_now_with_the_chosen_date(client, users):
    products = portfolio(3)
    PortfolioSnapshot.objects.filter(computed_at=THEN).update(
        score=72.5, status="healthy"
    )
    set_then(products[0], status="healthy", score=75.0)

    html = get(client, users["executive"], "/report/").content.decode()

    # Default: the policy's trend window (28 days) ago, compared at its midnight.
    assert 'From <time datetime="2026-10-23">23 October 2026</time>' in html
    assert 'data-testid="score-then" data-score="72.5" data-status="healthy"' in html
    assert 'data-testid="score-now" data-score="41.0" data-status="at_risk"' in html
    assert re.search(r'data-testid="score-change">▼ 31.5<', html)
    counts = re.search(r'data-testid="status-counts">(.*?)</table>', html, re.S)
    healthy = re.search(r'<tr data-status="healthy">.*?</tr>', counts.group(1), re.S)
    assert re.findall(r'<td class="num">([^<]+)</td>', healthy.group(0)) == [
        "1",
        "0",
        "-1",
    ]


def test_products_that_changed_status_worsened_first(client, users):
    worse, better, same, new = portfolio(4)
    set_then(worse, status="healthy", score=80.0)
    set_then(better, status="critical", score=20.0)
    ProductSnapshot.objects.filter(product=new, computed_at=THEN).delete()

    html = get(client, users["executive"], "/report/").content.decode()

    assert changed_rows(html) == [
        (worse.slug, "worse"),
        (new.slug, "new"),
        (better.slug, "better"),
    ]
    assert same.slug not in changed_rows(html)
    assert "Products that changed status (3)" in html
    # Not scored then counts as unknown then.
    unknown = re.search(r'<tr data-status="unknown">.*?</tr>', html, re.S).group(0)
    assert re.findall(r'<td class="num">([^<]+)</td>', unknown) == ["1", "0", "-1"]
    assert "1 worsened and 1 improved in status." in html
    row = re.search(r'data-testid="changed-row".*?</tr>', html, re.S).group(0)
    assert "80.0" in row
    assert "▼ 39.0" in row


def test_a_date_before_any_computation_says_so(client, users):
    products = portfolio(2)

    html = get(client, users["cpo"], "/report/?since=2026-01-01").content.decode()

    assert 'data-testid="no-earlier-snapshot"' in html
    assert changed_rows(html) == [(p.slug, "new") for p in products]


def test_a_later_date_compares_with_the_snapshot_before_its_midnight(client, users):
    products = portfolio(1)
    set_then(products[0], status="critical", score=30.0)
    # A snapshot on the chosen day itself is not "before" it.
    ProductSnapshot.objects.create(
        product=products[0],
        computed_at=NOW - timedelta(days=2),
        score=90.0,
        status="healthy",
    )

    html = get(client, users["cpo"], "/report/?since=2026-11-19").content.decode()

    assert changed_rows(html) == [(products[0].slug, "worse")]  # healthy → at risk
    html = get(client, users["cpo"], "/report/?since=2026-11-18").content.decode()
    assert changed_rows(html) == [(products[0].slug, "better")]  # critical → at risk


def test_top_risks_with_their_reasons(client, users):
    portfolio(2)

    html = get(client, users["executive"], "/report/").content.decode()

    risks = re.findall(r'data-testid="risk-item".*?</li>', html, re.S)
    assert len(risks) == 2
    assert "Delivery 0.0: 1 overdue item." in risks[0]


def test_launches_in_the_period(client, users):
    product = ProductFactory(name="Atlas")
    LaunchFactory(
        product=product,
        name="Atlas GA",
        launch_date=TODAY - timedelta(3),
        status="launched",
    )
    LaunchFactory(product=product, name="Old beta", launch_date=TODAY - timedelta(60))
    LaunchFactory(
        product=product,
        name="Dropped",
        launch_date=TODAY - timedelta(3),
        status="cancelled",
    )
    LaunchFactory(product=product, name="Next year", launch_date=TODAY + timedelta(40))

    html = get(client, users["executive"], "/report/").content.decode()

    section = re.search(r'data-testid="report-launches">(.*?)</section>', html, re.S)
    text = section.group(1)
    assert "Launches in the period (1)" in text
    assert "Atlas GA" in text
    for name in ("Old beta", "Dropped", "Next year"):
        assert name not in text


def test_hires_in_the_period_without_candidate_names(client, users):
    _, _, filled = hiring_portfolio()  # filled 10 days ago after 30 days
    PositionFactory(
        title="Long ago",
        status="filled",
        opened_on=TODAY - timedelta(200),
        filled_on=TODAY - timedelta(100),
    )

    for role in PAGE_ROLES:
        html = get(client, users[role], "/report/").content.decode()
        section = re.search(r'data-testid="report-hires">(.*?)</section>', html, re.S)
        text = section.group(1)
        assert "Hires in the period (1)" in text
        assert filled.title in text
        assert '<td class="num">30</td>' in text
        assert "Long ago" not in text
        for name in Candidate.objects.values_list("full_name", flat=True):
            assert name not in html


def test_the_csv_link_carries_the_chosen_date(client, users):
    portfolio(1)

    html = get(client, users["cpo"], "/report/?since=2026-11-01").content.decode()

    assert (
        'data-testid="report-csv" href="/report/products.csv?since=2026-11-01"' in html
    )


@pytest.mark.parametrize(
    ("since", "text"),
    [
        ("yesterday", "“yesterday” is not a date written YYYY-MM-DD"),
        ("2026-13-01", "“2026-13-01” is not a date written YYYY-MM-DD"),
        ("2026-11-20", "2026-11-20 is not before today (2026-11-20)"),
        ("2027-01-01", "2027-01-01 is not before today"),
        ("20261101", "“20261101” is not a date written YYYY-MM-DD"),
        ("2026-W45-1", "“2026-W45-1” is not a date written YYYY-MM-DD"),
        ("\uff12\uff10\uff12\uff16-11-01", "is not a date written YYYY-MM-DD"),
    ],
)
@pytest.mark.parametrize("url", ["/report/", "/report/products.csv"])
def test_a_bad_since_is_a_400_naming_it(client, users, url, since, text):
    response = get(client, users["cpo"], f"{url}?since={since}")

    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-parameter="since"' in html
    assert text in html


# --- the CSV ----------------------------------------------------------------------


def test_csv_has_every_products_row_with_then_and_now(client, users):
    worse, same = portfolio(2)
    set_then(worse, status="healthy", score=80.0)
    ProductFactory(name="Old terminal", lifecycle_stage="retired")

    response = get(client, users["cpo"], "/report/products.csv")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="portfolio-report-2026-10-23-to-2026-11-20.csv"'
    )
    rows = read_csv(response)
    assert [r["slug"] for r in rows] == [worse.slug, same.slug]
    first = rows[0]
    assert first["score_now"] == "41.0"
    assert first["status_now"] == "at_risk"
    assert first["score_then"] == "80.0"
    assert first["status_then"] == "healthy"
    assert first["score_change"] == "-39.0"  # a number: no quote
    assert first["status_change"] == "worse"
    assert first["weakest_component"] == "delivery"
    assert rows[1]["status_change"] == "same"


def test_csv_neutralises_text_formulas_and_leaves_numbers_alone(client, users):
    (product,) = portfolio(1)
    set_then(product, status="healthy", score=80.0)  # a negative change: -39.0
    line = ProductLineFactory(name="+SUM(A1:A9)")
    Product.objects.filter(pk=product.pk).update(
        name='=HYPERLINK("http://evil.example","x")',
        slug="formula",
        product_line=line,
        strategic_importance=5,
        annual_budget=1200,
    )
    ProductFactory(name="@cmd", slug="at-cmd")
    ProductFactory(name="-2+3", slug="minus")
    ProductFactory(name="Plain", slug="plain")

    response = get(client, users["cpo"], "/report/products.csv")

    raw = response.content.decode()
    rows = {r["slug"]: r for r in read_csv(response)}
    assert rows["formula"]["product"] == '\'=HYPERLINK("http://evil.example","x")'
    assert rows["formula"]["product_line"] == "'+SUM(A1:A9)"
    assert rows["at-cmd"]["product"] == "'@cmd"
    assert rows["minus"]["product"] == "'-2+3"
    assert rows["plain"]["product"] == "Plain"
    # Numbers stay numbers, negative ones too.
    assert rows["formula"]["strategic_importance"] == "5"
    assert rows["formula"]["annual_budget"] == "1200.00"
    assert rows["formula"]["score_change"] == "-39.0"
    assert rows["formula"]["score_now"] == "41.0"
    assert "'-39" not in raw
    assert ",-39.0," in raw


# --- a fixed number of queries -------------------------------------------------------


@pytest.mark.parametrize("url", ["/report/", "/report/products.csv"])
@pytest.mark.parametrize("role", ["cpo", "executive"])
def test_report_queries_do_not_grow_with_the_portfolio(client, users, role, url):
    client.force_login(users[role])
    portfolio(5)
    hiring_portfolio(name="H0", slug="h0")
    LaunchFactory(launch_date=TODAY - timedelta(2))
    small = count_queries(client, url)
    portfolio(45)
    for i in range(1, 6):
        hiring_portfolio(name=f"H{i}", slug=f"h{i}")
        LaunchFactory(launch_date=TODAY - timedelta(i))
    score_all()

    large = count_queries(client, url)

    assert large == small
    assert small <= 14
