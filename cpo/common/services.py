"""Write helpers shared by every app's services."""

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.db import models

M = TypeVar("M", bound=models.Model)


def model_update(
    *,
    instance: M,
    fields: Iterable[str],
    data: Mapping[str, Any],
    actor: Any = None,
) -> tuple[M, bool]:
    """Set the given fields from data, validate, and save only what changed.

    Many-to-many fields are set after the save. Returns (instance, has_updated).
    `actor` is recorded as the user on the change-history row.
    """
    changed: list[str] = []
    m2m: dict[str, Any] = {}
    model_fields = {f.name: f for f in instance._meta.get_fields()}
    for name in fields:
        if name not in data:
            continue
        field = model_fields.get(name)
        if field is None:
            raise ValueError(f"{type(instance).__name__} has no field {name!r}")
        if field.many_to_many:
            m2m[name] = data[name]
            continue
        attname = getattr(field, "attname", name)
        value = data[name]
        current = getattr(instance, name)
        if current != value:
            changed.append(name)
            setattr(instance, name, value)
            if attname != name:
                changed.append(attname)
    if changed:
        instance.full_clean()
        if actor is not None:
            instance._history_user = actor  # type: ignore[attr-defined]
        update_fields = sorted(
            {model_fields[n].name for n in changed if n in model_fields}
        )
        if any(f.name == "updated_at" for f in instance._meta.concrete_fields):
            update_fields.append("updated_at")
        instance.save(update_fields=update_fields)
    m2m_changed = False
    for name, value in m2m.items():
        manager = getattr(instance, name)
        new = {getattr(v, "pk", v) for v in value}
        old = set(manager.values_list("pk", flat=True))
        if new != old:
            manager.set(value)
            m2m_changed = True
    return instance, bool(changed) or m2m_changed
