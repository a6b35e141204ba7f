"""`/hiring/` and a position's pipeline through the Django client."""

import re

import pytest
from django.urls import reverse

from hiring.models import Candidate
from tests.factories.hiring import PositionFactory, TeamFactory

from .hiring_data import hiring_portfolio, interview_for
from .portfolio_data import NOW, PAGE_ROLES, count_queries, get

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("at_now")]


def stage_cells(html: str, stage: str) -> tuple[str, str]:
    row = re.search(rf'<tr data-stage="{stage}"[^>]*>(.*?)</tr>', html, re.S)
    assert row is not None, stage
    current = re.search(r'data-testid="stage-current">(\d+)<', row.group(1))
    reached = re.search(r'data-testid="stage-reached">(\d+)<', row.group(1))
    return current.group(1), reached.group(1)


def position_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-position-id="(\d+)"', html)]


def candidate_names() -> list[str]:
    return list(Candidate.objects.values_list("full_name", flat=True))


# --- access ---------------------------------------------------------------------


def urls() -> list[str]:
    _, opened, _ = hiring_portfolio()
    return ["/hiring/", f"/hiring/positions/{opened[0].pk}/"]


def test_anonymous_visitor_is_sent_to_the_login_page(client):
    for url in urls():
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('login')}?next={url}"


def test_integration_gets_403(client, users):
    for url in urls():
        assert get(client, users["integration"], url).status_code == 403


@pytest.mark.parametrize("role", PAGE_ROLES)
def test_every_page_role_sees_the_hiring_pages(client, users, role):
    for url in urls():
        response = get(client, users[role], url)
        assert response.status_code == 200
        assert "Atlas backend engineer 1" in response.content.decode()


def test_unknown_position_is_a_404(client, users):
    assert get(client, users["cpo"], "/hiring/positions/999999/").status_code == 404


def test_the_nav_links_to_hiring_and_marks_it_current(client, users):
    html = get(client, users["executive"], "/hiring/").content.decode()

    assert '<a href="/hiring/" aria-current="page">Hiring</a>' in html
    assert '<a href="/report/">Report</a>' in html


# --- the funnel -------------------------------------------------------------------


def test_funnel_counts_every_stage_across_positions(client, users):
    hiring_portfolio(positions=2)

    html = get(client, users["executive"], "/hiring/").content.decode()

    # 2 positions x (applied, screening, interview, offer, rejected) + 1 hire.
    assert stage_cells(html, "applied") == ("2", "11")
    assert stage_cells(html, "screening") == ("2", "7")
    assert stage_cells(html, "interview") == ("2", "5")
    assert stage_cells(html, "offer") == ("2", "3")
    assert stage_cells(html, "hired") == ("1", "1")
    assert stage_cells(html, "rejected") == ("2", "2")
    rates = re.findall(r'data-testid="stage-rate">([^<]+)<', html)
    assert rates == ["64 %", "71 %", "60 %", "33 %"]  # 7/11, 5/7, 3/5, 1/3
    assert "11 applications; 9 % reached a hire." in html


def test_time_to_fill_and_open_positions_by_age(client, users):
    hiring_portfolio(positions=2)  # open 45 and 46 days ago; one filled after 30
    PositionFactory(team=TeamFactory(), opened_on=NOW.date())

    html = get(client, users["executive"], "/hiring/").content.decode()

    card = re.search(r'data-testid="time-to-fill">(.*?)</div>', html, re.S).group(1)
    assert "30 days" in card
    assert "Atlas designer" in card  # recently filled
    ages = re.search(r'data-testid="open-by-age">(.*?)</div>', html, re.S).group(1)
    assert re.search(r'<th scope="row">0-30 days</th>\s*<td class="num">1</td>', ages)
    assert re.search(r'<th scope="row">31-60 days</th>\s*<td class="num">2</td>', ages)
    assert "3 open positions." in ages


def test_positions_table_lists_open_positions_oldest_first_with_stage_counts(
    client, users
):
    _, opened, filled = hiring_portfolio(positions=3)

    html = get(client, users["executive"], "/hiring/").content.decode()

    assert position_ids(html) == [p.pk for p in reversed(opened)]
    assert filled.pk not in position_ids(html)
    row = re.search(r'data-testid="position-row".*?</tr>', html, re.S).group(0)
    assert '<td class="num" data-testid="position-age">47 d</td>' in row
    assert "(passed)" in row  # the target fill date has passed
    counts = re.findall(r'<td class="num hide-phone">(\d+)</td>', row)
    assert counts == ["1", "1", "1", "1", "0"]


def test_status_filter_and_product_filter(client, users):
    _, _, filled = hiring_portfolio()
    _, other, _ = hiring_portfolio(name="Beacon", slug="beacon")

    html = get(client, users["cpo"], "/hiring/?status=filled").content.decode()
    assert filled.pk in position_ids(html)
    assert all(p != other[0].pk for p in position_ids(html))

    html = get(client, users["cpo"], "/hiring/?product=beacon").content.decode()
    assert position_ids(html) == [other[0].pk]
    assert stage_cells(html, "applied") == ("1", "6")  # Beacon's funnel only
    assert "Hiring: Beacon" in html


