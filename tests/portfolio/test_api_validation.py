"""Each validation rule → 400 naming the field, and nothing stored."""

from datetime import timedelta

import pytest
from django.utils import timezone

from portfolio.models import Insight, Objective, Product, ProductLine, Segment
from tests.factories.portfolio import (
    ProductFactory,
    ProductLineFactory,
    SegmentFactory,
)

API = "/api/v1"
VALID_PRODUCT = {"name": "Atlas", "lifecycle_stage": "growth", "horizon": "h1"}


@pytest.fixture
def cpo_api(users, api_as):
    return api_as(users["cpo"])


def product_rules(users):
    return [
        ({"name": ""}, "name", "This field may not be blank."),
        ({"name": "x" * 121}, "name", "Ensure this field has no more than 120"),
        ({"name": "Taken"}, "name", "product with this name already exists."),
        ({"slug": "taken"}, "slug", "product with this slug already exists."),
        ({"slug": "Not a slug!"}, "slug", 'Enter a valid "slug"'),
        (
            {"strategic_importance": 6},
            "strategic_importance",
            "less than or equal to 5",
        ),
        ({"strategic_importance": 0}, "strategic_importance", "greater than or equal"),
        ({"lifecycle_stage": "bogus"}, "lifecycle_stage", "is not a valid choice."),
        ({"horizon": "h4"}, "horizon", "is not a valid choice."),
        ({"annual_budget": "-1"}, "annual_budget", "greater than or equal to 0"),
        ({"annual_budget": "1e20"}, "annual_budget", "no more than 14 digits"),
        ({"product_line": 999999}, "product_line", "object does not exist"),
        ({"segments": [999999]}, "segments", "object does not exist"),
        ({"objectives": ["x"]}, "objectives", "Incorrect type"),
        ({"managers": [users["executive"].pk]}, "managers", "Not a product manager"),
        ({"managers": [999999]}, "managers", "object does not exist"),
        ({"vision": "a\x00b"}, "vision", "Null characters are not allowed."),
    ]


@pytest.mark.parametrize("index", range(17))
def test_product_create_rule_is_400_naming_the_field(index, users, cpo_api):
    ProductFactory(name="Taken", slug="taken")
    body, field, message = product_rules(users)[index]

    response = cpo_api.post(f"{API}/products/", {**VALID_PRODUCT, **body})

    assert response.status_code == 400
    errors = response.json()
    assert list(errors) == [field]
    assert message in errors[field][0]
    assert Product.objects.count() == 1


def test_product_patch_of_importance_6_is_400_and_keeps_the_value(cpo_api, own_product):
    response = cpo_api.patch(
        f"{API}/products/{own_product.pk}/", {"strategic_importance": 6}
    )

    assert response.status_code == 400
    assert response.json() == {
        "strategic_importance": ["Ensure this value is less than or equal to 5."]
    }
    own_product.refresh_from_db()
    assert own_product.strategic_importance == 3


def test_product_health_cannot_be_written(cpo_api, own_product):
    response = cpo_api.patch(
        f"{API}/products/{own_product.pk}/",
        {"health": {"score": 99, "status": "healthy"}, "health_score": 99},
    )

    assert response.status_code == 200
    assert response.json()["health"] == {
        "score": None,
        "status": "unknown",
        "computed_at": None,
        "trend": None,
    }


def test_product_slug_is_derived_and_made_unique(cpo_api):
    ProductFactory(name="Other", slug="billing-hub")

    response = cpo_api.post(f"{API}/products/", {"name": "Billing Hub"})

    assert response.status_code == 201
    assert response.json()["slug"] == "billing-hub-2"
    assert response.json()["lifecycle_stage"] == "concept"
    assert response.json()["strategic_importance"] == 3


@pytest.mark.parametrize(
    ("endpoint", "model", "body", "field", "message"),
    [
        ("product-lines", ProductLine, {"name": ""}, "name", "may not be blank"),
        ("product-lines", ProductLine, {"name": "Dup"}, "name", "already exists"),
        ("objectives", Objective, {"title": ""}, "title", "may not be blank"),
        (
            "objectives",
            Objective,
            {"title": "T", "status": "won"},
            "status",
            "is not a valid choice",
        ),
        ("segments", Segment, {"name": "Dup"}, "name", "already exists"),
        (
            "segments",
            Segment,
            {"name": "S", "size_estimate": -1},
            "size_estimate",
            "greater than or equal to 0",
        ),
        (
            "segments",
            Segment,
            {"name": "S", "size_estimate": 2**70},
            "size_estimate",
            "less than or equal to",
        ),
    ],
)
def test_strategy_rule_is_400_naming_the_field(
    endpoint, model, body, field, message, cpo_api
):
    ProductLineFactory(name="Dup")
    SegmentFactory(name="Dup")
    before = model.objects.count()

    response = cpo_api.post(f"{API}/{endpoint}/", body)

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert message in response.json()[field][0]
    assert model.objects.count() == before


VALID_INSIGHT = {"title": "Heard", "body": "Said so.", "source": "interview"}


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"impact": 6}, "impact", "less than or equal to 5"),
        ({"impact": 0}, "impact", "greater than or equal to 1"),
        ({"source": "rumour"}, "source", "is not a valid choice"),
        ({"title": ""}, "title", "may not be blank"),
        ({"body": ""}, "body", "may not be blank"),
        ({"products": [999999]}, "products", "object does not exist"),
        ({"segment": 999999}, "segment", "object does not exist"),
        ({"captured_on": "2024-13-40"}, "captured_on", "Date has wrong format"),
    ],
)
def test_insight_rule_is_400_naming_the_field(body, field, message, cpo_api):
    response = cpo_api.post(f"{API}/insights/", {**VALID_INSIGHT, **body})

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert message in response.json()[field][0]
    assert not Insight.objects.exists()


def test_insight_captured_in_the_future_is_400(cpo_api):
    future = timezone.localdate() + timedelta(days=3)

    response = cpo_api.post(
        f"{API}/insights/", {**VALID_INSIGHT, "captured_on": future.isoformat()}
    )

    assert response.status_code == 400
    assert response.json() == {
        "captured_on": ["An insight cannot be captured in the future."]
    }
    assert not Insight.objects.exists()


def test_insight_defaults(cpo_api, users):
    response = cpo_api.post(f"{API}/insights/", VALID_INSIGHT)

    assert response.status_code == 201
    body = response.json()
    assert body["impact"] == 3
    assert body["captured_on"] == timezone.localdate().isoformat()
    assert body["author"] == users["cpo"].pk


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("lifecycle_stage=bogus", "lifecycle_stage"),
        ("horizon=h9", "horizon"),
        ("health_status=great", "health_status"),
        ("product_line=abc", "product_line"),
        ("product_line=999999", "product_line"),
        ("ordering=password", "ordering"),
        ("ordering=name,-nope", "ordering"),
        ("search=a%00b", "search"),
    ],
)
def test_bad_product_filter_is_400_naming_the_parameter(query, param, cpo_api):
    response = cpo_api.get(f"{API}/products/?{query}")

    assert response.status_code == 400
    assert list(response.json()) == [param]


@pytest.mark.parametrize(
    "query", ["product=abc", "source=rumour", "segment=999999", "ordering=body"]
)
def test_bad_insight_filter_is_400(query, cpo_api):
    response = cpo_api.get(f"{API}/insights/?{query}")

    assert response.status_code == 400
    assert list(response.json()) == [query.split("=")[0]]


def test_non_numeric_id_is_404(cpo_api):
    assert cpo_api.get(f"{API}/products/abc/").status_code == 404
