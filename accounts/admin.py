from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from .admin_mixins import PolicyAdminMixin
from .models import User
from .policies import user_policy
from .services import user_sync_staff


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