def test_positions_are_paginated(client, users):
    team = TeamFactory()
    for i in range(30):
        PositionFactory(team=team, title=f"Role {i:02}", opened_on=NOW.date())

    first = get(client, users["cpo"], "/hiring/").content.decode()
    second = get(client, users["cpo"], "/hiring/?page=2").content.decode()

    assert len(position_ids(first)) == 25
    assert len(position_ids(second)) == 5
    assert "Page 1 of 2" in first
    assert 'href="?page=2#positions"' in first
    assert set(position_ids(first)).isdisjoint(position_ids(second))


@pytest.mark.parametrize(
    ("query", "parameter", "text"),
    [
        ("status=nope", "status", "“nope” is not one of draft, open"),
        ("product=no-such", "product", "no product has the slug “no-such”"),
        ("product=no+such", "product", "expected a slug"),
        ("page=abc", "page", "“abc” is not a positive whole number"),
        ("page=9", "page", "there is 1 page; 9 is past the end"),
        ("page=0", "page", "“0” is not a positive whole number"),
        ("page=%C2%B2", "page", "“²” is not a positive whole number"),
    ],
)
def test_bad_filter_values_are_a_400_naming_the_parameter(
    client, users, query, parameter, text
):
    hiring_portfolio()

    response = get(client, users["cpo"], f"/hiring/?{query}")

    assert response.status_code == 400
    html = response.content.decode()
    assert f'data-parameter="{parameter}"' in html
    assert f"<code>{parameter}</code>" in html
    assert text in html


# --- personal data ------------------------------------------------------------------


def test_the_hiring_page_names_no_candidate_for_anyone(client, users):
    hiring_portfolio(positions=2)

    for role in PAGE_ROLES:
        html = get(client, users[role], "/hiring/").content.decode()
        for name in candidate_names():
            assert name not in html, (role, name)


@pytest.mark.parametrize("role", ["cpo", "recruiter"])
def test_cpo_and_recruiter_see_a_positions_candidates_by_stage(client, users, role):
    _, opened, _ = hiring_portfolio()

    html = get(
        client, users[role], f"/hiring/positions/{opened[0].pk}/"
    ).content.decode()

    for stage in ("applied", "screening", "interview", "offer", "rejected"):
        column = re.search(
            rf'data-stage="{stage}" data-count="1">(.*?)</div>', html, re.S
        ).group(1)
        assert f"Ada {stage.title()} atlas0" in column
    assert 'data-testid="no-personal-data"' not in html


def test_executive_sees_a_positions_counts_but_no_names(client, users):
    _, opened, _ = hiring_portfolio()

    html = get(
        client, users["executive"], f"/hiring/positions/{opened[0].pk}/"
    ).content.decode()

    assert 'data-testid="no-personal-data"' in html
    assert 'data-stage="interview" data-count="1"' in html
    assert 'data-testid="candidate"' not in html
    for name in candidate_names():
        assert name not in html


def test_product_manager_sees_names_only_where_they_interview_or_manage(client, users):
    pm = users["product_manager"]
    _, opened, _ = hiring_portfolio(positions=3)
    interview_for(opened[0], pm)
    opened[1].hiring_manager = pm
    opened[1].save()

    interviewing = get(
        client, pm, f"/hiring/positions/{opened[0].pk}/"
    ).content.decode()
    managing = get(client, pm, f"/hiring/positions/{opened[1].pk}/").content.decode()
    neither = get(client, pm, f"/hiring/positions/{opened[2].pk}/").content.decode()

    assert "Ivy Interviewed" in interviewing
    assert "Ada Offer atlas0" in interviewing
    assert "Ada Offer atlas1" in managing
    assert 'data-testid="no-personal-data"' in neither
    assert "Ada Offer atlas2" not in neither
    assert 'data-stage="offer" data-count="1"' in neither


def test_a_candidate_named_like_a_script_shows_as_text(client, users):
    _, opened, _ = hiring_portfolio()
    Candidate.objects.filter(full_name="Ada Offer atlas0").update(
        full_name="<script>alert(1)</script>"
    )

    html = get(
        client, users["cpo"], f"/hiring/positions/{opened[0].pk}/"
    ).content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --- a fixed number of queries -------------------------------------------------------


@pytest.mark.parametrize("role", ["cpo", "executive", "product_manager"])
def test_hiring_queries_do_not_grow_with_positions_or_products(client, users, role):
    client.force_login(users[role])
    hiring_portfolio(name="P0", slug="p0")
    small = count_queries(client, "/hiring/")
    small_filtered = count_queries(client, "/hiring/?product=p0&status=all")
    for i in range(1, 20):
        hiring_portfolio(name=f"P{i}", slug=f"p{i}", positions=2)

    large = count_queries(client, "/hiring/")
    large_filtered = count_queries(client, "/hiring/?product=p3&status=all")

    assert large == small
    assert large_filtered == small_filtered
    assert small <= 12


@pytest.mark.parametrize("role", ["cpo", "executive", "product_manager"])
def test_pipeline_queries_do_not_grow_with_applications(client, users, role):
    client.force_login(users[role])
    _, few, _ = hiring_portfolio(name="Few", slug="few")
    small = count_queries(client, f"/hiring/positions/{few[0].pk}/")
    _, many, _ = hiring_portfolio(name="Many", slug="many")
    for _ in range(5):
        interview_for(many[0], users["cpo"])

    large = count_queries(client, f"/hiring/positions/{many[0].pk}/")

    assert large == small
    assert small <= 12
