"""The health formula of SPEC §2, table-driven (pure: no database, no clock)."""

import dataclasses
import json
import math
from datetime import UTC, date, datetime, timedelta

import pytest

from health.scoring import (
    Component,
    ItemDetail,
    ItemInput,
    KpiDetail,
    KpiInput,
    Policy,
    PortfolioHealth,
    ProductHealth,
    ProductInputs,
    TeamDetail,
    TeamInput,
    round_half_up,
    score_portfolio,
    score_product,
    status_for,
)
from kpis.attainment import CADENCE_DAYS

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
TODAY = date(2027, 3, 1)
POLICY = Policy()
HIGHER, LOWER = "higher_is_better", "lower_is_better"


def kpi(**overrides):
    values = {
        "id": 1,
        "key": "activation",
        "name": "Activation",
        "unit": "%",
        "direction": HIGHER,
        "baseline": 0.0,
        "target": 100.0,
        "cadence": "weekly",
        "weight": 1.0,
        "is_active": True,
        "latest_value": 50.0,
        "latest_at": NOW - timedelta(days=1),
    }
    return KpiInput(**(values | overrides))


def item(days_ago=10, delivered_days_ago=None, **overrides):
    """An item whose target date is `days_ago` days before TODAY."""
    values = {
        "id": 1,
        "title": "Item",
        "status": "done" if delivered_days_ago is not None else "in_progress",
        "target_date": TODAY - timedelta(days=days_ago),
        "delivered_on": None
        if delivered_days_ago is None
        else TODAY - timedelta(days=delivered_days_ago),
    }
    return ItemInput(**(values | overrides))


def team(planned, current, id=1):
    return TeamInput(id=id, name=f"Team {id}", planned=planned, current=current)


def staffed(percent_times_100):
    """Teams whose staffing component is exactly `percent_times_100` / 100."""
    return (team(10000, percent_times_100),)


def score(policy=POLICY, **inputs):
    return score_product(
        ProductInputs(product_id=7, **inputs), policy=policy, now=NOW, today=TODAY
    )


def component(health, name):
    return health.component(name)


# --- round_half_up -----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        (69.95, 1, 70.0),  # 69.9499… in binary; round() would give 69.9
        (69.94, 1, 69.9),
        (39.95, 1, 40.0),
        (0.05, 1, 0.1),
        (0.25, 1, 0.3),  # round() would give 0.2 (banker's)
        (2.675, 2, 2.68),  # round() would give 2.67
        (62.5, 0, 63.0),
        (70.0, 1, 70.0),
        (-1.25, 1, -1.3),  # half-up is away from zero
        (100.0, 1, 100.0),
    ],
)
def test_round_half_up(value, places, expected):
    assert round_half_up(value, places) == expected


def test_round_half_up_never_gives_negative_zero():
    result = round_half_up(-0.04)
    assert result == 0.0
    assert math.copysign(1.0, result) == 1.0


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_round_half_up_rejects_non_finite(value):
    with pytest.raises(ValueError, match="non-finite"):
        round_half_up(value)


# --- status_for --------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "unknown"),
        (100.0, "healthy"),
        (70.0, "healthy"),
        (69.95, "healthy"),  # rounds to 70.0
        (69.94, "at_risk"),  # rounds to 69.9
        (69.9, "at_risk"),
        (40.0, "at_risk"),
        (39.95, "at_risk"),  # rounds to 40.0
        (39.94, "critical"),
        (0.0, "critical"),
    ],
)
def test_status_for_default_thresholds(value, expected):
    assert status_for(value, POLICY) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(80.0, "healthy"), (79.9, "at_risk"), (50.0, "at_risk"), (49.9, "critical")],
)
def test_status_for_custom_thresholds(value, expected):
    assert status_for(value, Policy(healthy=80.0, at_risk=50.0)) == expected


# --- KPI component -----------------------------------------------------------


