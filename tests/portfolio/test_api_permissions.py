"""Every role by every portfolio endpoint by every method → the expected status."""

import pytest

from accounts.roles import ALL_ROLES
from portfolio.models import Insight, Objective, Product, ProductLine, Segment
from tests.factories.portfolio import (
    InsightFactory,
    ObjectiveFactory,
    ProductLineFactory,
    SegmentFactory,
)

API = "/api/v1"
ROLES = [*ALL_ROLES, "nobody", "anonymous"]
MISSING_ID = 999_999

# (endpoint, action, target): target "own" = a product the PM manages / an insight
# the PM wrote; "other" = another PM's product / the CPO's insight.
STRATEGY = ["product-lines", "objectives", "segments"]
SIMPLE_ACTIONS = [
    "list",
    "retrieve",
    "retrieve_missing",
    "create",
    "put",
    "patch",
    "patch_missing",
]
CASES = [
    *[(e, a, "any") for e in STRATEGY for a in [*SIMPLE_ACTIONS, "delete"]],
    *[
        (e, a, t)
        for e in ["products", "insights"]
        for a, t in [
            ("list", "any"),
            ("retrieve", "any"),
            ("retrieve_missing", "any"),
            ("patch_missing", "any"),
            ("create", "any"),
            ("put", "own"),
            ("put", "other"),
            ("patch", "own"),
            ("patch", "other"),
            ("delete", "own"),
            ("delete", "other"),
        ]
    ],
]

SUCCESS = {
    "list": 200,
    "retrieve": 200,
    "retrieve_missing": 404,
    # A role that may write some of these finds the id missing; others are refused
    # whatever the id (SPEC §3: a role that may not do it → 403).
    "patch_missing": 404,
    "create": 201,
    "put": 200,
    "patch": 200,
    "delete": 204,
}
READ_ACTIONS = {"list", "retrieve", "retrieve_missing"}


def expected_status(role, endpoint, action, target):
    if role == "anonymous":
        return 401
    if role == "nobody":
        return 403
    if action in READ_ACTIONS or role == "cpo":
        return SUCCESS[action]
    if role != "product_manager":
        return 403
    # A product manager:
    if endpoint == "products" and action in {"put", "patch"} and target == "own":
        return SUCCESS[action]
    if endpoint == "insights" and (action == "create" or target == "own"):
        return SUCCESS[action]
    if endpoint in {"products", "insights"} and action == "patch_missing":
        return SUCCESS[action]
    return 403


@pytest.fixture
def world(users, own_product, other_product):
    pm = users["product_manager"]
    return {
        "product-lines": ProductLineFactory(),
        "objectives": ObjectiveFactory(),
        "segments": SegmentFactory(),
        ("products", "own"): own_product,
        ("products", "other"): other_product,
        ("insights", "own"): InsightFactory(author=pm),
        ("insights", "other"): InsightFactory(author=users["cpo"]),
    }


def payload(endpoint, world):
    own = world[("products", "own")]
    return {
        "product-lines": {"name": "New line", "description": "d"},
        "objectives": {
            "title": "New objective",
            "period": "2028-H1",
            "status": "active",
        },
        "segments": {"name": "New segment", "size_estimate": 10},
        "products": {
            "name": "New product",
            "lifecycle_stage": "concept",
            "horizon": "h3",
            "strategic_importance": 2,
        },
        "insights": {
            "title": "New insight",
            "body": "Heard it.",
            "source": "survey",
            "impact": 2,
            "products": [own.pk],
        },
    }[endpoint]


def target_object(endpoint, target, world):
    if endpoint in STRATEGY:
        return world[endpoint]
    return world[(endpoint, "other" if target == "any" else target)]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("endpoint", "action", "target"), CASES)
