"""Write helpers shared by every app's services."""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import models

from .exceptions import Conflict

M = TypeVar("M", bound=models.Model)


def model_create(*, instance: M, actor: Any = None) -> M:
    """Validate and insert a new instance, recording the actor in its history."""
    instance.full_clean()
    if actor is not None:
        instance._history_user = actor  # type: ignore[attr-defined]
    instance.save()
    return instance


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
    if actor is not None:
        # Set up front: many-to-many-only edits write history rows too.
        instance._history_user = actor  # type: ignore[attr-defined]
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


def _is_history_model(model: type[models.Model]) -> bool:
    return hasattr(model, "history_object") or model.__name__.startswith("Historical")


def references_to(instance: models.Model) -> list[tuple[str, int]]:
    """Count what still refers to the instance, from any app: [(name, count)].

    Reverse foreign keys count unless they cascade (owned children) or are
    bookkeeping (DO_NOTHING, change history); reverse many-to-many links always
    count: an insight citing a product refers to it as much as a KPI does.
    """
    found: list[tuple[str, int]] = []
    for rel in instance._meta.related_objects:
        model = rel.related_model
        if not isinstance(model, type) or _is_history_model(model):
            continue
        if not rel.many_to_many and rel.on_delete in (
            models.CASCADE,
            models.DO_NOTHING,
        ):
            continue
        count = model._base_manager.filter(**{rel.field.name: instance}).count()
        if count:
            meta = model._meta
            name = meta.verbose_name if count == 1 else meta.verbose_name_plural
            found.append((str(name), count))
    return sorted(found)


def describe_referrers(instance: models.Model) -> str:
    """'2 insights, 1 roadmap item' — or '' when nothing refers to the instance."""
    return ", ".join(f"{n} {name}" for name, n in references_to(instance))


def ensure_deletable(instance: models.Model, *, hint: str = "") -> None:
    """Raise a 409 Conflict naming the referrers when anything refers to it."""
    referrers = describe_referrers(instance)
    if referrers:
        label = instance._meta.verbose_name
        message = (
            f"Cannot delete {label} “{instance}”: still referred to by {referrers}."
        )
        raise Conflict(detail=f"{message} {hint}".strip())


def model_delete(*, instance: models.Model, actor: Any = None, hint: str = "") -> None:
    """Delete an instance nothing refers to (else 409), recording the actor."""
    ensure_deletable(instance, hint=hint)
    if actor is not None:
        instance._history_user = actor  # type: ignore[attr-defined]
    instance.delete()


@dataclass(frozen=True)
class EntityServices:
    """An entity's create/update/delete services, for generic admin and import code.

    The services keep their own keyword signatures: `create(actor=, **fields)`,
    `update(<instance_arg>=, actor=, data=)`, `delete(<instance_arg>=, actor=)`.
    """

    create: Callable[..., Any]
    update: Callable[..., Any]
    delete: Callable[..., None]
    instance_arg: str

    def create_from(self, *, actor: Any, data: Mapping[str, Any]) -> Any:
        """Create from a mapping of field values."""
        return self.create(actor=actor, **data)

    def update_with(self, instance: Any, *, actor: Any, data: Mapping[str, Any]) -> Any:
        """Update the instance with a mapping of changed field values."""
        return self.update(**{self.instance_arg: instance}, actor=actor, data=data)

    def delete_one(self, instance: Any, *, actor: Any) -> None:
        """Delete the instance (409 when still referred to)."""
        self.delete(**{self.instance_arg: instance}, actor=actor)