@pytest.mark.parametrize(
    ("direction", "baseline", "target", "value", "expected"),
    [
        (HIGHER, 0.0, 100.0, 50.0, 50.0),
        (HIGHER, 10.0, 20.0, 20.0, 100.0),
        (HIGHER, 10.0, 20.0, 35.0, 100.0),  # above target: clamped to 1
        (HIGHER, 10.0, 20.0, 10.0, 0.0),
        (HIGHER, 10.0, 20.0, 2.0, 0.0),  # below baseline: clamped to 0
        (LOWER, 400.0, 200.0, 300.0, 50.0),
        (LOWER, 400.0, 200.0, 200.0, 100.0),
        (LOWER, 400.0, 200.0, 50.0, 100.0),  # better than target: clamped to 1
        (LOWER, 400.0, 200.0, 500.0, 0.0),  # worse than baseline: clamped to 0
        (LOWER, 5.0, 1.0, 4.0, 25.0),
    ],
    ids=[
        "higher-half",
        "higher-at-target",
        "higher-above-target-clamped",
        "higher-at-baseline",
        "higher-below-baseline-clamped",
        "lower-half",
        "lower-at-target",
        "lower-beyond-target-clamped",
        "lower-worse-than-baseline-clamped",
        "lower-quarter",
    ],
)
def test_kpi_component_is_the_clamped_attainment(
    direction, baseline, target, value, expected
):
    health = score(
        kpis=(
            kpi(
                direction=direction,
                baseline=baseline,
                target=target,
                latest_value=value,
            ),
        )
    )
    kpis = component(health, "kpi")
    assert kpis.present is True
    assert kpis.score == pytest.approx(expected)
    assert kpis.details[0].attainment == pytest.approx(expected / 100)
    assert kpis.details[0].counted is True
    assert kpis.details[0].stale is False


@pytest.mark.parametrize("cadence", sorted(CADENCE_DAYS))
def test_kpi_exactly_twice_the_cadence_old_is_not_stale(cadence):
    at = NOW - timedelta(days=2 * CADENCE_DAYS[cadence])
    detail = component(score(kpis=(kpi(cadence=cadence, latest_at=at),)), "kpi")
    assert detail.score == 50.0
    assert detail.details[0].stale is False
    assert detail.details[0].reason == "at 50 % of target"


@pytest.mark.parametrize("cadence", sorted(CADENCE_DAYS))
def test_kpi_one_second_over_twice_the_cadence_is_stale_and_attains_0(cadence):
    at = NOW - timedelta(days=2 * CADENCE_DAYS[cadence], seconds=1)
    kpis = component(score(kpis=(kpi(cadence=cadence, latest_at=at),)), "kpi")
    assert kpis.present is True
    assert kpis.score == 0.0
    assert kpis.details[0].stale is True
    assert kpis.details[0].attainment == 0.0
    assert kpis.details[0].counted is True
    assert kpis.details[0].reason == f"stale: last measured {at.date().isoformat()}"


def test_kpi_without_measurement_is_stale_and_counts_0():
    kpis = component(score(kpis=(kpi(latest_value=None, latest_at=None),)), "kpi")
    assert kpis.present is True
    assert kpis.score == 0.0
    detail = kpis.details[0]
    assert (detail.stale, detail.attainment, detail.counted) == (True, 0.0, True)
    assert detail.reason == "stale: no measurement"


def test_kpi_component_is_the_weighted_mean_of_attainments():
    kpis = (
        kpi(id=1, weight=3.0, latest_value=100.0),
        kpi(id=2, weight=1.0, latest_value=0.0),
    )
    assert component(score(kpis=kpis), "kpi").score == 75.0


def test_stale_kpi_drags_the_kpi_component_down():
    kpis = (
        kpi(id=1, latest_value=100.0),
        kpi(id=2, latest_value=100.0, latest_at=NOW - timedelta(days=30)),
    )
    assert component(score(kpis=kpis), "kpi").score == 50.0


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"is_active": False}, "inactive"),
        ({"target": None}, "no target"),
        ({"weight": 0.0}, "weight 0"),
        ({"weight": -1.0}, "weight -1"),
        ({"baseline": None}, "no baseline"),
        ({"is_active": False, "target": None}, "inactive"),
    ],
    ids=[
        "inactive",
        "no-target",
        "weight-0",
        "negative-weight",
        "no-baseline",
        "first-reason",
    ],
)
def test_kpi_not_qualifying_is_listed_with_its_reason_but_not_counted(
    overrides, reason
):
    kpis = component(score(kpis=(kpi(**overrides),)), "kpi")
    assert kpis.present is False
    assert kpis.score is None
    assert len(kpis.details) == 1
    assert kpis.details[0].counted is False
    assert kpis.details[0].reason == reason


