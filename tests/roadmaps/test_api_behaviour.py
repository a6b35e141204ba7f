"""Lists (query counts, filters, ordering), the date history, shapes, 409 deletes."""

from datetime import date

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from roadmaps import services
from roadmaps.models import RoadmapItem
from tests.factories.portfolio import InsightFactory, ObjectiveFactory, ProductFactory
from tests.factories.roadmaps import LaunchFactory, ReleaseFactory, RoadmapItemFactory

API = "/api/v1"
pytestmark = pytest.mark.django_db


def make_roadmap(n, product):
    release = ReleaseFactory(product=product)
    insights = InsightFactory.create_batch(2, products=[product])
    objective = ObjectiveFactory()
    previous = None
    for _ in range(n):
        previous = RoadmapItemFactory(
            product=product,
            release=release,
            objective=objective,
            insights=insights,
            depends_on=[previous] if previous else [],
            reach=100,
            impact=1.0,
            confidence=50,
            effort=2.0,
        )
        LaunchFactory(product=product, release=release, segments=[])


def count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.json()["count"]


@pytest.mark.parametrize("endpoint", ["roadmap-items", "launches", "releases"])
def test_list_makes_the_same_number_of_queries_for_5_and_50(
    endpoint, users, api_as, own_product
):
    client = api_as(users["executive"])
    make_roadmap(5, own_product)
    small, count_small = count_queries(client, f"{API}/{endpoint}/?page_size=100")

    make_roadmap(45, own_product)
    large, count_large = count_queries(client, f"{API}/{endpoint}/?page_size=100")

    assert count_small < count_large or endpoint == "releases"
    assert small == large


@time_machine.travel("2026-03-02 12:00:00Z", tick=False)
def test_item_shape(users, api_as, own_product):
    item = RoadmapItemFactory(
        product=own_product,
        status="in_progress",
        target_date=date(2026, 2, 1),
        reach=1000,
        impact=2.0,
        confidence=80,
        effort=4.0,
    )

    body = api_as(users["integration"]).get(f"{API}/roadmap-items/{item.pk}/").json()

    assert body["rice_score"] == 400.0
    assert body["overdue"] is True
    assert (body["slip_count"], body["slip_days"]) == (0, 0)
    assert body["product"] == own_product.pk
    assert body["depends_on"] == [] and body["insights"] == []
    assert set(body) == {
        "id",
        *services.ROADMAP_ITEM_FIELDS,
        "rice_score",
        "slip_count",
        "slip_days",
        "overdue",
        "created_at",
        "updated_at",
    }


def test_slips_through_the_api_and_the_date_history(cpo, api_as, own_product):
    client = api_as(cpo)
    created = client.post(
        f"{API}/roadmap-items/",
        {"product": own_product.pk, "title": "Wallets", "target_date": "2026-03-01"},
    ).json()
    url = f"{API}/roadmap-items/{created['id']}/"

    client.patch(url, {"target_date": "2026-03-15"})
    client.patch(url, {"target_date": "2026-03-10"})
    last = client.patch(url, {"target_date": "2026-04-09"}).json()
    history = client.get(f"{url}target-date-history/").json()

    assert (last["slip_count"], last["slip_days"]) == (2, 44)
    assert history["count"] == 4
    assert [
        (h["previous_date"], h["new_date"], h["days"], h["changed_by"])
        for h in history["results"]
    ] == [
        (None, "2026-03-01", None, cpo.pk),
        ("2026-03-01", "2026-03-15", 14, cpo.pk),
        ("2026-03-15", "2026-03-10", -5, cpo.pk),
        ("2026-03-10", "2026-04-09", 30, cpo.pk),
    ]
    item = RoadmapItem.objects.get(pk=created["id"])
    assert item.history.first().history_user == cpo


def test_rice_score_is_fresh_after_a_patch(cpo, api_as, own_product):
    item = RoadmapItemFactory(
        product=own_product, reach=100, impact=1.0, confidence=100, effort=1.0
    )

    body = api_as(cpo).patch(f"{API}/roadmap-items/{item.pk}/", {"effort": 4}).json()

    assert body["rice_score"] == 25.0


