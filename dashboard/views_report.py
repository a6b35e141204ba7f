"""`/report/`: the CPO's report to the CEO, and its product table as CSV.

The portfolio now against a chosen earlier date (`?since=YYYY-MM-DD`, by default
the policy's trend window ago): score, status and counts then and now; the
products whose status changed (worsened first); the top risks with their
reasons; launches and hires in the period. It prints as a clean document (the
print rules in `static/css/app.css` hide the navigation and the controls), and
`report/products.csv` gives every product's row with the same figures.
"""

import csv
from collections import Counter
from datetime import date, timedelta
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from accounts.mixins import PageAccessMixin
from cpo.common.resources import neutralise
from health.selectors import policy_get
from portfolio.models import HealthStatus, Horizon, LifecycleStage

from . import selectors
from . import selectors_report as report
from .params import BadParameter, ParamsMixin, iso_date
from .selectors_hiring import days_to_fill
from .views import STATUS_LABELS, STATUS_ORDER, _score, _trend, at_risk_rows

# Statuses from best to worst: a change to a later one is a worsening.
SEVERITY: dict[str, int] = {
    HealthStatus.HEALTHY: 0,
    HealthStatus.AT_RISK: 1,
    HealthStatus.CRITICAL: 2,
}
# Products that changed status listed on the page (the CSV has every product).
CHANGES_LIMIT = 50
STAGE_LABELS = dict(LifecycleStage.choices)
HORIZON_LABELS = dict(Horizon.choices)
NOT_SCORED = "not scored"


def report_since(request: HttpRequest, today: date, default_days: int) -> date:
    """`?since=`: a date before today (default: `default_days` ago)."""
    since = iso_date(request.GET, "since", today - timedelta(days=default_days))
    if since >= today:
        raise BadParameter(
            "since", f"{since.isoformat()} is not before today ({today.isoformat()})."
        )
    return since


def _change(then: str | None, now: str) -> str:
    """How a product's status moved: worse, better, new, changed or same."""
    if then is None:
        return "same" if now == HealthStatus.UNKNOWN else "new"
    if then == now:
        return "same"
    if then in SEVERITY and now in SEVERITY:
        return "worse" if SEVERITY[now] > SEVERITY[then] else "better"
    return "changed"


CHANGE_ORDER = {"worse": 0, "changed": 1, "new": 2, "better": 3}
CHANGE_LABELS = {
    "worse": "Worse",
    "better": "Better",
    "new": "Newly scored",
    "changed": "Changed",
    "same": "Unchanged",
}


def _delta(now: float | None, then: float | None) -> float | None:
    if now is None or then is None:
        return None
    return round(now - then, 1)


