"""The health formula of SPEC §2: a pure function of plain inputs.

No ORM, no clock, no Django: `health.services` gathers the inputs set-wise and
passes `now` / `today`; this module returns frozen dataclasses whose `to_dict()`
is the JSON explanation stored on each snapshot (which KPIs, items and teams
made the score, so the CPO can see *why*).

Arithmetic: floats, with every component score and weighted mean settled to
nine decimals (`_settle`), so binary noise never reaches the half-up rounding:
a single component present gives exactly its own score (its share is 1.0, and
no `s * w / w` drift survives the settling) and a value such as 69.95 reaches
`round_half_up` as "69.95", not 69.9499…. (Exact `fractions.Fraction`
arithmetic gave the same figures at ten times the cost: a third of a
recompute's time at 1,000 products.)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

import orjson

from kpis.attainment import kpi_attainment

KPI: Final = "kpi"
DELIVERY: Final = "delivery"
STAFFING: Final = "staffing"
COMPONENT_NAMES: Final[tuple[str, str, str]] = (KPI, DELIVERY, STAFFING)

HEALTHY: Final = "healthy"
AT_RISK: Final = "at_risk"
CRITICAL: Final = "critical"
UNKNOWN: Final = "unknown"
STATUSES: Final[tuple[str, str, str, str]] = (HEALTHY, AT_RISK, CRITICAL, UNKNOWN)

CANCELLED: Final = "cancelled"

ON_TIME: Final = "on_time"
LATE: Final = "late"
OVERDUE: Final = "overdue"
# Credit per delivery outcome (SPEC §2).
CREDIT: Final[dict[str, float]] = {ON_TIME: 1.0, LATE: 0.5, OVERDUE: 0.0}

# JSON-friendly values (what `to_dict()` returns).
JSONValue = str | int | float | bool | None | list["JSONValue"] | dict[str, "JSONValue"]
JSONDict = dict[str, JSONValue]


def round_half_up(value: float, places: int = 1) -> float:
    """Round `value` half-up to `places` decimals (STACK.md 23).

    Goes through `Decimal(str(value))`, so 69.95 (stored as 69.9499… in binary)
    rounds to 70.0, which `round()` would not do. A negative zero comes back as
    0.0 so that the JSON never says -0.0.
    """
    if not math.isfinite(value):
        raise ValueError(f"Cannot round a non-finite value: {value!r}")
    quantum = Decimal(1).scaleb(-places)
    rounded = Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)
    return float(rounded) + 0.0


def _iso(value: date | datetime | None) -> str | None:
    return None if value is None else value.isoformat()


# Decimals kept of computed (unrounded) scores: far below the one decimal shown,
# far above a float's noise (~1e-14 at 100).
SETTLE_PLACES: Final = 9


def _settle(value: float) -> float:
    """The value to nine decimals: binary noise of the arithmetic removed."""
    return round(value, SETTLE_PLACES) + 0.0


# --- inputs -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Policy:
    """The editable scoring policy (SPEC §2); the defaults are the spec's."""

    kpi_weight: float = 0.5
    delivery_weight: float = 0.3
    staffing_weight: float = 0.2
    healthy: float = 70.0
    at_risk: float = 40.0
    delivery_window_days: int = 180
    trend_days: int = 28

    def weight_for(self, component: str) -> float:
        """Return the policy weight of a component by its name."""
        if component == KPI:
            return self.kpi_weight
        if component == DELIVERY:
            return self.delivery_weight
        if component == STAFFING:
            return self.staffing_weight
        raise KeyError(component)


@dataclass(frozen=True, slots=True)
class KpiInput:
    """One KPI of the product with its latest measurement (if any)."""

    id: int
    key: str
    name: str
    unit: str
    direction: str
    baseline: float | None
    target: float | None
    cadence: str
    weight: float
    is_active: bool
    latest_value: float | None
    latest_at: datetime | None


@dataclass(frozen=True, slots=True)
class ItemInput:
    """One roadmap item of the product (`status` is the item's status)."""

    id: int
    title: str
    status: str
    target_date: date | None
    delivered_on: date | None


@dataclass(frozen=True, slots=True)
class TeamInput:
    """One team of the product with its planned and current headcount."""

    id: int
    name: str
    planned: int
    current: int


@dataclass(frozen=True, slots=True)
class ProductInputs:
    """Everything the formula needs about one (non-retired) product.

    `previous_score` is the score of the product's latest snapshot taken at
    least `policy.trend_days` before `now` (the caller picks it), or None.
    """

    product_id: int
    kpis: tuple[KpiInput, ...] = ()
    items: tuple[ItemInput, ...] = ()
    teams: tuple[TeamInput, ...] = ()
    previous_score: float | None = None