def test_kpi_not_qualifying_does_not_dilute_the_component():
    kpis = (
        kpi(id=1, latest_value=40.0),
        kpi(id=2, latest_value=100.0, is_active=False),
        kpi(id=3, latest_value=100.0, target=None),
        kpi(id=4, latest_value=100.0, weight=0.0),
    )
    result = component(score(kpis=kpis), "kpi")
    assert result.score == 40.0
    assert [d.id for d in result.details] == [1, 2, 3, 4]
    assert [d.counted for d in result.details] == [True, False, False, False]


def test_kpi_reason_gives_the_attainment_in_whole_percent():
    detail = component(score(kpis=(kpi(latest_value=62.5),)), "kpi").details[0]
    assert detail.reason == "at 63 % of target"  # half-up


def test_kpi_detail_carries_the_kpi_and_its_latest_measurement():
    detail = component(score(kpis=(kpi(),)), "kpi").details[0]
    assert detail == KpiDetail(
        id=1,
        key="activation",
        name="Activation",
        unit="%",
        value=50.0,
        measured_at=NOW - timedelta(days=1),
        baseline=0.0,
        target=100.0,
        direction=HIGHER,
        cadence="weekly",
        weight=1.0,
        attainment=0.5,
        stale=False,
        counted=True,
        reason="at 50 % of target",
    )


def test_kpi_component_absent_without_kpis():
    kpis = component(score(), "kpi")
    assert (kpis.present, kpis.score, kpis.details) == (False, None, ())


def test_kpi_with_unknown_cadence_is_an_error():
    with pytest.raises(ValueError, match="cadence"):
        score(kpis=(kpi(cadence="hourly"),))


# --- delivery component ------------------------------------------------------


@pytest.mark.parametrize(
    ("days_ago", "in_window"),
    [
        (181, False),
        (180, True),  # today - 180: first day included
        (90, True),
        (1, True),  # yesterday: last day included
        (0, False),  # today: not yet due
        (-5, False),  # future
    ],
)
def test_delivery_window_edges(days_ago, in_window):
    delivery = component(score(items=(item(days_ago=days_ago),)), "delivery")
    assert delivery.present is in_window
    assert len(delivery.details) == (1 if in_window else 0)


@pytest.mark.parametrize(
    ("days_ago", "in_window"), [(31, False), (30, True), (1, True), (0, False)]
)
def test_delivery_window_follows_the_policy(days_ago, in_window):
    policy = Policy(delivery_window_days=30)
    health = score(policy, items=(item(days_ago=days_ago),))
    assert component(health, "delivery").present is in_window


@pytest.mark.parametrize(
    ("delivered_days_ago", "outcome", "credit"),
    [
        (20, "on_time", 1.0),  # before the target date
        (10, "on_time", 1.0),  # on the target date
        (5, "late", 0.5),  # after the target date
        (0, "late", 0.5),  # delivered today, late
        (None, "overdue", 0.0),
    ],
)
def test_delivery_credit_per_outcome(delivered_days_ago, outcome, credit):
    delivery = component(
        score(items=(item(days_ago=10, delivered_days_ago=delivered_days_ago),)),
        "delivery",
    )
    assert delivery.details[0].outcome == outcome
    assert delivery.details[0].credit == credit
    assert delivery.score == 100 * credit


def test_delivery_after_today_counts_as_not_yet_delivered():
    # A backfilled score for a past `today` must not see later deliveries.
    delivery = component(
        score(items=(item(days_ago=10, delivered_days_ago=-2),)), "delivery"
    )
    assert delivery.details[0].outcome == "overdue"
    assert delivery.details[0].delivered_on is None
    assert delivery.score == 0.0


@pytest.mark.parametrize("delivered_days_ago", [None, 20])
def test_cancelled_items_are_excluded(delivered_days_ago):
    items = (
        item(id=1, delivered_days_ago=20),
        item(id=2, status="cancelled", delivered_days_ago=delivered_days_ago),
    )
    delivery = component(score(items=items), "delivery")
    assert [d.id for d in delivery.details] == [1]
    assert delivery.score == 100.0


