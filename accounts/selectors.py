"""Reads for users."""

from django.contrib.auth.models import Group
from django.db.models import Prefetch, QuerySet

from .models import User
from .roles import ALL_ROLES


def user_list() -> QuerySet[User]:
    """All users with their role groups prefetched (no query per row)."""
    return User.objects.prefetch_related(
        Prefetch(
            "groups",
            queryset=Group.objects.filter(name__in=ALL_ROLES).order_by("name"),
            to_attr="role_groups",
        )
    ).order_by("username")
