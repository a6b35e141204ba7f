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