def test_items_without_target_date_are_excluded():
    delivery = component(score(items=(item(target_date=None),)), "delivery")
    assert (delivery.present, delivery.details) == (False, ())


def test_delivery_component_is_the_mean_credit():
    items = (
        item(id=1, delivered_days_ago=20),  # 1
        item(id=2, delivered_days_ago=5),  # 0.5
        item(id=3),  # 0
        item(id=4),  # 0
        item(id=5, days_ago=0),  # not in the window
    )
    delivery = component(score(items=items), "delivery")
    assert delivery.score == 37.5
    assert [d.id for d in delivery.details] == [1, 2, 3, 4]


def test_delivery_component_absent_without_items_in_window():
    delivery = component(
        score(items=(item(days_ago=200), item(id=2, days_ago=0))), "delivery"
    )
    assert (delivery.present, delivery.score, delivery.details) == (False, None, ())


def test_item_detail_carries_the_item():
    detail = component(
        score(items=(item(days_ago=10, delivered_days_ago=5),)), "delivery"
    )
    assert detail.details == (
        ItemDetail(
            id=1,
            title="Item",
            target_date=date(2027, 2, 19),
            delivered_on=date(2027, 2, 24),
            credit=0.5,
            outcome="late",
        ),
    )


# --- staffing component ------------------------------------------------------


@pytest.mark.parametrize(
    ("teams", "expected"),
    [
        (((5, 5),), 100.0),
        (((4, 2),), 50.0),
        (((4, 0),), 0.0),
        (((4, 6),), 100.0),  # over plan: capped
        (((4, 6), (4, 0)), 75.0),  # the sums: 6 of 8
        (((3, 1), (1, 1), (0, 2)), 100.0),  # 4 of 4 by the sums
    ],
    ids=["full", "half", "empty", "over-plan-capped", "sums", "unplanned-team-fills"],
)
def test_staffing_component_is_current_over_planned_capped(teams, expected):
    teams = tuple(team(p, c, id=i) for i, (p, c) in enumerate(teams, start=1))
    staffing = component(score(teams=teams), "staffing")
    assert staffing.present is True
    assert staffing.score == expected


@pytest.mark.parametrize("teams", [(), ((0, 0),), ((0, 3), (0, 1))])
def test_staffing_component_absent_when_nothing_planned(teams):
    teams = tuple(team(p, c, id=i) for i, (p, c) in enumerate(teams, start=1))
    staffing = component(score(teams=teams), "staffing")
    assert (staffing.present, staffing.score) == (False, None)
    assert len(staffing.details) == len(teams)


def test_team_details_give_the_gap_never_negative():
    staffing = component(score(teams=(team(4, 1, id=1), team(2, 5, id=2))), "staffing")
    assert staffing.details == (
        TeamDetail(id=1, name="Team 1", planned=4, current=1, gap=3),
        TeamDetail(id=2, name="Team 2", planned=2, current=5, gap=0),
    )


# --- the score ---------------------------------------------------------------

FULL_KPI = (kpi(latest_value=100.0),)  # component 100
ZERO_ITEMS = (item(),)  # component 0 (overdue)
HALF_TEAM = (team(4, 2),)  # component 50


@pytest.mark.parametrize(
    ("inputs", "expected", "effective"),
    [
        ({"kpis": FULL_KPI}, 100.0, (1.0, 0.0, 0.0)),
        ({"items": ZERO_ITEMS}, 0.0, (0.0, 1.0, 0.0)),
        ({"teams": HALF_TEAM}, 50.0, (0.0, 0.0, 1.0)),
        ({"kpis": FULL_KPI, "items": ZERO_ITEMS}, 62.5, (0.625, 0.375, 0.0)),
        ({"kpis": FULL_KPI, "teams": HALF_TEAM}, 85.7, (5 / 7, 0.0, 2 / 7)),
        ({"items": ZERO_ITEMS, "teams": HALF_TEAM}, 20.0, (0.0, 0.6, 0.4)),
        (
            {"kpis": FULL_KPI, "items": ZERO_ITEMS, "teams": HALF_TEAM},
            60.0,
            (0.5, 0.3, 0.2),
        ),
    ],
    ids=[
        "kpi",
        "delivery",
        "staffing",
        "kpi+delivery",
        "kpi+staffing",
        "delivery+staffing",
        "all",
    ],
)
def test_score_renormalises_weights_over_present_components(
    inputs, expected, effective
):
    health = score(**inputs)
    assert health.score == expected
    assert [c.effective_weight for c in health.components] == pytest.approx(effective)
    assert [c.weight for c in health.components] == [0.5, 0.3, 0.2]


