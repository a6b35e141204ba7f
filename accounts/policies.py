"""Who may do what with users and with the site itself."""

from typing import Any

from .permissions import ModelPolicy
from .roles import PAGE_ROLES, STAFF_ROLES, Role, has_role


class UserPolicy(ModelPolicy):
    """Users and their roles: the CPO manages them; everyone reads themselves."""

    read_roles = (Role.CPO,)
    write_roles = (Role.CPO,)
    admin_roles = (Role.CPO,)


user_policy = UserPolicy()


def can_enter_admin(user: Any) -> bool:
    """The admin site admits the cpo, product_manager and recruiter roles."""
    return bool(getattr(user, "is_active", False)) and (
        bool(getattr(user, "is_superuser", False)) or has_role(user, *STAFF_ROLES)
    )


def can_view_pages(user: Any) -> bool:
    """Every role but `integration` sees the pages."""
    return bool(getattr(user, "is_superuser", False)) or has_role(user, *PAGE_ROLES)


def staff_status_for(user: Any, roles: frozenset[str]) -> bool:
    """is_staff follows the roles (SPEC §3); superusers keep it."""
    return bool(getattr(user, "is_superuser", False)) or bool(roles & STAFF_ROLES)
