"""Writes for users, roles and API tokens."""

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from knox.models import AuthToken

from .models import User
from .policies import staff_status_for
from .roles import ALL_ROLES, forget_roles, roles_of

# issue_token's default life for service accounts (SPEC §4).
SERVICE_TOKEN_DAYS = 365


def _check_roles(roles: Iterable[str]) -> frozenset[str]:
    wanted = frozenset(roles)
    unknown = wanted - set(ALL_ROLES)
    if unknown:
        raise ValueError(f"Unknown roles: {', '.join(sorted(unknown))}")
    return wanted


@transaction.atomic
def user_set_roles(*, user: User, roles: Iterable[str], actor: Any = None) -> User:
    """Give the user exactly these roles; is_staff follows them."""
    wanted = _check_roles(roles)
    keep = user.groups.exclude(name__in=ALL_ROLES)
    user.groups.set([*keep, *Group.objects.filter(name__in=wanted)])
    forget_roles(user)
    return user_sync_staff(user=user, actor=actor)


def user_sync_staff(*, user: User, actor: Any = None) -> User:
    """Set is_staff from the user's roles, saving only when it changes."""
    forget_roles(user)
    staff = staff_status_for(user, roles_of(user) if user.is_active else frozenset())
    if user.is_staff != staff:
        user.is_staff = staff
        if actor is not None:
            user._history_user = actor  # type: ignore[attr-defined]
        user.save(update_fields=["is_staff", "updated_at"])
    return user


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None,
    roles: Iterable[str] = (),
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    actor: Any = None,
) -> User:
    """Create a user with the given roles (no password: a service account)."""
    wanted = _check_roles(roles)
    user = User(
        username=username, email=email, first_name=first_name, last_name=last_name
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    if actor is not None:
        user._history_user = actor  # type: ignore[attr-defined]
    user.save()
    return user_set_roles(user=user, roles=wanted, actor=actor)


def token_issue(*, user: User, days: int | None = None) -> tuple[AuthToken, str]:
    """Issue an API token; only its digest is stored. Returns (token row, key)."""
    if days is not None and days <= 0:
        raise ValueError("days must be a positive number")
    if days is None:
        return AuthToken.objects.create(user=user)
    return AuthToken.objects.create(user=user, expiry=timedelta(days=days))


def token_revoke(*, token: AuthToken) -> None:
    """Revoke one token: it stops working at once."""
    token.delete()


def tokens_purge_expired(*, now: datetime | None = None) -> int:
    """Delete expired tokens (knox only deletes them lazily); return how many."""
    now = now or timezone.now()
    deleted, _ = AuthToken.objects.filter(expiry__lt=now).delete()
    return deleted
