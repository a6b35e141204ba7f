"""`/hiring/` (the funnel across positions, time-to-fill, open positions by age,
the positions table) and `/hiring/positions/<id>/` (one position's pipeline by stage).

Figures are aggregates every page role may read (SPEC §3). Candidates' names
appear only on a position's pipeline, and only for the roles that may read
that position's personal data (`dashboard.selectors_hiring.position_pipeline`).
"""

import itertools
from typing import Any
from urllib.parse import urlencode

from django.http import Http404
from django.utils import timezone
from django.views.generic import TemplateView

from accounts.mixins import PageAccessMixin
from hiring.models import PIPELINE, PositionStatus, Stage
from hiring.selectors import AGE_BUCKETS, Funnel, hiring_funnel

from . import charts, params
from . import selectors_hiring as selectors

PER_PAGE = 25
STAGE_LABELS = dict(Stage.choices)
POSITION_STATUS_LABELS = {**dict(PositionStatus.choices), "all": "All statuses"}


def _days(value: float | None) -> str:
    if value is None:
        return "—"
    return "1 day" if value == 1 else f"{value:g} days"


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{round(value * 100)} %"


def funnel_context(funnel: Funnel) -> dict[str, Any]:
    """The funnel as bars (reached, along the main path) and a table."""
    by_stage = {s.stage: s for s in funnel.stages}
    rates = {c.from_stage: c for c in funnel.conversion}
    rows = []
    for stage in Stage.values:
        figures = by_stage[stage]
        conversion = rates.get(stage)
        rows.append(
            {
                "stage": stage,
                "label": STAGE_LABELS[stage],
                "current": figures.current,
                "reached": figures.reached,
                "main": stage in PIPELINE,
                "next_label": STAGE_LABELS[conversion.to_stage] if conversion else "",
                "rate": _rate(conversion.rate) if conversion else "",
            }
        )
    open_total = sum(funnel.open_positions_by_age.values())
    return {
        "funnel_rows": rows,
        "funnel_bars": charts.bars(
            [
                (s, STAGE_LABELS[s], by_stage[s].reached, str(by_stage[s].reached))
                for s in PIPELINE
            ]
        ),
        "applications_total": by_stage[Stage.APPLIED].reached,
        "overall_rate": _rate(
            by_stage[Stage.HIRED].reached / by_stage[Stage.APPLIED].reached
            if by_stage[Stage.APPLIED].reached
            else None
        ),
        "time_to_fill": _days(funnel.median_time_to_fill_days),
        "age_bars": charts.bars(
            [
                (label, f"{label} days", n, str(n))
                for label, n in (
                    (label, funnel.open_positions_by_age[label])
                    for label, *_ in AGE_BUCKETS
                )
            ]
        ),
        "open_total": open_total,
    }


class HiringView(PageAccessMixin, params.ParamsMixin, TemplateView):
    """`/hiring/`: the funnel, time-to-fill, open positions by age, the positions."""

    template_name = "dashboard/hiring.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        query = self.request.GET
        today = timezone.localdate()
        status = params.choice(query, "status", selectors.POSITION_FILTERS, "open")
        slug = params.slug(query, "product")
        product = None
        if slug:
            product = selectors.hiring_product_get(user=user, slug=slug)
            if product is None:
                raise params.BadParameter(
                    "product", f"no product has the slug “{slug}”."
                )
        funnel = hiring_funnel(product=product, today=today)
        page = params.page_of(
            query,
            selectors.hiring_positions(user=user, product=product, status=status),
            per_page=PER_PAGE,
        )
        positions = [
            {
                "position": p,
                "age": selectors.age_days(p.opened_on, today)
                if p.status == PositionStatus.OPEN
                else None,
                "late": p.status == PositionStatus.OPEN
                and p.target_fill_date is not None
                and p.target_fill_date < today,
                "counts": [getattr(p, f"n_{s}") for s in selectors.TABLE_STAGES],
            }
            for p in page.object_list
        ]
        fills = [
            {
                "position": p,
                "days": selectors.days_to_fill(p),
            }
            for p in selectors.hiring_recent_fills(user=user, product=product)
        ]
        keep = {"status": status} if status != "open" else {}
        if product is not None:
            keep["product"] = product.slug
        context.update(
            {
                "today": today,
                "product": product,
                "status": status,
                "status_label": POSITION_STATUS_LABELS[status],
                "status_options": list(POSITION_STATUS_LABELS.items()),
                "product_options": selectors.hiring_products(user=user),
                "positions": positions,
                "page_obj": page,
                "keep": urlencode(keep),
                "table_stages": [STAGE_LABELS[s] for s in selectors.TABLE_STAGES],
                "fills": fills,
                **funnel_context(funnel),
            }
        )
        return context


class PositionPipelineView(PageAccessMixin, TemplateView):
    """`/hiring/positions/<id>/`: one position's pipeline by stage."""

    template_name = "dashboard/position.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        today = timezone.localdate()
        pipeline = selectors.position_pipeline(user=user, pk=kwargs["pk"])
        if pipeline is None:
            raise Http404("No such position.")
        position = pipeline.position
        funnel = hiring_funnel(position=position, today=today)
        by_stage = {s.stage: s for s in funnel.stages}
        columns = []
        grouped = {
            stage: list(apps)
            for stage, apps in itertools.groupby(
                sorted(
                    pipeline.applications, key=lambda a: Stage.values.index(a.stage)
                ),
                key=lambda a: a.stage,
            )
        }
        for stage in Stage.values:
            columns.append(
                {
                    "stage": stage,
                    "label": STAGE_LABELS[stage],
                    "count": by_stage[stage].current,
                    "reached": by_stage[stage].reached,
                    "applications": [
                        {
                            "application": a,
                            "days": max((timezone.now() - a.stage_changed_at).days, 0),
                        }
                        for a in grouped.get(stage, [])
                    ],
                }
            )
        context.update(
            {
                "today": today,
                "position": position,
                "personal": pipeline.personal,
                "columns": columns,
                "age": selectors.age_days(position.opened_on, today)
                if position.status == PositionStatus.OPEN
                else None,
                "days_to_fill": selectors.days_to_fill(position),
                **funnel_context(funnel),
            }
        )
        return context
