"""`/kpis/`: every active KPI's attainment, stale KPIs first, filtered and paginated."""

from typing import Any

from django.utils import timezone
from django.views.generic import TemplateView

from accounts.mixins import PageAccessMixin
from kpis.models import Category
from kpis.selectors import kpi_attainment_of
from portfolio.models import LifecycleStage
from portfolio.selectors import objective_list, product_list

from . import params
from . import selectors_kpis as board
from .views import linker_for


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{round(value * 100)} %"


def _age(now: Any, moment: Any) -> str:
    if moment is None:
        return "never measured"
    days = (now - moment).days
    if days <= 0:
        return "today"
    return f"{days} day{'s' if days != 1 else ''} ago"


class KpisView(PageAccessMixin, params.ParamsMixin, TemplateView):
    template_name = "dashboard/kpis.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        query = self.request.GET
        now = timezone.now()
        objectives = list(objective_list(user=user).values("pk", "title", "period"))
        filters = board.KpiFilters(
            product=params.slug(query, "product"),
            category=params.choice(query, "category", Category.values, ""),
            objective=params.integer(query, "objective"),
            state=params.choice(query, "state", board.STATES, ""),
            q=params.text(query, "q"),
            sort=params.choice(query, "sort", board.SORTS, "stale"),
        )
        if filters.objective is not None and filters.objective not in {
            o["pk"] for o in objectives
        }:
            raise params.BadParameter(
                "objective", f"there is no objective with id {filters.objective}."
            )
        product = None
        if filters.product:
            product = (
                product_list(user=user)
                .exclude(lifecycle_stage=LifecycleStage.RETIRED)
                .filter(slug=filters.product)
                .values("name", "slug")
                .first()
            )
            if product is None:
                raise params.BadParameter(
                    "product", f"no scored product has the slug “{filters.product}”."
                )
        result_page = params.integer(query, "page") or 1
        found = board.kpi_board(user=user, now=now, filters=filters, page=result_page)
        links = linker_for(user)
        rows = []
        for kpi in found.kpis:
            result = kpi_attainment_of(kpi, now=now)
            rows.append(
                {
                    "kpi": kpi,
                    "url": links.kpi(kpi.pk),
                    "stale": result.stale,
                    "attainment": _percent(result.attainment),
                    "attainment_pct": ""
                    if result.attainment is None
                    else f"{100 * result.attainment:.1f}",
                    "age": _age(now, getattr(kpi, "latest_at", None)),
                }
            )
        context.update(
            {
                "now": now,
                "rows": rows,
                "page_obj": found.page,
                "keep": params.query_without(query, "page"),
                "totals": found,
                "mean_attainment": _percent(found.mean_attainment),
                "filters": filters,
                "filtered": any(
                    (
                        filters.product,
                        filters.category,
                        filters.objective,
                        filters.state,
                        filters.q,
                    )
                ),
                "product": product,
                "objectives": objectives,
                "categories": Category.choices,
                "states": board.STATES.items(),
                "sorts": board.SORT_LABELS.items(),
            }
        )
        return context
