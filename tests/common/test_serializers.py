"""The project's ModelSerializer checks JSON types instead of coercing them."""

import pytest
from django.contrib.auth.models import Group

from accounts.models import User
from cpo.common import serializers as strict


class UserBody(strict.ModelSerializer):
    class Meta:
        model = User
        fields = ["username", "first_name", "is_active", "groups"]


def errors_for(data):
    body = UserBody(data={"username": "ann", **data})
    assert not body.is_valid()
    return body.errors


@pytest.mark.django_db
def test_valid_json_types_pass():
    group = Group.objects.get(name="cpo")
    body = UserBody(
        data={
            "username": "ann",
            "first_name": "Ann",
            "is_active": True,
            "groups": [group.pk],
        }
    )

    assert body.is_valid(), body.errors
    assert body.validated_data["groups"] == [group]


@pytest.mark.django_db
def test_number_for_text_is_refused():
    assert errors_for({"first_name": 5}) == {"first_name": ["Not a valid string."]}


@pytest.mark.django_db
def test_string_for_boolean_is_refused():
    assert errors_for({"is_active": "true"}) == {
        "is_active": ["Must be a valid boolean."]
    }


@pytest.mark.django_db
def test_object_for_list_of_ids_is_refused():
    assert errors_for({"groups": {}}) == {
        "groups": ['Expected a list of items but got type "dict".']
    }


@pytest.mark.django_db
def test_string_id_is_refused():
    assert errors_for({"groups": ["1"]}) == {
        "groups": ["Incorrect type. Expected pk value, received str."]
    }


@pytest.mark.parametrize(
    "value", [float("nan"), float("inf"), float("-inf"), "1.5", True]
)
def test_float_field_refuses_non_finite_and_non_numbers(value):
    field = strict.StrictFloatField()

    with pytest.raises(Exception) as info:
        field.run_validation(value)

    assert info.value.detail == ["A finite number is required."]


@pytest.mark.parametrize("value", ["5", 5.5, True])
def test_integer_field_refuses_non_integers(value):
    field = strict.StrictIntegerField()

    with pytest.raises(Exception) as info:
        field.run_validation(value)

    assert info.value.detail == ["A valid integer is required."]


@pytest.mark.django_db
def test_api_accepts_only_json(api_as, users):
    response = api_as(users["cpo"]).post(
        "/api/v1/auth/token/",
        "username=a&password=b",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 415


# --- many-to-many ids for a whole page (ModelListSerializer) ---------------------


@pytest.fixture
def linked_products(make_user):
    from tests.factories.portfolio import ProductFactory, SegmentFactory

    pms = [make_user("product_manager") for _ in range(3)]
    segments = [SegmentFactory() for _ in range(3)]
    products = []
    for n in range(4):
        product = ProductFactory(name=f"P{n}")
        product.managers.set(pms[: n % 3 + 1])
        product.segments.set(segments[n % 2 :])
        products.append(product)
    return products, pms, segments


@pytest.mark.django_db
def test_a_list_page_prints_each_rows_linked_ids_sorted(api_as, users, linked_products):
    products, pms, segments = linked_products

    results = api_as(users["cpo"]).get("/api/v1/products/").json()["results"]

    by_name = {r["name"]: r for r in results}
    for n, product in enumerate(products):
        row = by_name[product.name]
        assert row["managers"] == sorted(pm.pk for pm in pms[: n % 3 + 1])
        assert row["segments"] == sorted(s.pk for s in segments[n % 2 :])
        assert row["objectives"] == []


@pytest.mark.django_db
def test_a_list_page_loads_no_user_row_for_its_managers(api_as, users, linked_products):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api_as(users["cpo"])

    with CaptureQueriesContext(connection) as queries:
        client.get("/api/v1/products/")

    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert "password" not in sql
    assert "portfolio_product_managers" in sql


@pytest.mark.django_db
def test_a_detail_prints_its_linked_ids_too(api_as, users, linked_products):
    products, pms, _ = linked_products

    body = api_as(users["cpo"]).get(f"/api/v1/products/{products[2].pk}/").json()

    assert sorted(body["managers"]) == sorted(pm.pk for pm in pms[:3])