def product_changes(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each row with `change` and `delta` added (the rows are new dicts)."""
    out = []
    for row in rows:
        change = _change(row["then_status"], row["health_status"])
        out.append(
            {
                **row,
                "change": change,
                "delta": _delta(row["health_score"], row["then_score"]),
            }
        )
    return out


class ReportView(PageAccessMixin, ParamsMixin, TemplateView):
    """`/report/`: portfolio status now and then, changes, risks, launches, hires."""

    template_name = "dashboard/report.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        now = timezone.now()
        today = timezone.localdate(now)
        policy = policy_get()
        since = report_since(self.request, today, policy.trend_days)
        rows = product_changes(report.report_product_rows(user=user, since=since))
        current = selectors.portfolio_snapshot_current()
        before = report.portfolio_snapshot_before(report.start_of(since))

        counts_now: Counter[str] = Counter(r["health_status"] for r in rows)
        # A product without a snapshot then was not scored then: unknown.
        counts_then: Counter[str] = Counter(
            r["then_status"] or HealthStatus.UNKNOWN for r in rows
        )
        status_rows = [
            {
                "status": s.value,
                "label": STATUS_LABELS[s],
                "then": counts_then[s] if before else None,
                "now": counts_now[s],
                "delta": counts_now[s] - counts_then[s] if before else None,
            }
            for s in STATUS_ORDER
        ]
        changed = sorted(
            (r for r in rows if r["change"] != "same"),
            key=lambda r: (
                CHANGE_ORDER[r["change"]],
                r["health_score"] if r["health_score"] is not None else 101,
                r["name"],
            ),
        )
        change_counts = Counter(r["change"] for r in changed)
        risks = at_risk_rows(user)
        hires = report.report_hires(user=user, since=since, today=today)
        score_then = before.score if before else None
        score_now = current.score if current else None
        delta = _delta(score_now, score_then)
        delta_text, delta_css = _trend(delta)
        context.update(
            {
                "now": now,
                "today": today,
                "since": since,
                "days": (today - since).days,
                "current": current,
                "before": before,
                "score_now": _score(score_now),
                "score_then": _score(score_then),
                "status_now": current.status if current else HealthStatus.UNKNOWN,
                "status_then": before.status if before else HealthStatus.UNKNOWN,
                "status_now_label": STATUS_LABELS.get(
                    current.status if current else HealthStatus.UNKNOWN, ""
                ),
                "status_then_label": STATUS_LABELS.get(
                    before.status if before else HealthStatus.UNKNOWN, ""
                ),
                "delta": delta_text,
                "delta_css": delta_css,
                "status_rows": status_rows,
                "total": len(rows),
                "changed": [
                    {
                        **r,
                        "score": _score(r["health_score"]),
                        "then_score_text": _score(r["then_score"]),
                        "status_label": STATUS_LABELS.get(r["health_status"], ""),
                        "then_label": STATUS_LABELS.get(r["then_status"] or "", "")
                        or NOT_SCORED.capitalize(),
                        "change_label": CHANGE_LABELS[r["change"]],
                        "delta_text": _trend(r["delta"])[0],
                    }
                    for r in changed[:CHANGES_LIMIT]
                ],
                "changed_total": len(changed),
                "changed_more": max(len(changed) - CHANGES_LIMIT, 0),
                "worse": change_counts["worse"],
                "better": change_counts["better"],
                "risks": risks,
                "launches": report.report_launches(user=user, since=since, today=today),
                "hires": [
                    {
                        "position": p,
                        "days": days_to_fill(p),
                    }
                    for p in hires.rows
                ],
                "hires_total": hires.total,
                "hires_more": hires.more,
            }
        )
        return context


CSV_HEADER = (
    "product",
    "slug",
    "product_line",
    "lifecycle_stage",
    "horizon",
    "strategic_importance",
    "annual_budget",
    "score_now",
    "status_now",
    "score_then",
    "status_then",
    "score_change",
    "status_change",
    "trend",
    "weakest_component",
)


def _number(value: Any) -> Any:
    """A number as a number (the csv module writes it as is); None as empty."""
    return "" if value is None else value


def csv_rows(rows: list[dict[str, Any]]) -> list[list[Any]]:
    """The CSV's data rows: text cells neutralised, numbers left as numbers."""
    out = []
    for r in product_changes(rows):
        text = [
            r["name"],
            r["slug"],
            r["product_line__name"] or "",
            r["lifecycle_stage"],
            r["horizon"],
        ]
        out.append(
            [
                *(neutralise(v) for v in text),
                int(r["strategic_importance"]),
                _number(r["annual_budget"]),
                _number(r["health_score"]),
                r["health_status"],
                _number(r["then_score"]),
                r["then_status"] or "",
                _number(r["delta"]),
                r["change"],
                _number(r["health_trend"]),
                neutralise(r["weakest"] or ""),
            ]
        )
    return out


class ReportCsvView(PageAccessMixin, ParamsMixin, View):
    """`/report/products.csv?since=`: every product's row of the report."""

    http_method_names = ["get"]

    def get(self, request: HttpRequest) -> HttpResponse:
        today = timezone.localdate()
        since = report_since(request, today, policy_get().trend_days)
        rows = report.report_product_rows(user=request.user, since=since)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        name = f"portfolio-report-{since.isoformat()}-to-{today.isoformat()}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        writer = csv.writer(response)
        writer.writerow(CSV_HEADER)
        writer.writerows(csv_rows(rows))
        return response
