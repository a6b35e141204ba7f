"""`/objectives/`: objective → products → KPIs with their health; access, queries."""

import re
from datetime import timedelta

import pytest

from dashboard import selectors_objectives
from portfolio.models import Product
from tests.factories.kpis import KpiFactory, MeasurementFactory
from tests.factories.portfolio import ObjectiveFactory, ProductFactory

from .portfolio_data import NOW, PAGE_ROLES, count_queries, get, portfolio

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("at_now")]


def section(html: str, objective) -> str:
    found = re.search(rf'data-objective-id="{objective.pk}"(.*?)</section>', html, re.S)
    assert found is not None
    return found.group(1)


def scored(name, score, status, importance=3, **kwargs):
    product = ProductFactory(name=name, strategic_importance=importance, **kwargs)
    Product.objects.filter(pk=product.pk).update(
        health_score=score, health_status=status
    )
    return product


@pytest.fixture
def goals():
    grow = ObjectiveFactory(title="Grow the mid-market", status="active")
    ObjectiveFactory(title="Old goal", status="achieved", period="2025-H1")
    atlas = scored("Atlas", 80.0, "healthy", importance=1, objectives=[grow])
    zephyr = scored("Zephyr", 40.0, "at_risk", importance=3, objectives=[grow])
    helix = scored("Helix", 65.0, "at_risk")  # serves it through a KPI only
    fresh = KpiFactory(product=atlas, name="Activation", objective=grow)
    MeasurementFactory(kpi=fresh, value=15.0, measured_at=NOW - timedelta(days=1))
    KpiFactory(product=zephyr, name="Retention", objective=grow)  # never measured
    KpiFactory(product=zephyr, name="Unrelated KPI")
    KpiFactory(product=helix, name="Expansion", objective=grow)
    return grow, atlas, zephyr, helix


def test_objective_lists_its_products_weakest_first_with_their_kpis(
    client, users, goals
):
    grow = goals[0]

    html = section(
        get(client, users["executive"], "/objectives/").content.decode(), grow
    )

    assert re.findall(
        r'data-testid="objective-product" data-product-slug="([^"]+)"', html
    ) == [
        goals[2].slug,  # Zephyr 40
        goals[3].slug,  # Helix 65
        goals[1].slug,  # Atlas 80
    ]
    kpis = re.findall(r'data-testid="objective-kpi">(.*?)</li>', html, re.S)
    assert len(kpis) == 3
    assert "Activation</a> 50 %" in kpis[2]
    assert "stale" in kpis[0]  # Retention, never measured
    assert "Unrelated KPI" not in html


def test_a_product_linked_only_through_a_kpi_is_flagged(client, users, goals):
    grow, _, _, helix = goals

    html = section(get(client, users["cpo"], "/objectives/").content.decode(), grow)

    row = re.search(rf'data-product-slug="{helix.slug}">(.*?)</tr>', html, re.S)
    assert 'data-testid="not-listed"' in row.group(1)
    assert html.count('data-testid="not-listed"') == 1


def test_objective_health_is_the_importance_weighted_mean(client, users, goals):
    grow = goals[0]

    html = section(get(client, users["cpo"], "/objectives/").content.decode(), grow)

    # (80·1 + 40·3 + 65·3) / 7 = 56.4: at risk
    assert (
        'data-status="at_risk"'
        in get(client, users["cpo"], "/objectives/").content.decode()
    )
    health = re.search(r'data-testid="objective-health">(.*?)</p>', html, re.S).group(1)
    assert "At risk 56.4" in health
    assert "3 products · 2 at risk · 1 healthy" in health
    kpis = re.search(r'data-testid="objective-kpis">(.*?)</span>', html, re.S).group(1)
    # Activation 50 %, Retention and Expansion stale (0): mean 17 %.
    assert "3 key results (KPIs), 2 stale, mean attainment 17 %" in kpis
    assert f"/kpis/?objective={grow.pk}" in html