@pytest.fixture
def scored(own_product, other_product):
    def make(title, reach, product=own_product, **kw):
        return RoadmapItemFactory(
            product=product,
            title=title,
            reach=reach,
            impact=1.0,
            confidence=100,
            effort=1.0,
            **kw,
        )

    return {
        "low": make("low", 10, target_date=date(2026, 5, 1)),
        "high": make("high", 500, product=other_product, target_date=date(2026, 1, 1)),
        "mid": make("mid", 100, target_date=None),
        "unscored": make("unscored", None, target_date=date(2026, 3, 1)),
    }


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ("ordering=rice_score", ["low", "mid", "high", "unscored"]),
        ("ordering=-rice_score", ["high", "mid", "low", "unscored"]),
        ("ordering=target_date", ["high", "unscored", "low", "mid"]),
        ("ordering=-target_date", ["low", "unscored", "high", "mid"]),
        ("", ["high", "unscored", "low", "mid"]),
        ("ordering=-rice_score&product={own}", ["mid", "low", "unscored"]),
        ("product={other}", ["high"]),
        ("target_date_after=2026-02-01", ["unscored", "low"]),
        (
            "target_date_after=2026-01-01&target_date_before=2026-03-01",
            ["high", "unscored"],
        ),
        ("search=scored", ["unscored"]),
    ],
)
def test_item_list_ordering_and_filters(query, titles, scored, users, api_as):
    query = query.format(own=scored["low"].product_id, other=scored["high"].product_id)

    body = api_as(users["executive"]).get(f"{API}/roadmap-items/?{query}").json()

    assert [row["title"] for row in body["results"]] == titles


@time_machine.travel("2026-03-02 12:00:00Z", tick=False)
def test_status_timeframe_and_overdue_filters(users, api_as, own_product):
    late = RoadmapItemFactory(
        product=own_product,
        title="late",
        status="in_progress",
        timeframe="now",
        target_date=date(2026, 2, 1),
    )
    RoadmapItemFactory(
        product=own_product,
        title="done",
        status="done",
        timeframe="now",
        target_date=date(2026, 2, 1),
    )
    RoadmapItemFactory(
        product=own_product,
        title="future",
        status="planned",
        timeframe="next",
        target_date=date(2026, 6, 1),
    )
    RoadmapItemFactory(
        product=own_product,
        title="undated",
        status="idea",
        timeframe="later",
        target_date=None,
    )
    client = api_as(users["executive"])

    def titles(query):
        body = client.get(f"{API}/roadmap-items/?{query}").json()
        return sorted(row["title"] for row in body["results"])

    assert titles("overdue=true") == ["late"]
    assert titles("overdue=false") == ["done", "future", "undated"]
    assert titles("status=done") == ["done"]
    assert titles("timeframe=now") == ["done", "late"]
    assert titles("timeframe=now&status=in_progress") == [late.title]


def test_insight_filter_lists_the_items_citing_it(users, api_as, own_product):
    evidence = InsightFactory(products=[own_product])
    cited = RoadmapItemFactory(product=own_product, insights=[evidence])
    RoadmapItemFactory(product=own_product, insights=[InsightFactory()])

    body = (
        api_as(users["executive"])
        .get(f"{API}/roadmap-items/?insight={evidence.pk}")
        .json()
    )

    assert [row["id"] for row in body["results"]] == [cited.pk]


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("status=shipped", "status"),
        ("timeframe=soon", "timeframe"),
        ("overdue=maybe", "overdue"),
        ("insight=999999", "insight"),
        ("product=abc", "product"),
        ("target_date_after=yesterday", "target_date"),
        ("ordering=reach", "ordering"),
        ("status=", "status"),
        ("target_date_after=", "target_date_after"),
        ("product=", "product"),
    ],
)
def test_bad_list_parameter_is_a_400_naming_it(query, param, users, api_as):
    response = api_as(users["executive"]).get(f"{API}/roadmap-items/?{query}")

    assert response.status_code == 400
    assert param in response.json()


