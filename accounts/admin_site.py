from django.contrib import admin
from django.http import HttpRequest

from .policies import can_enter_admin


class CpoAdminSite(admin.AdminSite):
    """The branded admin; it admits users by role (SPEC §3), not by a flag alone."""

    site_header = "CPO Portfolio administration"
    site_title = "CPO Portfolio"
    index_title = "Portfolio data"

    def has_permission(self, request: HttpRequest) -> bool:
        return can_enter_admin(request.user)
