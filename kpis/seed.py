"""Demo KPIs: 4 to 8 per live product, with about 180 days of believable series.

Some products meet their targets, some miss them, one KPI is stale (its feed
stopped 40 days ago). KPIs are created through the services; the series go in
through the bulk ingestion service (set-based), in batches of 10,000 rows.

Idempotent: a KPI is looked up by (product, key) first, and a series is written
only for a KPI that has no measurements yet, so running the seed again (even on
another day) adds nothing.
"""

import random
from datetime import datetime, time, timedelta
from typing import Any

from django.utils import timezone

from . import services
from .attainment import CADENCE_DAYS
from .ingest import MAX_BULK_ROWS
from .models import Kpi, Measurement

HISTORY_DAYS = 180
HIB, LIB = "higher_is_better", "lower_is_better"

# key, name, category, unit, direction, baseline, target, cadence, weight
CATALOGUE: list[tuple[Any, ...]] = [
    ("conversion-rate", "Conversion rate", "business", "%", HIB, 2.0, 3.5, "daily", 2),
    ("net-revenue", "Net revenue", "business", "kEUR", HIB, 400, 600, "monthly", 3),
    ("churn-rate", "Monthly churn", "business", "%", LIB, 3.0, 1.8, "monthly", 2),
    ("nps", "Net promoter score", "customer", "pts", HIB, 20, 45, "monthly", 2),
    ("csat", "Support satisfaction", "customer", "%", HIB, 82, 92, "weekly", 1),
    (
        "tickets-per-100",
        "Support tickets per 100 merchants",
        "customer",
        "",
        LIB,
        9,
        5,
        "weekly",
        0,
    ),
    (
        "weekly-active",
        "Weekly active merchants",
        "adoption",
        "",
        HIB,
        1200,
        2000,
        "weekly",
        2,
    ),
    ("activation-rate", "Activation rate", "adoption", "%", HIB, 35, 55, "weekly", 1),
    ("page-views", "Page views", "adoption", "k", HIB, 150, None, "daily", 1),
    (
        "lead-time",
        "Lead time to production",
        "delivery",
        "days",
        LIB,
        12,
        5,
        "weekly",
        1,
    ),
    ("deploys", "Deploys per week", "delivery", "", HIB, 4, 10, "weekly", 0.5),
    ("p95-latency", "p95 latency", "quality", "ms", LIB, 450, 250, "daily", 1),
    ("error-rate", "Error rate", "quality", "%", LIB, 1.2, 0.4, "daily", 1),
    ("uptime", "Uptime", "quality", "%", HIB, 99.5, 99.95, "quarterly", 1),
]
BY_KEY = {row[0]: row for row in CATALOGUE}

# How each demo product fares: progress from baseline (0) to target (1) at the
# start and at the end of the history.
PROFILES = {
    "meeting": (0.2, 1.15),
    "improving": (0.05, 0.7),
    "missing": (0.15, -0.1),
}
FATES = {
    "Checkout": "meeting",
    "Payouts": "meeting",
    "Recurring Billing": "improving",
    "Fraud Shield": "missing",
    "Storefront": "meeting",
    "Order Hub": "improving",
    "Catalog Sync": "missing",
    "B2B Portal": "improving",
    "Demand Forecast": "missing",
    "Merchant Copilot": "improving",
    "Revenue Analytics": "meeting",
}
# The one KPI whose feed stopped: (product, key, days since its last value).
STALE = ("Order Hub", "csat", 40)


def _choose(rng: random.Random, product_name: str) -> list[tuple[Any, ...]]:
    """4 to 8 KPIs across categories, with both directions."""
    count = rng.randint(4, 8)
    keys = rng.sample(sorted(BY_KEY), k=count)
    if not any(BY_KEY[k][4] == LIB for k in keys):
        keys[-1] = "p95-latency"
    if not any(BY_KEY[k][4] == HIB for k in keys):
        keys[-1] = "conversion-rate"
    if product_name == STALE[0] and STALE[1] not in keys:
        keys[0] = STALE[1]
    return [BY_KEY[k] for k in dict.fromkeys(keys)]


def _rounded(value: float, scale: float) -> float:
    digits = 0 if scale >= 100 else 1 if scale >= 10 else 2 if scale >= 1 else 3
    return round(value, digits)


def _series(
    rng: random.Random, kpi: Kpi, fate: str, *, end: datetime, stop_days: int
) -> list[dict[str, Any]]:
    """The KPI's values over HISTORY_DAYS, one per cadence, trending by fate."""
    step = CADENCE_DAYS[kpi.cadence]
    start_progress, end_progress = PROFILES[fate]
    baseline = float(kpi.baseline if kpi.baseline is not None else 100.0)
    span = (kpi.target - baseline) if kpi.target is not None else baseline * 0.3
    scale = max(abs(baseline), abs(span))
    rows = []
    for days_ago in range(HISTORY_DAYS, stop_days - 1, -step):
        progress = start_progress + (end_progress - start_progress) * (
            1 - days_ago / HISTORY_DAYS
        )
        noise = rng.gauss(0, 0.06) * abs(span)
        value = baseline + span * progress + noise
        if kpi.unit == "%" and kpi.key == "uptime":
            value = min(value, 100.0)
        moment = end - timedelta(days=days_ago)
        rows.append(
            {
                "kpi": kpi.pk,
                "measured_at": moment.isoformat(),
                "value": _rounded(value, scale),
            }
        )
    return rows


def seed_demo(ctx: dict[str, Any]) -> None:
    """Define the demo KPIs once and load their series in bulk."""
    products = [p for p in ctx.get("products", []) if not p.is_retired]
    objectives = ctx.get("objectives", [])
    today = timezone.localdate()
    end = datetime.combine(today, time(6, 0), tzinfo=timezone.get_current_timezone())
    kpis: list[Kpi] = []
    rows: list[dict[str, Any]] = []
    for product in products:
        # One generator per product: the same choices on every run.
        rng = random.Random(f"kpis:{product.name}")
        fate = FATES.get(product.name, "improving")
        for spec in _choose(rng, product.name):
            key, name, category, unit, direction, baseline, target, cadence, weight = (
                spec
            )
            kpi = Kpi.objects.filter(product=product, key=key).first()
            if kpi is None:
                aligned = product.objectives.first() if objectives else None
                kpi = services.kpi_create(
                    actor=None,
                    product=product,
                    key=key,
                    name=name,
                    category=category,
                    unit=unit,
                    direction=direction,
                    baseline=float(baseline),
                    target=None if target is None else float(target),
                    cadence=cadence,
                    weight=float(weight),
                    objective=aligned if category == "business" else None,
                )
            kpis.append(kpi)
            stop = STALE[2] if (product.name, key) == STALE[:2] else 0
            series = _series(rng, kpi, fate, end=end, stop_days=stop)
            if not Measurement.objects.filter(kpi=kpi).exists():
                rows.extend(series)
    for start in range(0, len(rows), MAX_BULK_ROWS):
        result = services.measurements_ingest(
            actor=None, rows=rows[start : start + MAX_BULK_ROWS]
        )
        if not result.ok:  # a bug in the generator above, not bad input
            raise RuntimeError(f"Demo series refused: {result.errors[:3]}")
    ctx["kpis"] = kpis
