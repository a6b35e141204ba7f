"""The CPO's server-rendered pages: the portfolio dashboard and the product page.

Views read through `dashboard.selectors` (a fixed number of queries per page),
lay out charts with `dashboard.charts` and put scores into words with
`dashboard.explain`; the one write, "Recompute now", calls the health service.
"""

from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from accounts.mixins import PageAccessMixin
from health.models import RecomputeRun, RunState
from health.selectors import policy_get
from health.services import can_edit_policy, health_recompute_request
from hiring.policies import team_policy
from kpis.policies import kpi_policy
from kpis.selectors import kpi_attainment_of
from portfolio.models import HealthStatus, Horizon, LifecycleStage
from portfolio.policies import manages
from roadmaps.models import OPEN_STATUSES, ItemStatus
from roadmaps.policies import roadmap_policy

from . import charts, explain, params, rows, selectors

STATUS_ORDER = [
    HealthStatus.CRITICAL,
    HealthStatus.AT_RISK,
    HealthStatus.HEALTHY,
    HealthStatus.UNKNOWN,
]
STATUS_LABELS = dict(HealthStatus.choices)
STAGE_LABELS = dict(LifecycleStage.choices)
HORIZON_LABELS = dict(Horizon.choices)
COMPONENT_LABELS = explain.COMPONENT_LABELS


