"""CSV import/export of roadmap items (django-import-export).

Rows are written through the services as the importing user (policies, rules,
slips, change history, the health signal); exports neutralise formulas.
"""

from typing import Any

from import_export import fields, widgets

from cpo.common.resources import ServiceResource, StrictManyToManyWidget
from portfolio.models import Insight, Objective, Product

from . import services
from .models import Release, RoadmapItem

# Columns whose values settle `delivered_on` (done → today; leaving done clears).
_RULE_COLUMNS = ("product", "status", "delivered_on", "start_date", "target_date")


class RoadmapItemResource(ServiceResource):
    entity = services.ROADMAP_ITEM
    product = fields.Field(
        attribute="product",
        column_name="product",
        widget=widgets.ForeignKeyWidget(Product, field="slug"),
    )
    release = fields.Field(
        attribute="release",
        column_name="release",
        widget=widgets.ForeignKeyWidget(Release, field="pk"),
    )
    objective = fields.Field(
        attribute="objective",
        column_name="objective",
        widget=widgets.ForeignKeyWidget(Objective, field="pk"),
    )
    depends_on = fields.Field(
        attribute="depends_on",
        column_name="depends_on",
        widget=StrictManyToManyWidget(RoadmapItem, field="pk", separator=","),
    )
    insights = fields.Field(
        attribute="insights",
        column_name="insights",
        widget=StrictManyToManyWidget(Insight, field="pk", separator=","),
    )
    rice_score = fields.Field(
        attribute="compute_rice_score",
        column_name="rice_score",
        readonly=True,
        widget=widgets.FloatWidget(),
    )
    slip_count = fields.Field(
        attribute="slip_count",
        column_name="slip_count",
        readonly=True,
        widget=widgets.IntegerWidget(),
    )
    slip_days = fields.Field(
        attribute="slip_days",
        column_name="slip_days",
        readonly=True,
        widget=widgets.IntegerWidget(),
    )

    class Meta:
        model = RoadmapItem
        fields = (
            "id",
            *services.ROADMAP_ITEM_FIELDS,
            "rice_score",
            "slip_count",
            "slip_days",
        )
        export_order = fields
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    def get_queryset(self) -> Any:
        return (
            RoadmapItem.objects.select_related("product")
            .prefetch_related("depends_on", "insights")
            .order_by("product__name", "target_date", "id")
        )

    def import_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
        super().import_instance(instance, row, **kwargs)
        # Settle delivered_on as the service will, so the row validates (done
        # without a date → today), or report the rule it breaks.
        current = (
            RoadmapItem.objects.select_related("release").filter(pk=instance.pk).first()
            if instance.pk
            else None
        )
        data: dict[str, Any] = {
            name: getattr(instance, name)
            for name in _RULE_COLUMNS
            if name in row and (name != "product" or instance.product_id)
        }
        if "release" in row:
            data["release"] = instance.release
        settled = services.roadmap_item_validate(item=current, data=data)
        if "delivered_on" in settled:
            instance.delivered_on = settled["delivered_on"]
