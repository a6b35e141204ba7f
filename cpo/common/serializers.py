"""Serializer building blocks: JSON types are checked, not coerced.

DRF accepts `5` for a text field, `"5"` for a number and `{}` for a list; an API
that other tools write to should say "wrong type" instead (the schema says what
each field is). Every app's serializers derive from `ModelSerializer` here.
"""

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from rest_framework import relations, serializers


class StrictCharField(serializers.CharField):
    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictSlugField(serializers.SlugField):
    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictEmailField(serializers.EmailField):
    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictFloatField(serializers.FloatField):
    """A JSON number; NaN and ±Infinity are refused (Python's parser accepts them)."""

    default_error_messages = {"invalid": "A finite number is required."}

    def to_internal_value(self, data: Any) -> float:
        if isinstance(data, bool) or not isinstance(data, int | float):
            self.fail("invalid")
        value = super().to_internal_value(data)
        if value != value or value in (float("inf"), float("-inf")):
            self.fail("invalid")
        return value


# Its schema (decimal string out, number or decimal string in) comes from
# cpo.common.schema.DecimalFieldExtension.
class StrictDecimalField(serializers.DecimalField):
    """A JSON number or a numeric string; answered as a string (exact money)."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, int | float | str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class StrictChoiceField(serializers.ChoiceField):
    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str | int) or isinstance(data, bool):
            self.fail("invalid_choice", input=data)
        return super().to_internal_value(data)


class StrictManyRelatedField(relations.ManyRelatedField):
    def get_attribute(self, instance: Any) -> Any:
        # Ids loaded for a whole page by ModelListSerializer: no related rows,
        # no related manager per object.
        ids = getattr(instance, M2M_IDS_ATTR, {}).get(self.source)
        if ids is not None:
            return [relations.PKOnlyObject(pk=pk) for pk in ids]
        return super().get_attribute(instance)

    def to_internal_value(self, data: Any) -> list[Any]:
        if not isinstance(data, list):
            self.fail("not_a_list", input_type=type(data).__name__)
        return list(super().to_internal_value(data))


class StrictPrimaryKeyRelatedField(relations.PrimaryKeyRelatedField):
    """An id as a JSON integer (not "5"); `many=True` takes a JSON list."""

    @classmethod
    def many_init(cls, *args: Any, **kwargs: Any) -> StrictManyRelatedField:
        list_kwargs: dict[str, Any] = {"child_relation": cls(*args, **kwargs)}
        for key in kwargs:
            if key in relations.MANY_RELATION_KWARGS:
                list_kwargs[key] = kwargs[key]
        return StrictManyRelatedField(**list_kwargs)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)


M2M_IDS_ATTR = "_cpo_m2m_ids"


class ModelListSerializer(serializers.ListSerializer):
    """A list that loads its many-to-many ids for the whole page, one query each.

    A prefetch would build a model instance per linked row and a related manager
    per object (most of a 50-row page's time); the API prints only ids.
    """

    def to_representation(self, data: Any) -> list[Any]:
        items = list(data.all() if isinstance(data, models.Manager) else data)
        child: Any = self.child
        model = getattr(getattr(child, "Meta", None), "model", None)
        if items and model is not None:
            for field in child.fields.values():
                if isinstance(field, StrictManyRelatedField) and not field.write_only:
                    self._load_ids(model, str(field.source), items)
        return super().to_representation(items)

    @staticmethod
    def _load_ids(model: type[models.Model], source: str, items: list[Any]) -> None:
        try:
            m2m = model._meta.get_field(source)
        except FieldDoesNotExist:  # a computed source: left to the field itself
            return
        if not isinstance(m2m, models.ManyToManyField):
            return
        through: Any = m2m.remote_field.through
        own = through._meta.get_field(m2m.m2m_field_name()).attname
        other = through._meta.get_field(m2m.m2m_reverse_field_name()).attname
        ids: dict[Any, list[Any]] = {item.pk: [] for item in items}
        rows = (
            through._default_manager.filter(**{f"{own}__in": list(ids)})
            .order_by(other)
            .values_list(own, other)
        )
        for pk, linked in rows:
            ids[pk].append(linked)
        for item in items:
            item.__dict__.setdefault(M2M_IDS_ATTR, {})[source] = ids[item.pk]


class ModelSerializer(serializers.ModelSerializer):
    """The project's ModelSerializer: JSON types are checked, not coerced."""

    @classmethod
    def many_init(cls, *args: Any, **kwargs: Any) -> Any:
        many = super().many_init(*args, **kwargs)
        if type(many) is serializers.ListSerializer:
            # DRF builds a plain ListSerializer unless Meta names another; ours
            # only adds the page-wide id loading.
            many.__class__ = ModelListSerializer
        return many

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
        models.SlugField: StrictSlugField,
        models.EmailField: StrictEmailField,
        models.IntegerField: StrictIntegerField,
        models.BigIntegerField: StrictIntegerField,
        models.SmallIntegerField: StrictIntegerField,
        models.PositiveIntegerField: StrictIntegerField,
        models.PositiveSmallIntegerField: StrictIntegerField,
        models.PositiveBigIntegerField: StrictIntegerField,
        models.FloatField: StrictFloatField,
        models.DecimalField: StrictDecimalField,
        models.BooleanField: StrictBooleanField,
    }
    serializer_related_field = StrictPrimaryKeyRelatedField
    serializer_choice_field = StrictChoiceField
