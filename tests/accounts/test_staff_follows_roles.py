"""is_staff follows the roles whichever way the groups change (shell, sync, admin)."""

import pytest
from django.contrib.auth.models import Group

from accounts.models import User


def staff(user) -> bool:
    return User.objects.get(pk=user.pk).is_staff


@pytest.fixture
def group(db):
    return lambda name: Group.objects.get(name=name)


@pytest.mark.parametrize("role", ["cpo", "product_manager", "recruiter"])
def test_adding_an_admin_role_through_the_orm_makes_staff(make_user, group, role):
    user = make_user()

    user.groups.add(group(role))

    assert staff(user) is True


@pytest.mark.parametrize("role", ["executive", "integration"])
def test_adding_a_non_admin_role_leaves_no_staff(make_user, group, role):
    user = make_user()

    user.groups.add(group(role))

    assert staff(user) is False


def test_removing_the_last_admin_role_ends_staff(make_user, group):
    user = make_user("recruiter")
    assert staff(user) is True

    user.groups.remove(group("recruiter"))

    assert staff(user) is False


def test_removing_one_of_two_admin_roles_keeps_staff(make_user, group):
    user = make_user("recruiter", "product_manager")

    user.groups.remove(group("recruiter"))

    assert staff(user) is True


def test_clearing_the_groups_ends_staff(make_user):
    user = make_user("cpo")

    user.groups.clear()

    assert staff(user) is False


def test_setting_the_groups_follows_the_new_roles(make_user, group):
    user = make_user("executive")

    user.groups.set([group("product_manager")])

    assert staff(user) is True


def test_adding_users_from_the_group_side_makes_them_staff(make_user, group):
    first, second = make_user(), make_user()

    group("cpo").user_set.add(first, second)

    assert (staff(first), staff(second)) == (True, True)


def test_removing_users_from_the_group_side_ends_staff(make_user, group):
    user = make_user("product_manager")

    group("product_manager").user_set.remove(user)

    assert staff(user) is False


def test_clearing_a_group_from_its_side_ends_its_members_staff(make_user, group):
    member, other = make_user("recruiter"), make_user("cpo")

    group("recruiter").user_set.clear()

    assert (staff(member), staff(other)) == (False, True)


def test_deleting_a_role_group_ends_its_members_staff(make_user, group):
    user = make_user("recruiter")

    group("recruiter").delete()

    assert staff(user) is False


def test_a_superuser_stays_staff_without_roles(make_user, group):
    user = make_user("cpo", is_superuser=True)

    user.groups.remove(group("cpo"))

    assert staff(user) is True


def test_an_unrelated_group_does_not_make_staff(make_user):
    user = make_user()
    other = Group.objects.create(name="book-club")

    user.groups.add(other)

    assert staff(user) is False
