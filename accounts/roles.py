"""The five roles of SPEC §3 (Django groups) and the checks every app builds on."""

from typing import Any

from django.db import models


class Role(models.TextChoices):
    CPO = "cpo", "CPO"
    PRODUCT_MANAGER = "product_manager", "Product manager"
    EXECUTIVE = "executive", "Executive"
    RECRUITER = "recruiter", "Recruiter"
    INTEGRATION = "integration", "Integration"


ALL_ROLES: tuple[str, ...] = tuple(Role.values)
# Roles that the admin site admits (SPEC §3); is_staff follows them.
STAFF_ROLES = frozenset({Role.CPO, Role.PRODUCT_MANAGER, Role.RECRUITER})
# Roles that see the server-rendered pages: all but `integration`.
PAGE_ROLES = frozenset(ALL_ROLES) - {Role.INTEGRATION}

_CACHE_ATTR = "_cpo_roles"


def roles_of(user: Any) -> frozenset[str]:
    """Return the user's role names, read once per user object."""
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    if not getattr(user, "is_active", True):
        return frozenset()
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        names = user.groups.filter(name__in=ALL_ROLES).values_list("name", flat=True)
        cached = frozenset(names)
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget_roles(user: Any) -> None:
    """Drop the cached roles after the user's groups changed."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def has_role(user: Any, *roles: str) -> bool:
    """True when the user holds any of the roles (a superuser holds `cpo`)."""
    superuser = getattr(user, "is_superuser", False) and getattr(
        user, "is_active", False
    )
    if superuser and Role.CPO in roles:
        return True
    return bool(roles_of(user) & set(roles))


def is_cpo(user: Any) -> bool:
    return has_role(user, Role.CPO)
