"""Keep `is_staff` true to the roles on every path that changes them.

Roles are group memberships; a shell, a script or a directory sync may change
them with `user.groups.add(...)` or `group.user_set.remove(...)` instead of
`accounts.services.user_set_roles`. These receivers resync the users touched.
"""

from typing import Any

from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed, post_delete, pre_delete
from django.dispatch import receiver

from .models import User
from .services import user_sync_staff

_CLEARED_ATTR = "_cpo_cleared_user_ids"


def _member_ids(group: Any) -> list[int]:
    return list(group.user_set.values_list("pk", flat=True))


def _sync(user_ids: Any) -> None:
    for user in User.objects.filter(pk__in=list(user_ids or ())):
        user_sync_staff(user=user)


@receiver(m2m_changed, sender=User.groups.through)
def roles_changed(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: Any, **kwargs: Any
) -> None:
    """Resync is_staff for the users whose groups just changed."""
    if isinstance(instance, User):  # user.groups.add/remove/clear/set
        if action in {"post_add", "post_remove", "post_clear"}:
            user_sync_staff(user=instance)
        return
    # group.user_set.add/remove/clear: pk_set holds user ids (None on clear).
    if action == "pre_clear":
        setattr(instance, _CLEARED_ATTR, _member_ids(instance))
    elif action in {"post_add", "post_remove"}:
        _sync(pk_set)
    elif action == "post_clear":
        _sync(getattr(instance, _CLEARED_ATTR, ()))


@receiver(pre_delete, sender=Group)
def role_group_deleting(sender: Any, instance: Group, **kwargs: Any) -> None:
    """Remember the members of a group about to be deleted (the rows cascade)."""
    setattr(instance, _CLEARED_ATTR, _member_ids(instance))


@receiver(post_delete, sender=Group)
def role_group_deleted(sender: Any, instance: Group, **kwargs: Any) -> None:
    """Resync the former members of a deleted group."""
    _sync(getattr(instance, _CLEARED_ATTR, ()))
