"""Each rule through the API → 400 naming the field and the rule, nothing stored."""

import pytest
import time_machine

from roadmaps.models import Launch, Release, RoadmapItem
from tests.factories.portfolio import ProductFactory
from tests.factories.roadmaps import LaunchFactory, ReleaseFactory, RoadmapItemFactory

API = "/api/v1"
pytestmark = pytest.mark.django_db


@pytest.fixture
def cpo_api(cpo, api_as):
    return api_as(cpo)


@pytest.fixture
def product():
    return ProductFactory(name="Checkout", slug="checkout")


def item_body(product, **fields):
    return {"product": product.pk, "title": "Instalments", **fields}


ITEM_RULES = [
    (
        {"start_date": "2026-03-10", "target_date": "2026-03-01"},
        "target_date",
        "The target date must be on or after the start date.",
    ),
    (
        {"status": "planned", "delivered_on": "2026-03-01"},
        "delivered_on",
        "Only a done item has a delivery date: set the status to done, or clear "
        "delivered_on.",
    ),
    (
        {"status": "done", "delivered_on": "2026-03-05"},
        "delivered_on",
        "The delivery date cannot be in the future.",
    ),
    ({"impact": 1.5}, "impact", "Impact must be one of 0.25, 0.5, 1, 2 or 3."),
    ({"impact": "2"}, "impact", "A number is required."),
    ({"confidence": 101}, "confidence", "less than or equal to 100."),
    ({"confidence": -1}, "confidence", "greater than or equal to 0."),
    (
        {"effort": 0},
        "effort",
        "Effort must be more than 0 person-months: from 0.01 to 10000.",
    ),
    ({"effort": 1e-300}, "effort", "Effort must be more than 0 person-months"),
    ({"reach": -5}, "reach", "greater than or equal to 0."),
    ({"reach": 10**10}, "reach", "less than or equal to 1000000000."),
    ({"kind": "epic"}, "kind", "is not a valid choice."),
    ({"status": "shipped"}, "status", "is not a valid choice."),
    ({"timeframe": "soon"}, "timeframe", "is not a valid choice."),
    ({"title": ""}, "title", "This field may not be blank."),
    ({"depends_on": ["1"]}, "depends_on", "Incorrect type."),
    ({"depends_on": [999_999]}, "depends_on", "object does not exist."),
    ({"insights": 3}, "insights", 'Expected a list of items but got type "int".'),
    ({"target_date": "next week"}, "target_date", "Date has wrong format."),
]


@time_machine.travel("2026-03-02 12:00:00Z", tick=False)
@pytest.mark.parametrize(("fields", "field", "message"), ITEM_RULES)
def test_item_create_rule_is_a_400_naming_the_field(
    fields, field, message, cpo_api, product
):
    response = cpo_api.post(f"{API}/roadmap-items/", item_body(product, **fields))

    assert response.status_code == 400
    errors = response.json()
    assert list(errors) == [field]
    assert message in errors[field][0]
    assert not RoadmapItem.objects.exists()


def test_item_release_of_another_product_is_a_400(cpo_api, product):
    release = ReleaseFactory(product=ProductFactory())

    response = cpo_api.post(
        f"{API}/roadmap-items/", item_body(product, release=release.pk)
    )

    assert response.status_code == 400
    assert response.json() == {"release": ["The release belongs to another product."]}
    assert not RoadmapItem.objects.exists()


def test_item_depending_on_itself_is_a_400(cpo_api, product):
    item = RoadmapItemFactory(product=product)

    response = cpo_api.patch(
        f"{API}/roadmap-items/{item.pk}/", {"depends_on": [item.pk]}
    )

    assert response.status_code == 400
    assert response.json() == {"depends_on": ["An item cannot depend on itself."]}
    assert not item.depends_on.exists()


def test_three_item_dependency_cycle_is_a_400(cpo_api, product):
    a = RoadmapItemFactory(product=product, title="A")
    c = RoadmapItemFactory(product=product, title="C", depends_on=[a])
    b = RoadmapItemFactory(product=product, title="B", depends_on=[c])

    response = cpo_api.patch(
        f"{API}/roadmap-items/{a.pk}/", {"depends_on": [b.pk], "title": "A2"}
    )

    assert response.status_code == 400
    assert response.json() == {
        "depends_on": ["This would create a dependency cycle: A → B → C → A."]
    }
    a.refresh_from_db()
    assert a.title == "A"
    assert not a.depends_on.exists()