def test_launch_readiness_and_filters(users, api_as, own_product, other_product):
    ready = LaunchFactory(
        product=own_product,
        status="ready",
        checklist=[
            {"label": "Press", "done": True},
            {"label": "Docs", "done": True},
            {"label": "Sales", "done": True},
            {"label": "Pricing", "done": False},
        ],
    )
    LaunchFactory(product=other_product, status="planned", checklist=[])
    client = api_as(users["executive"])

    mine = client.get(f"{API}/launches/?product={own_product.pk}").json()
    planned = client.get(f"{API}/launches/?status=planned").json()

    assert [(r["id"], r["readiness"]) for r in mine["results"]] == [(ready.pk, 0.75)]
    assert [r["readiness"] for r in planned["results"]] == [None]


def test_launch_checklist_round_trips(cpo, api_as, own_product):
    checklist = [{"label": "Press kit", "done": True}, {"label": "FAQ", "done": False}]

    body = (
        api_as(cpo)
        .post(
            f"{API}/launches/",
            {
                "product": own_product.pk,
                "name": "Autumn",
                "launch_date": "2026-09-01",
                "channels": ["email", "webinar"],
                "checklist": checklist,
            },
        )
        .json()
    )

    assert body["checklist"] == checklist
    assert body["readiness"] == 0.5
    assert body["channels"] == ["email", "webinar"]


def test_release_filters(users, api_as, own_product, other_product):
    shipped = ReleaseFactory(product=own_product, shipped_on=date(2026, 1, 10))
    ReleaseFactory(product=own_product)
    ReleaseFactory(product=other_product)
    client = api_as(users["executive"])

    body = client.get(f"{API}/releases/?product={own_product.pk}&shipped=true").json()

    assert [row["id"] for row in body["results"]] == [shipped.pk]


# --- deleting ----------------------------------------------------------------------


def test_deleting_a_release_that_items_use_is_a_409(cpo, api_as, own_product):
    release = ReleaseFactory(product=own_product, name="2026.1")
    RoadmapItemFactory(product=own_product, release=release)

    response = api_as(cpo).delete(f"{API}/releases/{release.pk}/")

    assert response.status_code == 409
    assert response.json() == {
        "detail": "Cannot delete release “2026.1”: still referred to by 1 roadmap "
        "item. Move its items first."
    }
    assert release.__class__.objects.filter(pk=release.pk).exists()


def test_deleting_an_item_others_depend_on_is_a_409(cpo, api_as, own_product):
    base = RoadmapItemFactory(product=own_product, title="Base")
    RoadmapItemFactory(product=own_product, depends_on=[base])

    response = api_as(cpo).delete(f"{API}/roadmap-items/{base.pk}/")

    assert response.status_code == 409
    assert "still referred to by 1 roadmap item" in response.json()["detail"]
    assert RoadmapItem.objects.filter(pk=base.pk).exists()


def test_deleting_an_item_deletes_its_own_dependencies_and_history(
    cpo, api_as, own_product
):
    base = RoadmapItemFactory(product=own_product)
    item = services.roadmap_item_create(
        actor=cpo,
        product=own_product,
        title="Top",
        target_date=date(2026, 4, 1),
        depends_on=[base],
    )

    response = api_as(cpo).delete(f"{API}/roadmap-items/{item.pk}/")

    assert response.status_code == 204
    assert list(RoadmapItem.objects.all()) == [base]


def test_deleting_a_product_with_a_roadmap_is_a_409(cpo, api_as):
    product = ProductFactory(name="Busy")
    RoadmapItemFactory(product=product)
    LaunchFactory(product=product)

    response = api_as(cpo).delete(f"{API}/products/{product.pk}/")

    assert response.status_code == 409
    assert "1 launch" in response.json()["detail"]
    assert "1 roadmap item" in response.json()["detail"]
