"""Lists (query counts, filters, ordering), history, the signal, and 409 deletes."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portfolio import services
from portfolio.models import Insight, Product
from portfolio.signals import product_data_changed
from tests.factories.portfolio import (
    InsightFactory,
    ObjectiveFactory,
    ProductFactory,
    ProductLineFactory,
    SegmentFactory,
)

API = "/api/v1"
pytestmark = pytest.mark.django_db


def make_products(n, manager):
    line = ProductLineFactory()
    segments = SegmentFactory.create_batch(2)
    objectives = ObjectiveFactory.create_batch(2)
    products = [
        ProductFactory(
            product_line=line,
            segments=segments,
            objectives=objectives,
            managers=[manager],
        )
        for _ in range(n)
    ]
    for product in products:
        InsightFactory(author=manager, products=[product], segment=segments[0])
    return products


def count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.json()["count"]


@pytest.mark.parametrize(
    "endpoint", ["products", "insights", "product-lines", "objectives", "segments"]
)
def test_list_makes_the_same_number_of_queries_for_5_and_50(endpoint, users, api_as):
    client = api_as(users["executive"])
    make_products(5, users["product_manager"])
    small, count_small = count_queries(client, f"{API}/{endpoint}/?page_size=100")

    make_products(45, users["product_manager"])
    large, count_large = count_queries(client, f"{API}/{endpoint}/?page_size=100")

    assert count_small < count_large or endpoint not in {"products", "insights"}
    assert small == large


def test_product_list_shape(users, api_as, own_product):
    own_product.health_score = 71.5
    own_product.health_status = "healthy"
    own_product.save()

    body = api_as(users["executive"]).get(f"{API}/products/").json()

    assert body["count"] == 1
    item = body["results"][0]
    assert item["managers"] == [users["product_manager"].pk]
    assert item["health"] == {
        "score": 71.5,
        "status": "healthy",
        "computed_at": None,
        "trend": None,
    }
    assert set(item) >= {
        "id",
        "name",
        "slug",
        "product_line",
        "lifecycle_stage",
        "horizon",
        "strategic_importance",
        "vision",
        "problem",
        "value_proposition",
        "segments",
        "objectives",
        "annual_budget",
    }


@pytest.fixture
def three_products():
    line = ProductLineFactory()
    a = ProductFactory(name="A", lifecycle_stage="growth", horizon="h1")
    b = ProductFactory(name="B", lifecycle_stage="concept", horizon="h3")
    c = ProductFactory(name="C", lifecycle_stage="growth", horizon="h2")
    c.product_line = line
    a.health_score, a.health_status = 80.0, "healthy"
    b.health_score, b.health_status = 35.0, "critical"
    for p in (a, b, c):
        p.save()
    return a, b, c


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("lifecycle_stage=growth", ["A", "C"]),
        ("horizon=h3", ["B"]),
        ("health_status=critical", ["B"]),
        ("health_status=unknown", ["C"]),
        ("search=b", ["B"]),
        ("ordering=health_score", ["B", "A", "C"]),
        ("ordering=-health_score", ["A", "B", "C"]),
        ("ordering=-name", ["C", "B", "A"]),
    ],
)
def test_product_filters_and_ordering(query, names, three_products, users, api_as):
    body = api_as(users["integration"]).get(f"{API}/products/?{query}").json()

    assert [p["name"] for p in body["results"]] == names


def test_product_filter_by_line(three_products, users, api_as):
    line = three_products[2].product_line

    body = api_as(users["cpo"]).get(f"{API}/products/?product_line={line.pk}").json()

    assert [p["name"] for p in body["results"]] == ["C"]


def test_insight_filters(users, api_as, own_product, other_product):
    segment = SegmentFactory()
    InsightFactory(title="one", source="survey", products=[own_product])
    InsightFactory(title="two", source="sales", segment=segment)
    client = api_as(users["recruiter"])

    def titles(query):
        return [
            i["title"] for i in client.get(f"{API}/insights/?{query}").json()["results"]
        ]

    assert titles(f"product={own_product.pk}") == ["one"]
    assert titles(f"product={other_product.pk}") == []
    assert titles("source=sales") == ["two"]
    assert titles(f"segment={segment.pk}") == ["two"]


# --- change history -------------------------------------------------------------


def test_history_rows_carry_the_acting_user(users, api_as, own_product):
    cpo, pm = users["cpo"], users["product_manager"]
    created = api_as(cpo).post(f"{API}/products/", {"name": "Nova"}).json()
    product = Product.objects.get(pk=created["id"])

    api_as(pm).patch(f"{API}/products/{own_product.pk}/", {"problem": "Slow"})
    api_as(cpo).patch(
        f"{API}/products/{own_product.pk}/", {"segments": [SegmentFactory().pk]}
    )

    assert [(h.history_type, h.history_user) for h in product.history.all()] == [
        ("+", cpo)
    ]
    latest = list(own_product.history.order_by("history_date", "history_id"))[-2:]
    assert [(h.history_type, h.history_user, h.problem) for h in latest] == [
        ("~", pm, "Slow"),
        ("~", cpo, "Slow"),
    ]


def test_history_of_delete_and_of_insights_carries_the_user(users, api_as):
    cpo = users["cpo"]
    product = ProductFactory()
    client = api_as(cpo)
    insight_id = client.post(
        f"{API}/insights/", {"title": "T", "body": "B", "source": "sales"}
    ).json()["id"]

    client.delete(f"{API}/products/{product.pk}/")

    deleted = Product.history.filter(id=product.pk, history_type="-").get()
    assert deleted.history_user == cpo
    assert Insight.history.filter(id=insight_id).get().history_user == cpo


def test_health_store_writes_only_newer_health_and_no_history(own_product):
    now = timezone.now()
    rows_before = own_product.history.count()

    wrote = services.product_health_store(
        product_id=own_product.pk,
        score=64.2,
        status="at_risk",
        computed_at=now,
        trend=-3.0,
    )
    older = services.product_health_store(
        product_id=own_product.pk,
        score=90.0,
        status="healthy",
        computed_at=now - timedelta(minutes=5),
        trend=None,
    )

    own_product.refresh_from_db()
    assert (wrote, older) == (True, False)
    assert (own_product.health_score, own_product.health_status) == (64.2, "at_risk")
    assert own_product.health_trend == -3.0
    assert own_product.history.count() == rows_before


# --- the product_data_changed signal ----------------------------------------------


@pytest.fixture
def received():
    calls = []

    def receiver(sender, product_ids, **kwargs):
        calls.append(product_ids)

    product_data_changed.connect(receiver, weak=False)
    yield calls
    product_data_changed.disconnect(receiver)


@pytest.mark.parametrize(
    ("change", "sent"),
    [
        ({"lifecycle_stage": "retired"}, True),
        ({"strategic_importance": 5}, True),
        ({"strategic_importance": 3}, False),  # unchanged value
        ({"vision": "Another vision"}, False),
        ({"name": "Renamed"}, False),
        ({"annual_budget": "1000.00"}, False),
    ],
)
def test_signal_is_sent_on_commit_only_for_health_fields(
    change,
    sent,
    users,
    api_as,
    own_product,
    received,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(users["cpo"]).patch(
            f"{API}/products/{own_product.pk}/", change
        )

    assert response.status_code == 200
    assert received == ([[own_product.pk]] if sent else [])


def test_signal_waits_for_the_commit(
    users, api_as, own_product, received, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        api_as(users["cpo"]).patch(
            f"{API}/products/{own_product.pk}/", {"lifecycle_stage": "decline"}
        )

    assert received == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert received == [[own_product.pk]]


def test_signal_is_sent_on_create_and_delete(
    users, api_as, received, django_capture_on_commit_callbacks
):
    client = api_as(users["cpo"])
    with django_capture_on_commit_callbacks(execute=True):
        pk = client.post(f"{API}/products/", {"name": "Fresh"}).json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        client.delete(f"{API}/products/{pk}/")

    assert received == [[pk], [pk]]


def test_signal_is_not_sent_for_a_refused_write(
    users, api_as, other_product, received, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(users["product_manager"]).patch(
            f"{API}/products/{other_product.pk}/", {"lifecycle_stage": "retired"}
        )

    assert response.status_code == 403
    assert received == []


# --- deleting what is still referred to -------------------------------------------


def test_deleting_a_product_cited_by_insights_is_409_naming_them(
    users, api_as, own_product
):
    InsightFactory.create_batch(2, products=[own_product])

    response = api_as(users["cpo"]).delete(f"{API}/products/{own_product.pk}/")

    assert response.status_code == 409
    assert response.json() == {
        "detail": "Cannot delete product “Own product”: still referred to by "
        "2 insights. Retire the product instead."
    }
    assert Product.objects.filter(pk=own_product.pk).exists()


def test_deleting_a_product_line_with_products_is_409_naming_them(users, api_as):
    line = ProductLineFactory(name="Payments")
    ProductFactory.create_batch(2, product_line=line)

    response = api_as(users["cpo"]).delete(f"{API}/product-lines/{line.pk}/")

    assert response.status_code == 409
    assert response.json() == {
        "detail": "Cannot delete product line “Payments”: still referred to by "
        "2 products. Move its products to another line first."
    }


def test_deleting_a_segment_cited_by_a_product_and_an_insight_is_409(users, api_as):
    segment = SegmentFactory(name="SMB")
    ProductFactory(segments=[segment])
    InsightFactory(segment=segment)

    response = api_as(users["cpo"]).delete(f"{API}/segments/{segment.pk}/")

    assert response.status_code == 409
    assert response.json() == {
        "detail": "Cannot delete segment “SMB”: still referred to by "
        "1 insight, 1 product."
    }


def test_deleting_an_objective_products_serve_is_409(users, api_as):
    objective = ObjectiveFactory(title="Grow", period="")
    ProductFactory(objectives=[objective])

    response = api_as(users["cpo"]).delete(f"{API}/objectives/{objective.pk}/")

    assert response.status_code == 409
    assert "still referred to by 1 product" in response.json()["detail"]


def test_deleting_unreferenced_objects_works_and_leaves_no_link(users, api_as):
    segment = SegmentFactory()
    product = ProductFactory(segments=[segment], managers=[users["product_manager"]])

    response = api_as(users["cpo"]).delete(f"{API}/products/{product.pk}/")

    assert response.status_code == 204
    assert not Product.objects.filter(pk=product.pk).exists()
    assert (
        api_as(users["cpo"]).delete(f"{API}/segments/{segment.pk}/").status_code == 204
    )


def test_changes_in_one_transaction_send_one_signal_with_every_product(
    received, django_capture_on_commit_callbacks
):
    from django.db import transaction

    from portfolio.services import products_changed_notify

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        products_changed_notify(product_ids=[3, 1])
        products_changed_notify(product_ids=[2, 3])

    assert received == [[1, 2, 3]]


def test_a_rolled_back_block_sends_nothing_for_its_products(
    received, django_capture_on_commit_callbacks
):
    from django.db import transaction

    from portfolio.services import products_changed_notify

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        try:
            with transaction.atomic():
                products_changed_notify(product_ids=[7])
                raise RuntimeError("refused")
        except RuntimeError:
            pass
        products_changed_notify(product_ids=[8])

    assert received == [[8]]
