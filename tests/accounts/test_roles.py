import pytest
from django.contrib.auth.models import Group

from accounts.roles import ALL_ROLES, Role, has_role
from accounts.services import user_create, user_set_roles

ME_URL = "/api/v1/users/me/"


@pytest.mark.django_db
def test_the_five_roles_exist_after_migrating():
    names = set(Group.objects.values_list("name", flat=True))

    assert {"cpo", "product_manager", "executive", "recruiter", "integration"} <= names
    assert set(ALL_ROLES) == {
        "cpo",
        "product_manager",
        "executive",
        "recruiter",
        "integration",
    }


@pytest.mark.parametrize("role", ALL_ROLES)
def test_users_me_reports_the_role(api_as, make_user, role):
    user = make_user(role, username=f"u-{role}")

    response = api_as(user).get(ME_URL)

    assert response.status_code == 200
    assert response.json() == {"id": user.pk, "username": f"u-{role}", "roles": [role]}


def test_users_me_reports_several_roles_sorted(api_as, make_user):
    user = make_user("recruiter", "executive", username="multi")

    assert api_as(user).get(ME_URL).json()["roles"] == ["executive", "recruiter"]


def test_users_me_reports_no_roles_for_a_user_without_any(api_as, make_user):
    user = make_user(username="bare")

    assert api_as(user).get(ME_URL).json()["roles"] == []


@pytest.mark.parametrize(
    ("roles", "staff"),
    [
        (["cpo"], True),
        (["product_manager"], True),
        (["recruiter"], True),
        (["executive"], False),
        (["integration"], False),
        ([], False),
        (["executive", "recruiter"], True),
    ],
)
def test_is_staff_follows_roles(db, roles, staff):
    user = user_create(username="someone", password="x-long-password", roles=roles)

    user.refresh_from_db()
    assert user.is_staff is staff


def test_is_staff_is_withdrawn_with_the_last_staff_role(db):
    user = user_create(
        username="pm", password="x-long-password", roles=["product_manager"]
    )

    user_set_roles(user=user, roles=["executive"])

    user.refresh_from_db()
    assert user.is_staff is False
    assert has_role(user, Role.EXECUTIVE)
    assert not has_role(user, Role.PRODUCT_MANAGER)


def test_set_roles_rejects_unknown_role(db):
    user = user_create(username="pm", password="x-long-password", roles=[])

    with pytest.raises(ValueError, match="Unknown roles: overlord"):
        user_set_roles(user=user, roles=["overlord"])


def test_set_roles_keeps_groups_that_are_not_roles(db):
    extra = Group.objects.create(name="book-club")
    user = user_create(username="pm", password="x-long-password", roles=["cpo"])
    user.groups.add(extra)

    user_set_roles(user=user, roles=["executive"])

    assert set(user.groups.values_list("name", flat=True)) == {"book-club", "executive"}


def test_inactive_user_holds_no_role(db):
    user = user_create(username="gone", password="x-long-password", roles=["cpo"])
    user.is_active = False

    assert not has_role(user, Role.CPO)


def test_user_changes_are_kept_in_history_with_the_actor(db):
    actor = user_create(username="boss", password="x-long-password", roles=["cpo"])

    user = user_create(
        username="new", password="x-long-password", roles=[], actor=actor
    )

    record = user.history.get()
    assert record.history_type == "+"
    assert record.history_user == actor
    assert not hasattr(record, "password")