def test_active_objectives_come_first_and_the_status_filter(client, users, goals):
    html = get(client, users["cpo"], "/objectives/").content.decode()
    achieved = get(
        client, users["cpo"], "/objectives/?status=achieved"
    ).content.decode()

    titles = re.findall(r'class="card-title">([^<]+) <span class="badge">', html)
    assert titles == ["Grow the mid-market", "Old goal"]
    assert "No product serves this objective yet." in html
    assert re.findall(r'class="card-title">([^<]+) <span', achieved) == ["Old goal"]


def test_retired_products_do_not_serve_objectives(client, users, goals):
    grow = goals[0]
    ProductFactory(name="Old terminal", lifecycle_stage="retired", objectives=[grow])

    html = get(client, users["cpo"], "/objectives/").content.decode()

    assert "Old terminal" not in html


def test_products_beyond_the_limit_are_counted(client, users, goals, monkeypatch):
    monkeypatch.setattr(selectors_objectives, "PRODUCTS_LIMIT", 2)

    html = section(get(client, users["cpo"], "/objectives/").content.decode(), goals[0])

    assert html.count('data-testid="objective-product"') == 2
    assert "and 1 more product (healthier ones)." in html


def test_pages_of_objectives(client, users, monkeypatch):
    monkeypatch.setattr(selectors_objectives, "PER_PAGE", 2)
    for n in range(3):
        ObjectiveFactory(title=f"Goal {n}")

    first = get(client, users["cpo"], "/objectives/").content.decode()
    second = get(client, users["cpo"], "/objectives/?page=2").content.decode()

    assert first.count('data-testid="objective"') == 2
    assert "Page 1 of 2" in first
    assert second.count('data-testid="objective"') == 1


@pytest.mark.parametrize(
    ("query", "parameter", "text"),
    [
        ("status=won", "status", "“won” is not one of active, achieved"),
        ("page=x", "page", "is not a positive whole number"),
        ("page=3", "page", "there is 1 page; 3 is past the end"),
    ],
)
def test_bad_parameters_get_a_400_page_naming_them(
    client, users, goals, query, parameter, text
):
    response = get(client, users["cpo"], f"/objectives/?{query}")

    assert response.status_code == 400
    html = response.content.decode()
    assert f'data-parameter="{parameter}"' in html
    assert text in html


def test_an_objective_named_like_a_script_shows_as_text(client, users):
    ObjectiveFactory(title="<script>alert(1)</script>")

    html = get(client, users["cpo"], "/objectives/").content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get("/objectives/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/objectives/"


@pytest.mark.parametrize("role", ["integration", "nobody"])
def test_integration_and_roleless_users_get_403(client, users, role):
    assert get(client, users[role], "/objectives/").status_code == 403


@pytest.mark.parametrize("role", PAGE_ROLES)
def test_every_page_role_sees_the_page(client, users, goals, role):
    response = get(client, users[role], "/objectives/")

    assert response.status_code == 200
    assert "Grow the mid-market" in response.content.decode()


def test_queries_do_not_grow_with_the_portfolio(client, users):
    client.force_login(users["executive"])
    objectives = [ObjectiveFactory(title=f"Goal {n}") for n in range(3)]

    def align(products):
        for n, product in enumerate(products):
            product.objectives.add(objectives[n % 3])
            product.kpis.update(objective=objectives[(n + 1) % 3])

    align(portfolio(5, kpis=2))
    small = count_queries(client, "/objectives/")
    align(portfolio(45, kpis=3))

    large = count_queries(client, "/objectives/")

    assert large == small
    assert small <= 12


@pytest.mark.parametrize("role", ["cpo", "executive"])
def test_a_portfolio_without_objectives_shows_an_empty_page_not_an_error(
    client, users, role
):
    scored("Lonely", 50.0, "at_risk")

    response = get(client, users[role], "/objectives/")

    assert response.status_code == 200
    assert "No objective." in response.content.decode()