def test_single_component_score_is_exactly_its_own_rounded_score():
    # 69.95 * 0.2 / 0.2 in floats is 69.9499…; the exact mean keeps 69.95.
    health = score(teams=staffed(6995))
    assert health.score == 70.0


@pytest.mark.parametrize(
    ("staffing", "expected_score", "expected_status"),
    [
        (7000, 70.0, "healthy"),
        (6995, 70.0, "healthy"),  # 69.95 rounds up across the threshold
        (6994, 69.9, "at_risk"),
        (4000, 40.0, "at_risk"),
        (3995, 40.0, "at_risk"),
        (3994, 39.9, "critical"),
        (0, 0.0, "critical"),
    ],
)
def test_status_comes_from_the_rounded_score(staffing, expected_score, expected_status):
    health = score(teams=staffed(staffing))
    assert health.score == expected_score
    assert health.status == expected_status


def test_score_is_rounded_half_up_to_one_decimal():
    health = score(teams=(team(3, 2),))  # 66.666…
    assert component(health, "staffing").score == pytest.approx(200 / 3)
    assert component(health, "staffing").rounded == 66.7
    assert health.score == 66.7


@pytest.mark.parametrize(
    ("staffing", "expected"), [(8000, "healthy"), (7994, "at_risk"), (4994, "critical")]
)
def test_status_uses_the_policy_thresholds(staffing, expected):
    policy = Policy(healthy=80.0, at_risk=50.0)
    assert score(policy, teams=staffed(staffing)).status == expected


def test_custom_weights_are_renormalised():
    policy = Policy(kpi_weight=3.0, delivery_weight=1.0, staffing_weight=0.0)
    health = score(policy, kpis=FULL_KPI, items=ZERO_ITEMS)
    assert health.score == 75.0
    assert [c.effective_weight for c in health.components] == [0.75, 0.25, 0.0]


def test_present_component_with_weight_0_contributes_nothing():
    policy = Policy(kpi_weight=1.0, delivery_weight=0.0, staffing_weight=0.0)
    health = score(policy, kpis=FULL_KPI, teams=HALF_TEAM)
    staffing = component(health, "staffing")
    assert health.score == 100.0
    assert (staffing.present, staffing.score, staffing.effective_weight) == (
        True,
        50.0,
        0.0,
    )
    assert health.weakest == "kpi"


def test_negative_policy_weight_counts_as_0():
    policy = Policy(kpi_weight=1.0, delivery_weight=0.0, staffing_weight=-1.0)
    health = score(policy, kpis=FULL_KPI, teams=HALF_TEAM)
    assert health.score == 100.0
    assert component(health, "staffing").effective_weight == 0.0


def test_all_present_components_with_weight_0_give_no_score():
    policy = Policy(kpi_weight=1.0, delivery_weight=0.0, staffing_weight=0.0)
    health = score(policy, teams=HALF_TEAM)
    assert (health.score, health.status, health.weakest) == (None, "unknown", None)
    assert component(health, "staffing").present is True


def test_no_component_present_gives_no_score():
    health = score(previous_score=55.0)
    assert (health.score, health.status, health.trend, health.weakest) == (
        None,
        "unknown",
        None,
        None,
    )
    assert [(c.name, c.present, c.effective_weight) for c in health.components] == [
        ("kpi", False, 0.0),
        ("delivery", False, 0.0),
        ("staffing", False, 0.0),
    ]


def test_components_always_come_in_order_kpi_delivery_staffing():
    health = score(teams=HALF_TEAM, items=ZERO_ITEMS)
    assert [c.name for c in health.components] == ["kpi", "delivery", "staffing"]