def test_permission_matrix(
    role, endpoint, action, target, users, world, api_as, api_client
):
    client = api_client if role == "anonymous" else api_as(users[role])
    obj = target_object(endpoint, target, world)
    detail = f"{API}/{endpoint}/{obj.pk}/"
    body = payload(endpoint, world)
    if endpoint == "insights" and target == "own":
        # A PM's own insight may keep citing their own product.
        body = {**body, "products": [world[("products", "own")].pk]}
    if endpoint == "insights" and target == "other":
        body = {**body, "products": []}

    if action == "list":
        response = client.get(f"{API}/{endpoint}/")
    elif action == "retrieve":
        response = client.get(detail)
    elif action == "retrieve_missing":
        response = client.get(f"{API}/{endpoint}/{MISSING_ID}/")
    elif action == "create":
        response = client.post(f"{API}/{endpoint}/", body)
    elif action == "put":
        response = client.put(detail, body)
    elif action == "patch_missing":
        response = client.patch(f"{API}/{endpoint}/{MISSING_ID}/", {})
    elif action == "patch":
        response = client.patch(detail, {k: body[k] for k in list(body)[:1]})
    else:
        response = client.delete(detail)

    want = expected_status(role, endpoint, action, target)
    assert response.status_code == want, response.content
    if action == "list" and want == 200:
        assert response.json()["count"] >= 1
    if action == "retrieve" and want == 200:
        assert response.json()["id"] == obj.pk
    if action == "delete":
        model = type(obj)
        assert model.objects.filter(pk=obj.pk).exists() == (want != 204)
    if action == "create" and want == 201:
        assert response.json()["id"]


MODELS = {
    "product-lines": ProductLine,
    "objectives": Objective,
    "segments": Segment,
    "products": Product,
    "insights": Insight,
}


@pytest.mark.parametrize("endpoint", list(MODELS))
@pytest.mark.parametrize("role", ["executive", "recruiter", "integration", "nobody"])
def test_refused_create_stores_nothing(role, endpoint, users, world, api_as):
    model = MODELS[endpoint]
    before = model.objects.count()

    response = api_as(users[role]).post(f"{API}/{endpoint}/", payload(endpoint, world))

    assert response.status_code == 403
    assert response.json() == {"detail": "Your role does not allow this action."}
    assert model.objects.count() == before


def test_pm_patch_of_unmanaged_product_changes_nothing(pm, other_product, api_as):
    response = api_as(pm).patch(
        f"{API}/products/{other_product.pk}/", {"vision": "Hijacked"}
    )

    assert response.status_code == 403
    other_product.refresh_from_db()
    assert other_product.vision == "Does good things."


def test_pm_may_not_change_the_managers_of_their_product(
    pm, own_product, api_as, make_user
):
    colleague = make_user("product_manager", username="colleague")

    response = api_as(pm).patch(
        f"{API}/products/{own_product.pk}/", {"managers": [pm.pk, colleague.pk]}
    )

    assert response.status_code == 403
    assert response.json() == {
        "detail": "Only the CPO may change who manages a product."
    }
    assert list(own_product.managers.all()) == [pm]


def test_pm_may_send_unchanged_managers(pm, own_product, api_as):
    response = api_as(pm).patch(
        f"{API}/products/{own_product.pk}/", {"managers": [pm.pk], "vision": "New"}
    )

    assert response.status_code == 200
    assert response.json()["vision"] == "New"


def test_pm_insight_citing_unmanaged_product_is_403(
    pm, own_product, other_product, api_as
):
    response = api_as(pm).post(
        f"{API}/insights/",
        {
            "title": "Evidence",
            "body": "b",
            "source": "survey",
            "products": [own_product.pk, other_product.pk],
        },
    )

    assert response.status_code == 403
    assert response.json() == {
        "detail": "You may only cite products you manage; not: Other product."
    }
    assert not Insight.objects.filter(title="Evidence").exists()


def test_insight_author_is_the_request_user_and_read_only(pm, cpo, own_product, api_as):
    response = api_as(pm).post(
        f"{API}/insights/",
        {
            "title": "Evidence",
            "body": "b",
            "source": "survey",
            "author": cpo.pk,
            "products": [own_product.pk],
        },
    )

    assert response.status_code == 201
    assert response.json()["author"] == pm.pk
    assert Insight.objects.get(title="Evidence").author == pm
