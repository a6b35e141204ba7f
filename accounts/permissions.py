"""The policy pattern: one object per app says who may read and write what.

The API (PolicyPermission), the admin (PolicyAdminMixin) and the pages all ask
the same policy, so a rule is written once.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from rest_framework import permissions
from rest_framework.request import Request
from rest_framework.views import APIView

from .roles import ALL_ROLES, Role, has_role

NOT_ALLOWED = "Your role does not allow this action."


def require(allowed: bool, message: str = NOT_ALLOWED) -> None:
    """Raise PermissionDenied (a 403 in the API and admin) unless allowed."""
    if not allowed:
        raise PermissionDenied(message)


class ModelPolicy:
    """Default rules: every role reads, the CPO writes. Apps override what differs."""

    read_roles: tuple[str, ...] = ALL_ROLES
    write_roles: tuple[str, ...] = (Role.CPO,)
    # Roles whose admin pages show this model (SPEC §3 "admin site" column).
    admin_roles: tuple[str, ...] = (Role.CPO,)

    def can_read(self, user: Any) -> bool:
        return has_role(user, *self.read_roles)

    def visible(self, user: Any, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """Narrow a queryset to what the user may see (others answer 404)."""
        return queryset if self.can_read(user) else queryset.none()

    def can_create(self, user: Any) -> bool:
        """Whether the user may create objects of this kind at all."""
        return has_role(user, *self.write_roles)

    def can_write_some(self, user: Any) -> bool:
        """Whether the user may change at least some objects (e.g. their own)."""
        return has_role(user, *self.write_roles)

    def can_change(self, user: Any, obj: Model) -> bool:
        return has_role(user, *self.write_roles)

    def can_delete(self, user: Any, obj: Model) -> bool:
        return self.can_change(user, obj)

    def can_admin(self, user: Any) -> bool:
        return has_role(user, *self.admin_roles)


class PolicyPermission(permissions.BasePermission):
    """DRF permission that asks `view.policy`: read, create, change, delete."""

    message = NOT_ALLOWED

    def has_permission(self, request: Request, view: APIView) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        policy: ModelPolicy = view.policy  # type: ignore[attr-defined]
        if not policy.can_read(request.user):
            return False
        if request.method == "POST" and getattr(view, "action", None) == "create":
            return policy.can_create(request.user)
        if request.method not in permissions.SAFE_METHODS:
            # A role that can write nothing here gets 403, whatever the object.
            return policy.can_write_some(request.user)
        return True

    def has_object_permission(self, request: Request, view: APIView, obj: Any) -> bool:
        policy: ModelPolicy = view.policy  # type: ignore[attr-defined]
        if request.method in permissions.SAFE_METHODS:
            return True
        if request.method == "DELETE":
            return policy.can_delete(request.user, obj)
        return policy.can_change(request.user, obj)


class HasRole(permissions.BasePermission):
    """DRF permission for views open to some roles: `HasRole.of(Role.CPO)`."""

    roles: tuple[str, ...] = ()
    message = NOT_ALLOWED

    @classmethod
    def of(cls, *roles: str) -> type["HasRole"]:
        return type(f"HasRole_{'_'.join(roles)}", (cls,), {"roles": roles})

    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.user and request.user.is_authenticated) and has_role(
            request.user, *self.roles
        )