# --- results ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KpiDetail:
    """How one KPI fared; `counted` tells whether it qualifies for the component."""

    id: int
    key: str
    name: str
    unit: str
    value: float | None
    measured_at: datetime | None
    baseline: float | None
    target: float | None
    direction: str
    cadence: str
    weight: float
    attainment: float | None
    stale: bool
    counted: bool
    reason: str

    def to_dict(self) -> JSONDict:
        """Return the detail as JSON-friendly values."""
        return {
            "id": self.id,
            "key": self.key,
            "name": self.name,
            "unit": self.unit,
            "value": self.value,
            "measured_at": _iso(self.measured_at),
            "baseline": self.baseline,
            "target": self.target,
            "direction": self.direction,
            "cadence": self.cadence,
            "weight": self.weight,
            "attainment": self.attainment,
            "stale": self.stale,
            "counted": self.counted,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class ItemDetail:
    """How one roadmap item inside the delivery window fared."""

    id: int
    title: str
    target_date: date
    delivered_on: date | None
    credit: float
    outcome: str

    def to_dict(self) -> JSONDict:
        """Return the detail as JSON-friendly values."""
        return {
            "id": self.id,
            "title": self.title,
            "target_date": _iso(self.target_date),
            "delivered_on": _iso(self.delivered_on),
            "credit": self.credit,
            "outcome": self.outcome,
        }


@dataclass(frozen=True, slots=True)
class TeamDetail:
    """One team's headcount and its gap to plan."""

    id: int
    name: str
    planned: int
    current: int
    gap: int

    def to_dict(self) -> JSONDict:
        """Return the detail as JSON-friendly values."""
        return {
            "id": self.id,
            "name": self.name,
            "planned": self.planned,
            "current": self.current,
            "gap": self.gap,
        }


Detail = KpiDetail | ItemDetail | TeamDetail


@dataclass(frozen=True, slots=True)
class Component:
    """One of the three components: its unrounded 0-100 score and its records.

    `weight` is the policy weight; `effective_weight` the renormalised share it
    actually had in the score (0 when absent, or when no present component has
    a weight above 0).
    """

    name: str
    present: bool
    score: float | None
    weight: float
    effective_weight: float
    details: tuple[Detail, ...] = ()
    # The score rounded half-up to one decimal, for display. A field (set from
    # `score`), so the dataclass itself serialises as `to_dict()` does.
    rounded: float | None = field(init=False)

    def __post_init__(self) -> None:
        rounded = None if self.score is None else round_half_up(self.score)
        object.__setattr__(self, "rounded", rounded)

    def to_dict(self) -> JSONDict:
        """Return the component as JSON-friendly values."""
        return {
            "name": self.name,
            "present": self.present,
            "score": self.score,
            "rounded": self.rounded,
            "weight": self.weight,
            "effective_weight": self.effective_weight,
            "details": [detail.to_dict() for detail in self.details],
        }


@dataclass(frozen=True, slots=True)
class ProductHealth:
    """A product's score, status, trend and the components that made them."""

    product_id: int
    score: float | None
    status: str
    trend: float | None
    components: tuple[Component, ...]
    weakest: str | None
    previous_score: float | None = None

    def component(self, name: str) -> Component:
        """Return the component with this name."""
        for component in self.components:
            if component.name == name:
                return component
        raise KeyError(name)

    def components_json(self) -> bytes:
        """`to_dict()["components"]` as JSON, straight from the dataclasses.

        orjson writes the dataclasses' fields, dates in ISO 8601, as `to_dict`
        does, at a tenth of the cost of `json.dumps(to_dict())` (the hot path of
        a recompute: ~5 KB per product). A test holds the two equal.
        """
        return orjson.dumps(self.components)

    def to_dict(self) -> JSONDict:
        """Return the result as JSON-friendly values (the snapshot explanation)."""
        return {
            "product_id": self.product_id,
            "score": self.score,
            "status": self.status,
            "trend": self.trend,
            "previous_score": self.previous_score,
            "weakest": self.weakest,
            "components": [component.to_dict() for component in self.components],
        }


@dataclass(frozen=True, slots=True)
class PortfolioHealth:
    """The portfolio's score, status, trend and the count of products per status."""

    score: float | None
    status: str
    trend: float | None
    counts: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> JSONDict:
        """Return the result as JSON-friendly values."""
        counts: JSONDict = {status: self.counts.get(status, 0) for status in STATUSES}
        return {
            "score": self.score,
            "status": self.status,
            "trend": self.trend,
            "counts": counts,
        }


# --- the formula ------------------------------------------------------------


def status_for(score: float | None, policy: Policy) -> str:
    """Return the status of a score by the policy's thresholds.

    The score is rounded half-up to one decimal first (the status always comes
    from the rounded score, SPEC §2); rounding a rounded score changes nothing.
    """
    if score is None:
        return UNKNOWN
    rounded = round_half_up(score)
    if rounded >= policy.healthy:
        return HEALTHY
    if rounded >= policy.at_risk:
        return AT_RISK
    return CRITICAL


def _trend(score: float | None, previous: float | None) -> float | None:
    """Return score - previous, rounded half-up to one decimal (None if either is)."""
    if score is None or previous is None:
        return None
    # Subtract the decimal figures, not the binary floats: 70.0 - 69.95 is
    # 0.0499… in binary and would round to 0.0 instead of 0.1.
    difference = Decimal(str(score)) - Decimal(str(previous))
    return float(difference.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)) + 0.0


