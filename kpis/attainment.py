"""KPI attainment and staleness (SPEC §2): a pure function, shared by the KPI API
and the health engine so that both always give the same figure.

No ORM, no clock: plain values and `now` in, a frozen dataclass out.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

HIGHER_IS_BETTER: Final = "higher_is_better"
LOWER_IS_BETTER: Final = "lower_is_better"
DIRECTIONS: Final[frozenset[str]] = frozenset({HIGHER_IS_BETTER, LOWER_IS_BETTER})

# The length of each cadence in days (SPEC §2).
CADENCE_DAYS: Final[dict[str, int]] = {
    "daily": 1,
    "weekly": 7,
    "monthly": 31,
    "quarterly": 92,
}
# A KPI is stale when its latest measurement is older than this many cadences.
STALE_AFTER_CADENCES: Final = 2


@dataclass(frozen=True, slots=True)
class Attainment:
    """How far a KPI's latest value went from its baseline to its target.

    `attainment` is a fraction from 0 to 1, or None when the KPI has no target;
    `stale` tells that the KPI has no measurement or only an old one (then
    `attainment` is 0 when there is a target).
    """

    attainment: float | None
    stale: bool


_STALE_AFTER: Final[dict[str, timedelta]] = {
    cadence: timedelta(days=STALE_AFTER_CADENCES * days)
    for cadence, days in CADENCE_DAYS.items()
}


def stale_after(cadence: str) -> timedelta:
    """How old the latest measurement of a KPI of this cadence may be."""
    try:
        return _STALE_AFTER[cadence]
    except KeyError:
        raise ValueError(f"Unknown cadence {cadence!r}") from None


def is_stale(*, cadence: str, latest_at: datetime | None, now: datetime) -> bool:
    """Whether a KPI of this cadence, last measured at `latest_at`, is stale."""
    limit = stale_after(cadence)
    return latest_at is None or now - latest_at > limit


def _clamp(value: float) -> float:
    return min(max(value, 0.0), 1.0)


def kpi_attainment(
    *,
    direction: str,
    baseline: float | None,
    target: float | None,
    cadence: str,
    latest_value: float | None,
    latest_at: datetime | None,
    now: datetime,
) -> Attainment:
    """Compute a KPI's attainment and staleness at `now` (SPEC §2).

    Higher is better: clamp((v - b) / (T - b), 0, 1); lower is better:
    clamp((b - v) / (b - T), 0, 1). A stale KPI with a target attains 0. A KPI
    without a target (or without a baseline, which the model forbids with a
    target) has attainment None. `latest_at` and `now` must both be aware.
    """
    if direction not in DIRECTIONS:
        raise ValueError(f"Unknown direction {direction!r}")
    stale = latest_value is None or is_stale(
        cadence=cadence, latest_at=latest_at, now=now
    )
    if target is None or baseline is None:
        return Attainment(attainment=None, stale=stale)
    if stale or latest_value is None:
        return Attainment(attainment=0.0, stale=True)
    if direction == HIGHER_IS_BETTER:
        gained, needed = latest_value - baseline, target - baseline
    else:
        gained, needed = baseline - latest_value, baseline - target
    if needed <= 0:
        # The model keeps the target strictly on the better side of the baseline;
        # should bad data get here, reaching the target counts in full.
        return Attainment(attainment=1.0 if gained >= needed else 0.0, stale=False)
    return Attainment(attainment=_clamp(gained / needed), stale=False)