@pytest.mark.parametrize(
    ("inputs", "weakest"),
    [
        ({"kpis": FULL_KPI, "items": ZERO_ITEMS, "teams": HALF_TEAM}, "delivery"),
        ({"kpis": FULL_KPI, "teams": HALF_TEAM}, "staffing"),
        ({"kpis": (kpi(latest_value=50.0),), "teams": HALF_TEAM}, "kpi"),  # tie: first
        ({"items": ZERO_ITEMS, "teams": (team(4, 0),)}, "delivery"),  # tie: first
        ({"teams": HALF_TEAM}, "staffing"),
    ],
    ids=["lowest", "absent-ignored", "tie-kpi-first", "tie-delivery-first", "single"],
)
def test_weakest_is_the_present_component_with_the_lowest_score(inputs, weakest):
    assert score(**inputs).weakest == weakest


# --- trend -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("staffing", "previous", "expected"),
    [
        (7000, 65.1, 4.9),
        (7000, 69.95, 0.1),  # decimal difference 0.05, half-up
        (6000, 65.25, -5.3),  # half-up is away from zero
        (7000, 70.0, 0.0),
        (7000, None, None),
    ],
)
def test_trend_is_the_rounded_score_minus_the_previous(staffing, previous, expected):
    health = score(teams=staffed(staffing), previous_score=previous)
    assert health.trend == expected
    assert health.previous_score == previous


def test_trend_is_never_negative_zero():
    trend = score(teams=staffed(7000), previous_score=70.0).trend
    assert trend is not None
    assert math.copysign(1.0, trend) == 1.0


def test_trend_uses_the_rounded_score():
    # The score 69.95 rounds to 70.0: 70.0 - 68.05 = 1.95 → 2.0, whereas the
    # unrounded 69.95 - 68.05 would give 1.9.
    health = score(teams=staffed(6995), previous_score=68.05)
    assert health.trend == 2.0


def test_trend_none_without_score():
    assert score(previous_score=50.0).trend is None


# --- portfolio ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("products", "expected"),
    [
        ([(80.0, 1), (40.0, 3)], 50.0),
        ([(80.0, 3), (40.0, 1)], 70.0),
        ([(80.0, 1), (None, 5)], 80.0),  # null scores ignored
        ([(70.0, 1), (69.9, 1)], 70.0),  # 69.95 half-up
        ([(10.0, 1), (20.0, 1), (20.0, 1)], 16.7),
        ([(55.5, 5)], 55.5),
        ([(80.0, 1), (20.0, 0)], 80.0),  # importance 0 weighs nothing
        ([(80.0, 2), (20.0, -1)], 80.0),  # nor does a negative one
    ],
)
def test_portfolio_score_is_the_importance_weighted_mean(products, expected):
    assert (
        score_portfolio(products, policy=POLICY, previous_score=None).score == expected
    )


@pytest.mark.parametrize(
    "products", [[], [(None, 3), (None, 1)]], ids=["empty", "all-null"]
)
def test_portfolio_without_scores_is_unknown(products):
    result = score_portfolio(products, policy=POLICY, previous_score=60.0)
    assert (result.score, result.status, result.trend) == (None, "unknown", None)


def test_portfolio_counts_products_per_status_with_every_key():
    products = [(70.0, 1), (69.95, 1), (69.9, 2), (40.0, 1), (39.9, 1), (None, 4)]
    result = score_portfolio(products, policy=POLICY, previous_score=None)
    assert result.counts == {"healthy": 2, "at_risk": 2, "critical": 1, "unknown": 1}


def test_portfolio_counts_are_all_zero_when_empty():
    result = score_portfolio([], policy=POLICY, previous_score=None)
    assert result.counts == {"healthy": 0, "at_risk": 0, "critical": 0, "unknown": 0}


@pytest.mark.parametrize(
    ("products", "policy", "expected"),
    [
        ([(75.0, 1)], POLICY, "healthy"),
        ([(75.0, 1)], Policy(healthy=80.0, at_risk=50.0), "at_risk"),
        ([(45.0, 1)], Policy(healthy=80.0, at_risk=50.0), "critical"),
    ],
)
def test_portfolio_status_uses_the_policy_thresholds(products, policy, expected):
    assert (
        score_portfolio(products, policy=policy, previous_score=None).status == expected
    )


