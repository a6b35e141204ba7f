"""The attainment formula of SPEC §2, table-driven (pure: no database)."""

from datetime import UTC, datetime, timedelta

import pytest

from kpis.attainment import (
    CADENCE_DAYS,
    Attainment,
    is_stale,
    kpi_attainment,
    stale_after,
)
from kpis.models import Cadence

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
HIGHER, LOWER = "higher_is_better", "lower_is_better"


def fresh(days=0.0):
    return NOW - timedelta(days=days)


CASES = [
    # id, direction, baseline, target, value, age in days, cadence, attainment, stale
    ("higher-halfway", HIGHER, 10.0, 20.0, 15.0, 1, "weekly", 0.5, False),
    ("higher-at-target", HIGHER, 10.0, 20.0, 20.0, 1, "weekly", 1.0, False),
    ("higher-beyond-target-clamped", HIGHER, 10.0, 20.0, 35.0, 1, "weekly", 1.0, False),
    ("higher-at-baseline", HIGHER, 10.0, 20.0, 10.0, 1, "weekly", 0.0, False),
    ("higher-below-baseline-clamped", HIGHER, 10.0, 20.0, 2.0, 1, "weekly", 0.0, False),
    ("higher-negative-range", HIGHER, -10.0, -2.0, -4.0, 0, "daily", 0.75, False),
    ("lower-halfway", LOWER, 400.0, 200.0, 300.0, 1, "weekly", 0.5, False),
    ("lower-at-target", LOWER, 400.0, 200.0, 200.0, 1, "weekly", 1.0, False),
    ("lower-beyond-target-clamped", LOWER, 400.0, 200.0, 50.0, 1, "weekly", 1.0, False),
    ("lower-worse-than-baseline", LOWER, 400.0, 200.0, 500.0, 1, "weekly", 0.0, False),
    ("lower-quarter", LOWER, 5.0, 1.0, 4.0, 1, "monthly", 0.25, False),
    # Staleness: more than twice the cadence (1, 7, 31, 92 days).
    ("daily-2-days-fresh", HIGHER, 0.0, 10.0, 5.0, 2, "daily", 0.5, False),
    ("daily-just-over-2-days-stale", HIGHER, 0.0, 10.0, 5.0, 2.001, "daily", 0.0, True),
    ("weekly-14-days-fresh", HIGHER, 0.0, 10.0, 5.0, 14, "weekly", 0.5, False),
    ("weekly-15-days-stale", HIGHER, 0.0, 10.0, 5.0, 15, "weekly", 0.0, True),
    ("monthly-62-days-fresh", HIGHER, 0.0, 10.0, 5.0, 62, "monthly", 0.5, False),
    ("monthly-63-days-stale", HIGHER, 0.0, 10.0, 5.0, 63, "monthly", 0.0, True),
    ("quarterly-184-fresh", LOWER, 10.0, 0.0, 5.0, 184, "quarterly", 0.5, False),
    ("quarterly-185-stale", LOWER, 10.0, 0.0, 5.0, 185, "quarterly", 0.0, True),
    ("stale-even-at-target", HIGHER, 0.0, 10.0, 10.0, 30, "weekly", 0.0, True),
    ("future-measurement-fresh", HIGHER, 0.0, 10.0, 5.0, -0.5, "daily", 0.5, False),
    # No target: attainment null, staleness still reported.
    ("no-target-fresh", HIGHER, 10.0, None, 15.0, 1, "weekly", None, False),
    ("no-target-stale", HIGHER, None, None, 15.0, 30, "weekly", None, True),
]


@pytest.mark.parametrize(
    ("direction", "baseline", "target", "value", "age", "cadence", "want", "stale"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_attainment_formula(
    direction, baseline, target, value, age, cadence, want, stale
):
    result = kpi_attainment(
        direction=direction,
        baseline=baseline,
        target=target,
        cadence=cadence,
        latest_value=value,
        latest_at=fresh(age),
        now=NOW,
    )

    assert result == Attainment(attainment=want, stale=stale)


@pytest.mark.parametrize("target", [20.0, None])
def test_kpi_without_measurement_is_stale(target):
    result = kpi_attainment(
        direction=HIGHER,
        baseline=10.0,
        target=target,
        cadence="daily",
        latest_value=None,
        latest_at=None,
        now=NOW,
    )

    assert result == Attainment(attainment=0.0 if target else None, stale=True)


def test_result_is_frozen():
    result = Attainment(attainment=0.5, stale=False)

    with pytest.raises(AttributeError):
        result.stale = True  # type: ignore[misc]


@pytest.mark.parametrize(
    ("direction", "value", "want"),
    [(HIGHER, 10.0, 1.0), (HIGHER, 9.0, 0.0), (LOWER, 10.0, 1.0), (LOWER, 11.0, 0.0)],
)
def test_target_equal_to_baseline_counts_reaching_it(direction, value, want):
    # The model forbids it; the pure function still answers instead of dividing by 0.
    result = kpi_attainment(
        direction=direction,
        baseline=10.0,
        target=10.0,
        cadence="daily",
        latest_value=value,
        latest_at=NOW,
        now=NOW,
    )

    assert result.attainment == want


def test_cadence_days_are_those_of_the_spec_and_the_model():
    assert CADENCE_DAYS == {"daily": 1, "weekly": 7, "monthly": 31, "quarterly": 92}
    assert set(CADENCE_DAYS) == set(Cadence.values)
    assert stale_after("monthly") == timedelta(days=62)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: stale_after("yearly"), "Unknown cadence 'yearly'"),
        (
            lambda: kpi_attainment(
                direction="sideways",
                baseline=1.0,
                target=2.0,
                cadence="daily",
                latest_value=1.0,
                latest_at=NOW,
                now=NOW,
            ),
            "Unknown direction 'sideways'",
        ),
    ],
)
def test_unknown_values_are_refused(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_is_stale_boundary_is_exclusive():
    assert not is_stale(cadence="weekly", latest_at=NOW - timedelta(days=14), now=NOW)
    assert is_stale(
        cadence="weekly", latest_at=NOW - timedelta(days=14, seconds=1), now=NOW
    )
