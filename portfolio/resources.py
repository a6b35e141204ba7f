"""CSV import/export of products and insights (django-import-export).

Exports neutralise spreadsheet formulas in text cells; imports undo exactly that
and write every row through the services, so the policies, the validation, the
change history (with the importing user) and the health signal all apply.
"""

from typing import Any

from import_export import fields, widgets

from accounts.models import User
from cpo.common.resources import ServiceResource, StrictManyToManyWidget

from . import services
from .models import Insight, Objective, Product, ProductLine, Segment


class ProductResource(ServiceResource):
    entity = services.PRODUCT
    product_line = fields.Field(
        attribute="product_line",
        column_name="product_line",
        widget=widgets.ForeignKeyWidget(ProductLine, field="name"),
    )
    segments = fields.Field(
        attribute="segments",
        column_name="segments",
        widget=StrictManyToManyWidget(Segment, field="name", separator="|"),
    )
    objectives = fields.Field(
        attribute="objectives",
        column_name="objectives",
        widget=StrictManyToManyWidget(Objective, field="pk", separator=","),
    )
    managers = fields.Field(
        attribute="managers",
        column_name="managers",
        widget=StrictManyToManyWidget(User, field="username", separator=","),
    )
    health_score = fields.Field(
        attribute="health_score",
        column_name="health_score",
        readonly=True,
        widget=widgets.FloatWidget(),
    )
    health_status = fields.Field(
        attribute="health_status", column_name="health_status", readonly=True
    )

    class Meta:
        model = Product
        fields = ("id", *services.PRODUCT_FIELDS, "health_score", "health_status")
        export_order = fields
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    def get_queryset(self) -> Any:
        return (
            Product.objects.select_related("product_line")
            .prefetch_related("segments", "objectives", "managers")
            .order_by("name")
        )

    def import_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
        super().import_instance(instance, row, **kwargs)
        if not instance.slug and instance.name:
            # Derived here so that the row validates; the service keeps it.
            instance.slug = services.product_slug_for(
                instance.name, exclude_pk=instance.pk
            )


class InsightResource(ServiceResource):
    entity = services.INSIGHT
    segment = fields.Field(
        attribute="segment",
        column_name="segment",
        widget=widgets.ForeignKeyWidget(Segment, field="name"),
    )
    products = fields.Field(
        attribute="products",
        column_name="products",
        widget=StrictManyToManyWidget(Product, field="slug", separator=","),
    )
    author = fields.Field(
        attribute="author",
        column_name="author",
        readonly=True,
        widget=widgets.ForeignKeyWidget(User, field="username"),
    )

    class Meta:
        model = Insight
        fields = ("id", *services.INSIGHT_FIELDS, "author")
        export_order = fields
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    def get_queryset(self) -> Any:
        return (
            Insight.objects.select_related("segment", "author")
            .prefetch_related("products")
            .order_by("-captured_on", "-id")
        )

    def import_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
        super().import_instance(instance, row, **kwargs)
        if instance.author_id is None and kwargs.get("user") is not None:
            # New rows are authored by the importing user (so they validate).
            instance.author = kwargs["user"]