@pytest.mark.parametrize(
    ("previous", "expected"), [(48.0, 2.0), (50.05, -0.1), (None, None)]
)
def test_portfolio_trend(previous, expected):
    products = [(80.0, 1), (40.0, 3)]  # 50.0
    assert (
        score_portfolio(products, policy=POLICY, previous_score=previous).trend
        == expected
    )


# --- to_dict / immutability --------------------------------------------------


def full_health():
    return score(
        kpis=(
            kpi(id=1),
            kpi(id=2, latest_at=NOW - timedelta(days=60)),
            kpi(id=3, latest_value=None, latest_at=None),
            kpi(id=4, is_active=False),
        ),
        items=(
            item(id=1, delivered_days_ago=12),
            item(id=2, delivered_days_ago=3),
            item(id=3),
        ),
        teams=(team(4, 3, id=1), team(2, 3, id=2)),
        previous_score=50.0,
    )


def test_product_to_dict_survives_a_json_round_trip():
    data = full_health().to_dict()
    assert json.loads(json.dumps(data, allow_nan=False)) == data


def test_components_json_is_to_dicts_components():
    # The stored explanation is written straight from the dataclasses: it must
    # read back exactly as to_dict() (every field, dates in ISO 8601, floats).
    for health in (full_health(), score(), score(teams=(team(3, 1),))):
        assert json.loads(health.components_json()) == health.to_dict()["components"]


def test_product_to_dict_shape():
    health = full_health()
    data = health.to_dict()
    assert {
        k: data[k] for k in ("product_id", "score", "status", "trend", "weakest")
    } == {
        "product_id": 7,
        "score": health.score,
        "status": health.status,
        "trend": health.trend,
        "weakest": health.weakest,
    }
    assert data["previous_score"] == 50.0
    assert [c["name"] for c in data["components"]] == ["kpi", "delivery", "staffing"]
    kpis, delivery, staffing = data["components"]
    assert kpis["details"][0]["measured_at"] == (NOW - timedelta(days=1)).isoformat()
    assert kpis["details"][2]["measured_at"] is None
    assert kpis["rounded"] == round_half_up(kpis["score"])
    assert delivery["details"][0] == {
        "id": 1,
        "title": "Item",
        "target_date": "2027-02-19",
        "delivered_on": "2027-02-17",
        "credit": 1.0,
        "outcome": "on_time",
    }
    assert staffing["details"][1] == {
        "id": 2,
        "name": "Team 2",
        "planned": 2,
        "current": 3,
        "gap": 0,
    }


def test_absent_component_to_dict():
    data = score().to_dict()["components"][0]
    assert data == {
        "name": "kpi",
        "present": False,
        "score": None,
        "rounded": None,
        "weight": 0.5,
        "effective_weight": 0.0,
        "details": [],
    }


def test_portfolio_to_dict_survives_a_json_round_trip():
    result = score_portfolio([(80.0, 1), (None, 2)], policy=POLICY, previous_score=70.0)
    data = result.to_dict()
    assert json.loads(json.dumps(data, allow_nan=False)) == data
    assert data == {
        "score": 80.0,
        "status": "healthy",
        "trend": 10.0,
        "counts": {"healthy": 1, "at_risk": 0, "critical": 0, "unknown": 1},
    }


@pytest.mark.parametrize(
    "instance",
    [
        Policy(),
        kpi(),
        item(),
        team(1, 1),
        ProductInputs(product_id=1),
        Component(
            name="kpi", present=False, score=None, weight=0.5, effective_weight=0.0
        ),
        ProductHealth(
            product_id=1,
            score=None,
            status="unknown",
            trend=None,
            components=(),
            weakest=None,
        ),
        PortfolioHealth(score=None, status="unknown", trend=None),
    ],
    ids=lambda instance: type(instance).__name__,
)
def test_inputs_and_results_are_frozen(instance):
    first = dataclasses.fields(instance)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(instance, first, None)


def test_component_lookup_by_unknown_name_is_an_error():
    with pytest.raises(KeyError):
        score().component("revenue")
