"""`/roadmaps/`: the portfolio roadmap on one timeline, a page of products at a time."""

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from django.utils import timezone
from django.views.generic import TemplateView

from accounts.mixins import PageAccessMixin
from health.selectors import policy_get
from portfolio.models import Horizon
from portfolio.selectors import product_line_list

from . import charts, params, timeline
from . import selectors_roadmaps as roadmaps
from .views import OUTCOME_LABELS, STATUS_LABELS, _outcome, linker_for


def delivery_figures(counts: dict[str, int] | None) -> dict[str, Any]:
    """On-time share and the delivery score (on time 1, late 0.5, overdue 0)."""
    counts = counts or {"total": 0, "on_time": 0, "late": 0}
    total, on_time, late = counts["total"], counts["on_time"], counts["late"]
    overdue = total - on_time - late
    return {
        "total": total,
        "on_time": on_time,
        "late": late,
        "overdue": overdue,
        "on_time_pct": f"{round(100 * on_time / total)} %" if total else "—",
        "score": f"{100 * (on_time + 0.5 * late) / total:.1f}" if total else "—",
    }


def _slips(item: Any) -> tuple[date, ...]:
    return tuple(
        c.previous_date
        for c in item.target_date_changes.all()
        if c.days is not None and c.days > 0 and c.previous_date
    )


class RoadmapsView(PageAccessMixin, params.ParamsMixin, TemplateView):
    template_name = "dashboard/roadmaps.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        query = self.request.GET
        today = timezone.localdate()
        lines = list(product_line_list(user=user).values("pk", "name"))
        filters = roadmaps.RoadmapFilters(
            product=params.slug(query, "product"),
            line=params.integer(query, "line"),
            horizon=params.choice(query, "horizon", Horizon.values, ""),
        )
        if filters.line is not None and filters.line not in {
            row["pk"] for row in lines
        }:
            raise params.BadParameter(
                "line", f"there is no product line with id {filters.line}."
            )
        window_days = policy_get().delivery_window_days
        products = roadmaps.roadmap_products(user=user, filters=filters)
        page = params.page_of(
            query,
            products.select_related("product_line").only(
                "id",
                "name",
                "slug",
                "horizon",
                "health_status",
                "health_score",
                "product_line__name",
            ),
            per_page=roadmaps.PER_PAGE,
        )
        if filters.product and not page.object_list:
            raise params.BadParameter(
                "product", f"no scored product has the slug “{filters.product}”."
            )
        ids = [p.pk for p in page.object_list]
        per_product = roadmaps.delivery_by_product(
            user=user, product_ids=ids, today=today, window_days=window_days
        )
        overall = delivery_figures(
            roadmaps.delivery_overall(
                user=user, products=products, today=today, window_days=window_days
            )
        )
        items_by: dict[int, list[Any]] = defaultdict(list)
        for item in roadmaps.lane_items(user=user, product_ids=ids, today=today):
            items_by[item.product_id].append(item)
        launches_by: dict[int, list[timeline.LaunchInput]] = defaultdict(list)
        for launch in roadmaps.lane_launches(user=user, product_ids=ids, today=today):
            launches_by[launch.product_id].append(
                timeline.LaunchInput(
                    launch.pk, launch.name, launch.launch_date, launch.status
                )
            )
        links = linker_for(user)
        lanes, rows, table = [], [], []
        for product in page.object_list:
            items = items_by.get(product.pk, [])
            shown = items[: roadmaps.LANE_LIMIT]
            strip = []
            for item in shown:
                outcome = _outcome(item, today)
                slips = _slips(item)
                strip.append(
                    charts.StripInput(
                        id=item.pk,
                        title=item.title,
                        target=item.target_date,
                        outcome=outcome,
                        start=item.start_date,
                        delivered=item.delivered_on,
                        previous_targets=slips,
                    )
                )
                table.append(
                    {
                        "product": product,
                        "item": item,
                        "url": links.item(item.pk),
                        "outcome": outcome,
                        "outcome_label": OUTCOME_LABELS[outcome],
                        "slips": slips,
                    }
                )
            lanes.append(
                timeline.LaneInput(
                    slug=product.slug,
                    name=product.name,
                    status=product.health_status,
                    items=strip,
                    launches=launches_by.get(product.pk, []),
                    more=len(items) - len(shown),
                )
            )
            rows.append(
                {
                    "product": product,
                    "status_label": STATUS_LABELS.get(product.health_status, ""),
                    "delivery": delivery_figures(per_product.get(product.pk)),
                    "launches": len(launches_by.get(product.pk, [])),
                }
            )
        upcoming = [
            {
                "launch": launch,
                "days": (launch.launch_date - today).days,
                "readiness": None
                if launch.readiness is None
                else f"{round(100 * launch.readiness)} %",
            }
            for launch in roadmaps.upcoming_launches(
                user=user, products=products, today=today
            )
        ]
        context.update(
            {
                "today": today,
                "window_days": window_days,
                "window_from": today - timedelta(days=window_days),
                "timeline": timeline.portfolio_timeline(
                    lanes,
                    today=today,
                    days_back=roadmaps.DAYS_BACK,
                    days_ahead=roadmaps.DAYS_AHEAD,
                ),
                "rows": rows,
                "table": table,
                "overall": overall,
                "upcoming": upcoming,
                "upcoming_days": roadmaps.UPCOMING_DAYS,
                "page_obj": page,
                "keep": params.query_without(query, "page"),
                "filters": filters,
                "filtered": bool(filters.product or filters.line or filters.horizon),
                "lines": lines,
                "horizons": Horizon.choices,
            }
        )
        return context
