"""`/objectives/`: the alignment of the portfolio with company goals."""

from collections import defaultdict
from typing import Any

from django.utils import timezone
from django.views.generic import TemplateView

from accounts.mixins import PageAccessMixin
from health.scoring import score_portfolio
from health.selectors import policy_as_scoring, policy_get
from kpis.selectors import kpi_attainment_of
from portfolio.models import ObjectiveStatus

from . import params
from . import selectors_objectives as aligned
from .views import STATUS_LABELS, _score, linker_for


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{round(value * 100)} %"


def _weakest_first(row: dict[str, Any]) -> tuple[Any, ...]:
    score = row["health_score"]
    return (score is None, score if score is not None else 0, row["name"])


class ObjectivesView(PageAccessMixin, params.ParamsMixin, TemplateView):
    template_name = "dashboard/objectives.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        query = self.request.GET
        now = timezone.now()
        status = params.choice(query, "status", ObjectiveStatus.values, "")
        policy = policy_as_scoring(policy_get())
        page = params.page_of(
            query,
            aligned.objectives(user=user, status=status),
            per_page=aligned.PER_PAGE,
        )
        ids = [o.pk for o in page.object_list]
        linked = aligned.links(user=user, objective_ids=ids)
        health = aligned.product_health(
            product_ids={pid for pairs in linked.values() for pid in pairs}
        )
        shown: dict[int, list[dict[str, Any]]] = {}
        for objective_id, pairs in linked.items():
            rows = sorted((health[pid] for pid in pairs), key=_weakest_first)
            shown[objective_id] = rows[: aligned.PRODUCTS_LIMIT]
        kpis_by: dict[tuple[Any, int], list[dict[str, Any]]] = defaultdict(list)
        links = linker_for(user)
        for kpi in aligned.shown_kpis(
            user=user,
            objective_ids=ids,
            product_ids={row["pk"] for rows in shown.values() for row in rows},
        ):
            result = kpi_attainment_of(kpi, now=now)
            kpis_by[(kpi.objective_id, kpi.product_id)].append(
                {
                    "kpi": kpi,
                    "url": links.kpi(kpi.pk),
                    "attainment": _percent(result.attainment),
                    "stale": result.stale,
                }
            )
        figures = aligned.kpi_figures(user=user, objective_ids=ids, now=now)
        entries = []
        for objective in page.object_list:
            pairs = linked.get(objective.pk, {})
            rows = [health[pid] for pid in pairs]
            portfolio = score_portfolio(
                [(r["health_score"], r["strategic_importance"]) for r in rows],
                policy=policy,
                previous_score=None,
            )
            kpi_summary = figures.get(objective.pk)
            entries.append(
                {
                    "objective": objective,
                    "score": _score(portfolio.score),
                    "status": portfolio.status,
                    "status_label": STATUS_LABELS.get(portfolio.status, ""),
                    "counts": [
                        (key, STATUS_LABELS[key], portfolio.counts.get(key, 0))
                        for key in ("critical", "at_risk", "healthy", "unknown")
                        if portfolio.counts.get(key, 0)
                    ],
                    "product_total": len(rows),
                    "more": len(rows) - len(shown.get(objective.pk, [])),
                    "kpi": kpi_summary,
                    "kpi_mean": _percent(kpi_summary["mean"] if kpi_summary else None),
                    "products": [
                        {
                            **row,
                            "score": _score(row["health_score"]),
                            "status_label": STATUS_LABELS.get(row["health_status"], ""),
                            "listed": pairs[row["pk"]],
                            "kpis": kpis_by.get((objective.pk, row["pk"]), []),
                        }
                        for row in shown.get(objective.pk, [])
                    ],
                }
            )
        context.update(
            {
                "entries": entries,
                "page_obj": page,
                "keep": params.query_without(query, "page"),
                "status": status,
                "statuses": ObjectiveStatus.choices,
            }
        )
        return context
