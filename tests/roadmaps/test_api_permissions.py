"""Every role by every roadmaps endpoint by every method → the expected status."""

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from accounts.roles import ALL_ROLES
from roadmaps.models import Launch, Release, RoadmapItem
from tests.factories.roadmaps import LaunchFactory, ReleaseFactory, RoadmapItemFactory

API = "/api/v1"
ROLES = [*ALL_ROLES, "nobody", "anonymous"]
MISSING_ID = 999_999
ENDPOINTS = ["releases", "roadmap-items", "launches"]
MODELS = {"releases": Release, "roadmap-items": RoadmapItem, "launches": Launch}

# target "own": under a product the PM manages; "other": another PM's product.
CASES = [
    (endpoint, action, target)
    for endpoint in ENDPOINTS
    for action, target in [
        ("list", "any"),
        ("retrieve", "other"),
        ("retrieve_missing", "any"),
        ("history", "other"),
        ("patch_missing", "any"),
        ("create", "own"),
        ("create", "other"),
        ("put", "own"),
        ("put", "other"),
        ("patch", "own"),
        ("patch", "other"),
        ("delete", "own"),
        ("delete", "other"),
    ]
    if action != "history" or endpoint == "roadmap-items"
]

SUCCESS = {
    "list": 200,
    "retrieve": 200,
    "retrieve_missing": 404,
    "history": 200,
    "patch_missing": 404,
    "create": 201,
    "put": 200,
    "patch": 200,
    "delete": 204,
}
READ_ACTIONS = {"list", "retrieve", "retrieve_missing", "history"}


def expected_status(role, action, target):
    if role == "anonymous":
        return 401
    if role == "nobody":
        return 403
    if action in READ_ACTIONS or role == "cpo":
        return SUCCESS[action]
    if role != "product_manager":
        return 403
    if target in {"own", "any"}:
        return SUCCESS[action]
    return 403


@pytest.fixture
def world(own_product, other_product):
    objects = {}
    for target, product in [("own", own_product), ("other", other_product)]:
        objects[("releases", target)] = ReleaseFactory(product=product)
        objects[("roadmap-items", target)] = RoadmapItemFactory(product=product)
        objects[("launches", target)] = LaunchFactory(product=product)
    objects["products"] = {"own": own_product, "other": other_product}
    return objects


def payload(endpoint, product):
    return {
        "releases": {
            "product": product.pk,
            "name": "2026.4",
            "target_date": "2026-04-01",
        },
        "roadmap-items": {
            "product": product.pk,
            "title": "Instalments",
            "status": "planned",
            "timeframe": "next",
            "target_date": "2026-05-01",
        },
        "launches": {
            "product": product.pk,
            "name": "Spring launch",
            "launch_date": "2026-04-15",
            "checklist": [{"label": "Press kit", "done": False}],
        },
    }[endpoint]


def call(client, endpoint, action, target, world):
    obj = world.get((endpoint, target)) or world[(endpoint, "other")]
    detail = f"{API}/{endpoint}/{obj.pk}/"
    product = world["products"]["own" if target == "any" else target]
    body = payload(endpoint, product)
    if action == "list":
        return client.get(f"{API}/{endpoint}/")
    if action == "retrieve":
        return client.get(detail)
    if action == "retrieve_missing":
        return client.get(f"{API}/{endpoint}/{MISSING_ID}/")
    if action == "history":
        return client.get(f"{detail}target-date-history/")
    if action == "patch_missing":
        return client.patch(f"{API}/{endpoint}/{MISSING_ID}/", {})
    if action == "create":
        return client.post(f"{API}/{endpoint}/", body)
    if action == "put":
        return client.put(detail, body)
    if action == "patch":
        return client.patch(detail, {"name" if "name" in body else "title": "Edited"})
    return client.delete(detail)


def check_database(endpoint, action, target, world, status):
    """What the database holds right after the request, given its status."""
    model = MODELS[endpoint]
    obj = world.get((endpoint, target))
    if action == "delete":
        assert model.objects.filter(pk=obj.pk).exists() == (status != 204)
    if action == "create":
        assert model.objects.count() == (3 if status == 201 else 2)
    if action in {"put", "patch"} and status not in {200}:
        obj.refresh_from_db()
        assert getattr(obj, "name", getattr(obj, "title", None)) != "Edited"


@pytest.mark.parametrize(("endpoint", "action", "target"), CASES)
def test_permission_matrix(endpoint, action, target, users, world, api_as):
    """One row of the table: each role's status (each request rolled back)."""
    got, want = {}, {}
    for role in ROLES:
        client = APIClient() if role == "anonymous" else api_as(users[role])
        with transaction.atomic():
            response = call(client, endpoint, action, target, world)
            got[role] = response.status_code
            want[role] = expected_status(role, action, target)
            check_database(endpoint, action, target, world, response.status_code)
            if response.status_code == 200 and action == "list":
                assert response.json()["count"] == 2
            if response.status_code == 200 and action == "retrieve":
                assert response.json()["id"] == world[(endpoint, target)].pk
            transaction.set_rollback(True)

    assert got == want


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_pm_write_under_another_product_says_why(endpoint, pm, world, api_as):
    body = payload(endpoint, world["products"]["other"])

    response = api_as(pm).post(f"{API}/{endpoint}/", body)

    assert response.status_code == 403
    assert response.json() == {
        "detail": "You may only write roadmaps of the products you manage."
    }


def test_pm_cannot_move_their_item_to_another_product(pm, world, api_as):
    item = world[("roadmap-items", "own")]

    response = api_as(pm).patch(
        f"{API}/roadmap-items/{item.pk}/",
        {"product": world["products"]["other"].pk},
    )

    assert response.status_code == 403
    item.refresh_from_db()
    assert item.product == world["products"]["own"]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("role", ["executive", "recruiter", "integration", "nobody"])
def test_refused_create_stores_nothing(role, endpoint, users, world, api_as):
    before = MODELS[endpoint].objects.count()

    response = api_as(users[role]).post(
        f"{API}/{endpoint}/", payload(endpoint, world["products"]["own"])
    )

    assert response.status_code == 403
    assert response.json() == {"detail": "Your role does not allow this action."}
    assert MODELS[endpoint].objects.count() == before