def _score(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _trend(value: float | None) -> tuple[str, str]:
    """(text, css class) of a trend in score points."""
    if value is None:
        return "—", "flat"
    if value > 0:
        return f"▲ {value:.1f}", "up"
    if value < 0:
        return f"▼ {-value:.1f}", "down"
    return "0.0", "flat"


def _money(value: Decimal | float | int) -> str:
    value = float(value)
    if value >= 1_000_000:
        return f"{value / 1_000_000:,.1f} M"
    if value >= 1_000:
        return f"{value / 1_000:,.0f} k"
    return f"{value:,.0f}"


def linker_for(user: Any) -> explain.Linker:
    """Links to records: admin change pages where the user may use them, else API."""

    def maker(admin_name: str, api_name: str, admin: bool) -> Any:
        if admin:
            return lambda pk: reverse(f"admin:{admin_name}_change", args=[pk])
        return lambda pk: reverse(f"{api_name}-detail", args=[pk])

    return explain.Linker(
        kpi=maker("kpis_kpi", "kpi", kpi_policy.can_admin(user)),
        item=maker(
            "roadmaps_roadmapitem", "roadmap-item", roadmap_policy.can_admin(user)
        ),
        team=maker("hiring_team", "team", team_policy.can_admin(user)),
    )


def _per_day(rows: list[tuple[datetime, float | None]]) -> list[tuple[datetime, float]]:
    """The last value of each day (hourly runs leave several), oldest first."""
    days: dict[date, tuple[datetime, float]] = {}
    for moment, score in rows:
        if score is not None:
            days[moment.date()] = (moment, score)
    return sorted(days.values())


def _bands(policy: Any) -> list[tuple[float, float, str]]:
    return [
        (0, policy.at_risk_threshold, "band-critical"),
        (policy.at_risk_threshold, policy.healthy_threshold, "band-at-risk"),
        (policy.healthy_threshold, 100, "band-healthy"),
    ]


def at_risk_rows(user: Any) -> list[dict[str, Any]]:
    """The at-risk list (of `/` and the report): the worst products and why."""
    return [
        {
            "name": snap.product.name,
            "slug": snap.product.slug,
            "score": _score(snap.score),
            "status": snap.status,
            "status_label": STATUS_LABELS.get(snap.status, ""),
            "reason": explain.headline(snap.components, weakest=snap.weakest),
        }
        for snap in selectors.at_risk_snapshots(user=user)
    ]


class PortfolioView(PageAccessMixin, params.ParamsMixin, TemplateView):
    """`/`: the portfolio's health, every product's row, the at-risk list."""

    template_name = "dashboard/portfolio.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        now = timezone.now()
        policy = policy_get()
        query = self.request.GET
        sort = params.choice(query, "sort", selectors.SORTS, "name")
        status_filter = params.choice(query, "status", STATUS_LABELS, "")
        products = selectors.portfolio_product_rows(user=user, now=now, sort=sort)
        snapshot = selectors.portfolio_snapshot_current()
        history = _per_day(selectors.portfolio_history(since=now - timedelta(days=180)))

        counts: Counter[str] = Counter()
        stages: Counter[str] = Counter()
        horizons: Counter[str] = Counter()
        budget: defaultdict[str, Decimal] = defaultdict(Decimal)
        table = []
        for row in products:
            counts[row["health_status"]] += 1
            stages[row["lifecycle_stage"]] += 1
            horizons[row["horizon"]] += 1
            if row["annual_budget"] is not None:
                budget[row["horizon"]] += row["annual_budget"]
            if status_filter and row["health_status"] != status_filter:
                continue
            trend_text, trend_css = _trend(row["health_trend"])
            spark = charts.sparkline(row["spark"])
            table.append(
                {
                    "name": row["name"],
                    "slug": row["slug"],
                    "line": row["product_line__name"] or "",
                    "stage": STAGE_LABELS.get(row["lifecycle_stage"], ""),
                    "horizon": row["horizon"].upper(),
                    "importance": row["strategic_importance"],
                    "score": _score(row["health_score"]),
                    "status": row["health_status"],
                    "status_label": STATUS_LABELS.get(row["health_status"], ""),
                    "trend": trend_text,
                    "trend_css": trend_css,
                    "weakest": COMPONENT_LABELS.get(row["weakest"] or "", "—"),
                    "spark": spark,
                }
            )
        total = sum(counts.values())
        status_rows = [(s.value, STATUS_LABELS[s], counts[s]) for s in STATUS_ORDER]
        at_risk = at_risk_rows(user)
        at_risk_total = counts[HealthStatus.AT_RISK] + counts[HealthStatus.CRITICAL]
        trend_text, trend_css = _trend(snapshot.trend if snapshot else None)
        is_cpo = can_edit_policy(user)
        context.update(
            {
                "now": now,
                "policy": policy,
                "snapshot": snapshot,
                "portfolio_score": _score(snapshot.score if snapshot else None),
                "portfolio_status": snapshot.status if snapshot else "unknown",
                "portfolio_status_label": STATUS_LABELS.get(
                    snapshot.status if snapshot else "unknown", ""
                ),
                "portfolio_trend": trend_text,
                "portfolio_trend_css": trend_css,
                "history_chart": charts.line_chart(
                    history,
                    start=now - timedelta(days=180),
                    end=now,
                    width=560,
                    height=160,
                    y_range=(0, 100),
                    bands=_bands(policy),
                    what="Portfolio score",
                ),
                "rows": table,
                "rows_html": rows.product_rows_html(table),
                "total": total,
                "status_filter": status_filter,
                "status_filter_label": STATUS_LABELS.get(status_filter, ""),
                "sort": sort,
                "status_counts": status_rows,
                "status_stack": charts.stacked(status_rows),
                "stage_bars": charts.bars(
                    [
                        (s.value, s.label, stages[s], str(stages[s]))
                        for s in LifecycleStage
                        if s != LifecycleStage.RETIRED
                    ]
                ),
                "horizon_bars": charts.bars(
                    [(h.value, h.label, horizons[h], str(horizons[h])) for h in Horizon]
                ),
                "budget_bars": charts.bars(
                    [
                        (h.value, h.label, float(budget[h]), _money(budget[h]))
                        for h in Horizon
                    ]
                ),
                "budget_total": _money(sum(budget.values(), Decimal(0))),
                "at_risk": at_risk,
                "at_risk_more": max(at_risk_total - len(at_risk), 0),
                "can_recompute": is_cpo,
                "active_run": selectors.recompute_run_active() if is_cpo else None,
            }
        )
        return context


def _outcome(item: Any, today: date) -> str:
    if item.status == ItemStatus.DONE:
        if (
            item.target_date
            and item.delivered_on
            and item.delivered_on > item.target_date
        ):
            return "late"
        return "on-time"
    if item.status in OPEN_STATUSES and item.target_date and item.target_date < today:
        return "overdue"
    return "open"


OUTCOME_LABELS = {
    "on-time": "Delivered on time",
    "late": "Delivered late",
    "overdue": "Overdue",
    "open": "Open",
}


class ProductView(PageAccessMixin, TemplateView):
    """`/products/<slug>/`: strategy, health with its explanation, the records."""

    template_name = "dashboard/product.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        now = timezone.now()
        today = timezone.localdate(now)
        policy = policy_get()
        page = selectors.product_page(user=user, slug=kwargs["slug"], now=now)
        product = page.product
        snapshot = page.snapshot
        links = linker_for(user)
        start = now - timedelta(days=selectors.HISTORY_DAYS)
        components = snapshot.components if snapshot else []
        explained = explain.components_explained(
            components, links=links, window_days=policy.delivery_window_days
        )
        trend_text, trend_css = _trend(product.health_trend)

        kpis = []
        for kpi in page.kpis:
            result = kpi_attainment_of(kpi, now=now)
            series = charts.downsample(page.series.get(kpi.pk, []))
            kpis.append(
                {
                    "kpi": kpi,
                    "url": links.kpi(kpi.pk),
                    "latest": getattr(kpi, "latest_value", None),
                    "latest_at": getattr(kpi, "latest_at", None),
                    "attainment": None
                    if result.attainment is None
                    else f"{round(result.attainment * 100)} %",
                    "stale": result.stale,
                    "chart": charts.line_chart(
                        series,
                        start=start,
                        end=now,
                        width=320,
                        height=120,
                        target=kpi.target,
                        baseline=kpi.baseline,
                        what=kpi.name,
                        unit=kpi.unit,
                    ),
                }
            )

        items = []
        strip_rows = []
        window_start = today - timedelta(days=120)
        window_end = today + timedelta(days=180)
        for item in sorted(page.items, key=lambda i: (i.target_date or date.max, i.pk)):
            outcome = _outcome(item, today)
            slips = [
                c.previous_date
                for c in item.target_date_changes.all()
                if c.days is not None and c.days > 0 and c.previous_date
            ]
            items.append(
                {
                    "item": item,
                    "url": links.item(item.pk),
                    "outcome": outcome,
                    "outcome_label": OUTCOME_LABELS[outcome],
                    "slips": slips,
                }
            )
            target = item.target_date
            # On the strip: items whose bar (start to target) meets the window.
            in_window = target is not None and (
                window_start <= target <= window_end
                or (
                    item.start_date is not None
                    and item.start_date <= window_end
                    and target >= window_start
                )
            )
            if target is not None and in_window:
                strip_rows.append(
                    charts.StripInput(
                        id=item.pk,
                        title=item.title,
                        target=target,
                        outcome=outcome,
                        start=item.start_date,
                        delivered=item.delivered_on,
                        previous_targets=tuple(slips),
                    )
                )

        planned = sum(t.planned_headcount for t in page.teams)
        current = sum(t.current_headcount for t in page.teams)
        # Bars share one scale: the biggest planned or current headcount.
        scale = max(
            [1]
            + [t.planned_headcount for t in page.teams]
            + [t.current_headcount for t in page.teams]
        )
        teams = [
            {
                "team": t,
                "url": links.team(t.pk),
                "gap": max(t.planned_headcount - t.current_headcount, 0),
                "planned_pct": f"{100 * t.planned_headcount / scale:.1f}",
                "current_pct": f"{100 * t.current_headcount / scale:.1f}",
            }
            for t in page.teams
        ]

        context.update(
            {
                "now": now,
                "today": today,
                "policy": policy,
                "product": product,
                "snapshot": snapshot,
                "score": _score(product.health_score),
                "status": product.health_status,
                "status_label": STATUS_LABELS.get(product.health_status, ""),
                "trend": trend_text,
                "trend_css": trend_css,
                "verdict": explain.verdict(
                    score=product.health_score,
                    status=product.health_status,
                    trend=product.health_trend,
                    weakest=snapshot.weakest if snapshot else "",
                    days=policy.trend_days,
                )
                if not product.is_retired
                else "Retired: this product is no longer scored.",
                "components": explained,
                "component_bars": charts.bars(
                    [
                        (c.name, c.label, c.rounded or 0, _score(c.rounded))
                        for c in explained
                    ]
                ),
                "history_chart": charts.line_chart(
                    page.history,
                    start=start,
                    end=now,
                    y_range=(0, 100),
                    bands=_bands(policy),
                    what="Health score",
                ),
                "history_weekly": page.history[::-7][:12],
                "kpis": kpis,
                "items": items,
                "strip": charts.roadmap_strip(strip_rows, today=today),
                "teams": teams,
                "planned": planned,
                "current": current,
                "positions": [
                    {
                        "position": p,
                        "age": (today - p.opened_on).days if p.opened_on else None,
                    }
                    for p in page.positions
                ],
                "launches": page.launches,
                "insights": page.insights,
                "manages": manages(user, product),
                "admin_url": reverse(
                    "admin:portfolio_product_change", args=[product.pk]
                )
                if kpi_policy.can_admin(user)
                else reverse("product-detail", args=[product.pk]),
            }
        )
        return context


# --- live recompute ---------------------------------------------------------------


def _progress(request: HttpRequest, run: RecomputeRun) -> HttpResponse:
    finished = run.state in (RunState.SUCCESS, RunState.FAILURE)
    return render(
        request,
        "_partials/recompute_progress.html",
        {
            "run": run,
            "finished": finished,
            "state_label": dict(RunState.choices).get(run.state, run.state),
        },
    )


class RecomputeStartView(PageAccessMixin, View):
    """POST: the CPO's "Recompute now"; answers the progress bar (htmx) or redirects."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        if not can_edit_policy(request.user):
            raise PermissionDenied("Only the CPO may recompute.")
        run = health_recompute_request(actor=request.user)
        # Eager in the embedded default: the run may already be done.
        run.refresh_from_db()
        if getattr(request, "htmx", False):
            return _progress(request, run)
        messages.info(request, "Recompute started.")
        return HttpResponseRedirect(reverse("home"))


class RecomputeProgressView(PageAccessMixin, View):
    """GET: the progress bar of one run (htmx polls it until success or failure)."""

    http_method_names = ["get"]

    def get(self, request: HttpRequest, run_id: Any) -> HttpResponse:
        if not can_edit_policy(request.user):
            raise PermissionDenied("Only the CPO may recompute.")
        return _progress(request, selectors.recompute_run_get(run_id=run_id))