def test_leaving_done_with_a_delivery_date_is_a_400_and_keeps_the_item(
    cpo_api, product
):
    item = RoadmapItemFactory(product=product, status="done")

    response = cpo_api.patch(
        f"{API}/roadmap-items/{item.pk}/",
        {"status": "in_progress", "delivered_on": "2026-01-15"},
    )

    assert response.status_code == 400
    assert list(response.json()) == ["delivered_on"]
    item.refresh_from_db()
    assert item.status == "done"


@time_machine.travel("2026-03-02 12:00:00Z", tick=False)
def test_done_without_delivered_on_is_delivered_today(cpo_api, product):
    response = cpo_api.post(f"{API}/roadmap-items/", item_body(product, status="done"))

    assert response.status_code == 201
    assert response.json()["delivered_on"] == "2026-03-02"
    assert RoadmapItem.objects.get().delivered_on.isoformat() == "2026-03-02"


def test_leaving_done_without_delivered_on_clears_it(cpo_api, product):
    item = RoadmapItemFactory(product=product, status="done")

    response = cpo_api.patch(
        f"{API}/roadmap-items/{item.pk}/", {"status": "in_progress"}
    )

    assert response.status_code == 200
    assert response.json()["delivered_on"] is None
    item.refresh_from_db()
    assert item.delivered_on is None


# --- releases -------------------------------------------------------------------


def test_release_name_is_unique_within_its_product(cpo_api, product):
    ReleaseFactory(product=product, name="2026.1")

    response = cpo_api.post(
        f"{API}/releases/",
        {"product": product.pk, "name": "2026.1", "target_date": "2026-05-01"},
    )

    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": ["This product already has a release with this name."]
    }
    assert Release.objects.count() == 1


@time_machine.travel("2026-03-02 12:00:00Z", tick=False)
def test_release_shipped_in_the_future_is_a_400(cpo_api, product):
    response = cpo_api.post(
        f"{API}/releases/",
        {
            "product": product.pk,
            "name": "2026.2",
            "target_date": "2026-03-01",
            "shipped_on": "2026-03-10",
        },
    )

    assert response.status_code == 400
    assert response.json() == {"shipped_on": ["The ship date cannot be in the future."]}
    assert not Release.objects.exists()


def test_release_cannot_move_to_another_product(cpo_api, product):
    release = ReleaseFactory(product=product)

    response = cpo_api.patch(
        f"{API}/releases/{release.pk}/", {"product": ProductFactory().pk}
    )

    assert response.status_code == 400
    assert list(response.json()) == ["product"]
    release.refresh_from_db()
    assert release.product == product


# --- launches ---------------------------------------------------------------------


LAUNCH_RULES = [
    (
        {"checklist": {"label": "x"}},
        "checklist",
        'Expected a list of items but got type "dict".',
    ),
    ({"checklist": [{"label": "", "done": False}]}, "checklist", "may not be blank"),
    (
        {"checklist": [{"label": "Kit", "done": "yes"}]},
        "checklist",
        "Must be a valid boolean.",
    ),
    ({"checklist": [{"done": True}]}, "checklist", "This field is required."),
    ({"channels": ["email", "email"]}, "channels", "Channels must be distinct."),
    ({"channels": [5]}, "channels", "Not a valid string."),
    ({"channels": "email"}, "channels", 'Expected a list of items but got type "str".'),
    ({"channels": ["x" * 41]}, "channels", "no more than 40 characters."),
    ({"status": "live"}, "status", "is not a valid choice."),
    ({"launch_date": None}, "launch_date", "This field may not be null."),
]


@pytest.mark.parametrize(("fields", "field", "message"), LAUNCH_RULES)
def test_launch_rule_is_a_400_naming_the_field(
    fields, field, message, cpo_api, product
):
    body = {
        "product": product.pk,
        "name": "Spring launch",
        "launch_date": "2026-04-01",
        **fields,
    }

    response = cpo_api.post(f"{API}/launches/", body)

    assert response.status_code == 400
    errors = response.json()
    assert list(errors) == [field]
    assert message in str(errors[field])
    assert not Launch.objects.exists()


def test_launch_release_of_another_product_is_a_400(cpo_api, product):
    launch = LaunchFactory(product=product)
    release = ReleaseFactory(product=ProductFactory())

    response = cpo_api.patch(f"{API}/launches/{launch.pk}/", {"release": release.pk})

    assert response.status_code == 400
    assert response.json() == {"release": ["The release belongs to another product."]}
    launch.refresh_from_db()
    assert launch.release is None
