"""Admin permissions from the app policies, not from Django's per-model perms."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .permissions import ModelPolicy


class PolicyAdminMixin:
    """A ModelAdmin mixin: every permission question goes to `self.policy`."""

    policy: ModelPolicy

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.policy.can_admin(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.policy.can_admin(request.user) and self.policy.can_read(
            request.user
        )

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return self.policy.can_admin(request.user) and self.policy.can_create(
            request.user
        )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if not self.policy.can_admin(request.user):
            return False
        if obj is None:
            return self.policy.can_write_some(request.user)
        return self.policy.can_change(request.user, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if not self.policy.can_admin(request.user):
            return False
        if obj is None:
            return self.policy.can_create(request.user)
        return self.policy.can_delete(request.user, obj)


class PolicyModelAdmin(PolicyAdminMixin, admin.ModelAdmin):
    pass