def _percent(value: float) -> str:
    """A 0-1 fraction as a whole percentage, half-up ("at 70 % of target").

    The hot path of a recompute (one per KPI): for the non-negative values it
    gets, settling to nine decimals then flooring x + 0.5 is the same half-up
    rounding as `round_half_up(100 * value, 0)`, without the Decimal.
    """
    if value < 0:
        return f"{round_half_up(100 * value, 0):.0f} %"
    return f"{math.floor(_settle(100 * value) + 0.5)} %"


def _kpi_detail(kpi: KpiInput, now: datetime) -> tuple[KpiDetail, float | None]:
    """Describe one KPI; return also its weighted attainment if it qualifies."""
    result = kpi_attainment(
        direction=kpi.direction,
        baseline=kpi.baseline,
        target=kpi.target,
        cadence=kpi.cadence,
        latest_value=kpi.latest_value,
        latest_at=kpi.latest_at,
        now=now,
    )
    # Exclusions first, in the order a reader would fix them.
    reason: str | None = None
    if not kpi.is_active:
        reason = "inactive"
    elif kpi.target is None:
        reason = "no target"
    elif not kpi.weight > 0:
        reason = f"weight {kpi.weight:g}"
    elif kpi.baseline is None:
        # The model forbids a target without a baseline; should bad data get
        # here, the attainment cannot be computed, so the KPI does not count.
        reason = "no baseline"
    counted = reason is None
    if reason is None:
        if result.stale:
            if kpi.latest_at is None or kpi.latest_value is None:
                reason = "stale: no measurement"
            else:
                reason = f"stale: last measured {kpi.latest_at.date().isoformat()}"
        else:
            reason = f"at {_percent(result.attainment or 0.0)} of target"
    detail = KpiDetail(
        id=kpi.id,
        key=kpi.key,
        name=kpi.name,
        unit=kpi.unit,
        value=kpi.latest_value,
        measured_at=kpi.latest_at,
        baseline=kpi.baseline,
        target=kpi.target,
        direction=kpi.direction,
        cadence=kpi.cadence,
        weight=kpi.weight,
        attainment=result.attainment,
        stale=result.stale,
        counted=counted,
        reason=reason,
    )
    if not counted:
        return detail, None
    # A stale KPI with a target attains 0 (kpi_attainment already says so).
    return detail, result.attainment or 0.0


def _kpi_component(
    kpis: Sequence[KpiInput], policy: Policy, now: datetime
) -> tuple[float | None, tuple[Detail, ...]]:
    details: list[Detail] = []
    weighted: list[float] = []
    weights: list[float] = []
    for kpi in kpis:
        detail, attainment = _kpi_detail(kpi, now)
        details.append(detail)
        if attainment is not None:
            weighted.append(kpi.weight * attainment)
            weights.append(kpi.weight)
    total = math.fsum(weights)
    if total == 0:
        return None, tuple(details)
    return _settle(100 * math.fsum(weighted) / total), tuple(details)


