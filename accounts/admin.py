from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest
from knox.models import AuthToken
from simple_history.admin import SimpleHistoryAdmin

from .admin_mixins import PolicyAdminMixin
from .models import User
from .policies import user_policy
from .services import token_revoke, user_sync_staff


@admin.register(User)
class UserAdmin(PolicyAdminMixin, SimpleHistoryAdmin, DjangoUserAdmin):
    """Users and their roles (groups); is_staff follows the roles."""

    policy = user_policy
    list_display = [
        "username",
        "get_full_name",
        "email",
        "roles",
        "is_active",
        "last_login",
    ]
    list_filter = ["is_active", "groups"]
    readonly_fields = [
        "is_staff",
        "last_login",
        "date_joined",
        "created_at",
        "updated_at",
    ]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name", "email")}),
        (
            "Roles",
            {
                "fields": ("is_active", "groups", "is_staff", "is_superuser"),
                "description": "Roles are the groups; admin access follows them.",
            },
        ),
        (
            "Dates",
            {"fields": ("last_login", "date_joined", "created_at", "updated_at")},
        ),
    )

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="Roles")
    def roles(self, obj: User) -> str:
        return ", ".join(sorted(g.name for g in obj.groups.all()))

    def save_related(
        self, request: HttpRequest, form: Any, formsets: Any, change: bool
    ) -> None:
        super().save_related(request, form, formsets, change)
        user_sync_staff(user=form.instance, actor=request.user)


# knox's own admin shows digests and issues tokens outside our services; the CPO
# sees who holds which tokens and revokes them here (issue_token issues them).
admin.site.unregister(AuthToken)


@admin.register(AuthToken)
class AuthTokenAdmin(PolicyAdminMixin, admin.ModelAdmin):
    """API tokens: list and revoke (the CPO); keys are never shown, only prefixes."""

    policy = user_policy
    list_display = ["token_key", "user", "created", "expiry"]
    list_select_related = ["user"]
    search_fields = ["token_key", "user__username"]
    ordering = ["-created"]
    fields = ("token_key", "user", "created", "expiry")
    readonly_fields = ("token_key", "user", "created", "expiry")
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: AuthToken) -> None:
        token_revoke(token=obj)

    @admin.action(description="Revoke the selected tokens", permissions=["delete"])
    def revoke(self, request: HttpRequest, queryset: Any) -> None:
        for token in queryset:
            token_revoke(token=token)
        self.message_user(request, f"Revoked {len(queryset)} token(s).")

    def get_actions(self, request: HttpRequest) -> Any:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions
