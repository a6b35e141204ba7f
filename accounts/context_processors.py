"""Navigation by role for base.html."""

from typing import Any

from django.http import HttpRequest

from .policies import can_enter_admin, can_view_pages
from .roles import roles_of


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_roles": [], "nav_can_admin": False, "nav_can_pages": False}
    return {
        "nav_roles": sorted(roles_of(user)),
        "nav_can_admin": can_enter_admin(user),
        "nav_can_pages": can_view_pages(user),
    }