def _delivery_component(
    items: Sequence[ItemInput], policy: Policy, today: date
) -> tuple[float | None, tuple[Detail, ...]]:
    first = today - timedelta(days=policy.delivery_window_days)
    last = today - timedelta(days=1)
    details: list[Detail] = []
    for item in items:
        if item.status == CANCELLED or item.target_date is None:
            continue
        if not first <= item.target_date <= last:
            continue
        # A delivery dated after `today` has not happened yet as of `today`
        # (a backfilled, historical score must not know the future).
        delivered = item.delivered_on is not None and item.delivered_on <= today
        if not delivered:
            outcome = OVERDUE
        elif item.delivered_on is not None and item.delivered_on <= item.target_date:
            outcome = ON_TIME
        else:
            outcome = LATE
        details.append(
            ItemDetail(
                id=item.id,
                title=item.title,
                target_date=item.target_date,
                delivered_on=item.delivered_on if delivered else None,
                credit=CREDIT[outcome],
                outcome=outcome,
            )
        )
    if not details:
        return None, ()
    credit = math.fsum(d.credit for d in details if isinstance(d, ItemDetail))
    return _settle(100 * credit / len(details)), tuple(details)


def _staffing_component(
    teams: Sequence[TeamInput],
) -> tuple[float | None, tuple[Detail, ...]]:
    details: tuple[Detail, ...] = tuple(
        TeamDetail(
            id=team.id,
            name=team.name,
            planned=team.planned,
            current=team.current,
            gap=max(team.planned - team.current, 0),
        )
        for team in teams
    )
    # The sums, per spec: a team over plan fills another's gap, up to the plan.
    planned = sum(team.planned for team in teams)
    current = sum(team.current for team in teams)
    if planned <= 0:
        return None, details
    return _settle(100 * min(current, planned) / planned), details


def score_product(
    inputs: ProductInputs, *, policy: Policy, now: datetime, today: date
) -> ProductHealth:
    """Score one product at `now` / `today` by the policy (SPEC §2).

    `now` must be aware; `today` is the date in the configured time zone.
    """
    raw: dict[str, tuple[float | None, tuple[Detail, ...]]] = {
        KPI: _kpi_component(inputs.kpis, policy, now),
        DELIVERY: _delivery_component(inputs.items, policy, today),
        STAFFING: _staffing_component(inputs.teams),
    }
    # Renormalise the policy weights over the present components. A present
    # component whose weight is 0 contributes nothing; if every present one has
    # weight 0 there is nothing to average, so the score is None ("unknown")
    # rather than an arbitrary 0 or an unweighted mean the policy did not ask for.
    # (The policy API requires one weight above 0, but it may be a component
    # the product lacks.)
    weights = {
        name: max(policy.weight_for(name), 0.0)
        for name, (value, _) in raw.items()
        if value is not None
    }
    total = math.fsum(weights.values())

    components: list[Component] = []
    parts: list[float] = []
    for name in COMPONENT_NAMES:
        value, details = raw[name]
        share = weights[name] / total if value is not None and total > 0 else 0.0
        if value is not None:
            parts.append(share * value)
        components.append(
            Component(
                name=name,
                present=value is not None,
                score=value,
                weight=policy.weight_for(name),
                effective_weight=share,
                details=details,
            )
        )

    score = round_half_up(_settle(math.fsum(parts))) if total > 0 else None
    # The weakest is among the components that count in the score; ties go to
    # the first in the order kpi, delivery, staffing (min() keeps the first).
    counting = [c for c in components if c.score is not None and c.effective_weight > 0]
    weakest = min(counting, key=lambda c: c.score or 0.0).name if counting else None
    return ProductHealth(
        product_id=inputs.product_id,
        score=score,
        status=status_for(score, policy),
        trend=_trend(score, inputs.previous_score),
        components=tuple(components),
        weakest=weakest,
        previous_score=inputs.previous_score,
    )


def score_portfolio(
    products: Sequence[tuple[float | None, int]],
    *,
    policy: Policy,
    previous_score: float | None,
) -> PortfolioHealth:
    """Score the portfolio from (score, strategic_importance) per non-retired product.

    The mean of the non-null scores weighted by importance; products without a
    score count only as "unknown". Importances not above 0 (the model keeps them
    1 to 5) weigh nothing; with no weight at all the score is None.
    """
    weighted: list[float] = []
    total = 0
    counts = dict.fromkeys(STATUSES, 0)
    for product_score, importance in products:
        counts[status_for(product_score, policy)] += 1
        if product_score is not None and importance > 0:
            weighted.append(product_score * importance)
            total += importance
    score = round_half_up(_settle(math.fsum(weighted) / total)) if total > 0 else None
    return PortfolioHealth(
        score=score,
        status=status_for(score, policy),
        trend=_trend(score, previous_score),
        counts=counts,
    )
