import pytest
from django.core.exceptions import ValidationError
from django.db.models import ProtectedError
from rest_framework.exceptions import ValidationError as DRFValidationError

from accounts.models import User
from cpo.common.exceptions import api_exception_handler, describe_references
from cpo.common.pagination import PageNumberPagination
from cpo.common.services import model_create, model_delete, model_update


def test_django_validation_error_becomes_400_naming_the_field():
    response = api_exception_handler(
        ValidationError({"name": ["Ensure this value has at most 120 characters."]}), {}
    )

    assert response.status_code == 400
    assert response.data == {"name": ["Ensure this value has at most 120 characters."]}


@pytest.mark.django_db
def test_protected_error_becomes_409_naming_the_referrers(make_user):
    referrers = [make_user(username="a"), make_user(username="b")]

    response = api_exception_handler(ProtectedError("protected", set(referrers)), {})

    assert response.status_code == 409
    assert response.data == {"detail": "Cannot delete: still referred to by 2 users."}


@pytest.mark.django_db
def test_describe_references_uses_singular_for_one(make_user):
    assert describe_references([make_user(username="solo")]) == "1 user"


def test_unexpected_errors_are_not_turned_into_4xx():
    assert api_exception_handler(ZeroDivisionError(), {}) is None


def test_drf_errors_keep_their_shape():
    response = api_exception_handler(DRFValidationError({"x": ["bad"]}), {})

    assert response.status_code == 400
    assert response.data == {"x": ["bad"]}


def test_pagination_schema_declares_page_size_bounds():
    parameters = PageNumberPagination().get_schema_operation_parameters(view=None)

    page_size = next(p for p in parameters if p["name"] == "page_size")
    assert page_size["schema"] == {"type": "integer", "minimum": 1, "maximum": 500}


@pytest.mark.django_db
def test_unknown_api_path_is_a_json_404(client):
    response = client.get("/api/v1/no-such-thing/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


@pytest.mark.django_db
def test_unknown_page_is_an_html_404(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "Not found" in response.content.decode()
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.django_db
def test_model_update_saves_only_changed_fields_with_actor(make_user):
    actor = make_user("cpo", username="boss")
    user = make_user(username="target", first_name="Ann")

    _, changed = model_update(
        instance=user,
        fields=["first_name", "last_name"],
        data={"first_name": "Anna"},
        actor=actor,
    )

    user.refresh_from_db()
    assert changed is True
    assert user.first_name == "Anna"
    assert user.history.first().history_user == actor


@pytest.mark.django_db
def test_model_update_reports_no_change(make_user):
    user = make_user(username="target", first_name="Ann")
    before = user.history.count()

    _, changed = model_update(
        instance=user, fields=["first_name"], data={"first_name": "Ann"}
    )

    assert changed is False
    assert user.history.count() == before


@pytest.mark.django_db
def test_model_update_validates(make_user):
    user = make_user(username="target")

    with pytest.raises(ValidationError) as info:
        model_update(instance=user, fields=["username"], data={"username": "x" * 200})

    assert "username" in info.value.message_dict
    assert User.objects.get(pk=user.pk).username == "target"


def test_model_update_rejects_unknown_field():
    with pytest.raises(ValueError, match="has no field 'nope'"):
        model_update(instance=User(), fields=["nope"], data={"nope": 1})


@pytest.mark.django_db
def test_model_create_validates_and_records_the_actor(make_user):
    from portfolio.models import ProductLine

    actor = make_user("cpo", username="boss")

    line = model_create(instance=ProductLine(name="Payments"), actor=actor)

    assert line.history.get().history_user == actor
    with pytest.raises(ValidationError) as info:
        model_create(instance=ProductLine(name="Payments"), actor=actor)
    assert "name" in info.value.message_dict


@pytest.mark.django_db
def test_model_delete_refuses_what_is_still_referred_to(make_user):
    from cpo.common.exceptions import Conflict
    from tests.factories.portfolio import ProductFactory, ProductLineFactory

    line = ProductLineFactory(name="Payments")
    ProductFactory(product_line=line)

    with pytest.raises(Conflict) as info:
        model_delete(instance=line, hint="Move its products first.")

    assert str(info.value.detail) == (
        "Cannot delete product line “Payments”: still referred to by 1 product. "
        "Move its products first."
    )


@pytest.mark.django_db
def test_model_delete_deletes_with_the_actor_in_history(make_user):
    from portfolio.models import ProductLine
    from tests.factories.portfolio import ProductLineFactory

    actor = make_user("cpo", username="boss")
    line = ProductLineFactory(name="Spare")
    pk = line.pk

    model_delete(instance=line, actor=actor)

    assert not ProductLine.objects.filter(pk=pk).exists()
    record = ProductLine.history.filter(id=pk).latest("history_date")
    assert record.history_type == "-"
    assert record.history_user == actor


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "param"),
    [
        ("/api/v1/products/", "lifecycle_stage"),
        ("/api/v1/products/", "manager"),
        ("/api/v1/insights/", "source"),
        ("/api/v1/roadmap-items/", "status"),
        ("/api/v1/roadmap-items/", "target_date_after"),
        ("/api/v1/launches/", "status"),
    ],
)
def test_a_filter_sent_empty_is_a_400_naming_it(api_as, users, url, param):
    response = api_as(users["cpo"]).get(url, {param: ""})

    assert response.status_code == 400
    assert response.json() == {param: ["Give a value, or leave the parameter out."]}
