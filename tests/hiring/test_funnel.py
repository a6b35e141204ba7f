"""The funnel (SPEC §4) on a hand-built pipeline: stages, conversion, median time
to fill, open positions by age, filters, and a constant number of queries."""

from datetime import date, timedelta

import pytest
import time_machine
from django.utils import timezone

from hiring import selectors
from hiring.models import PositionStatus
from tests.factories.hiring import ApplicationFactory, PositionFactory, TeamFactory

API = "/api/v1"
TODAY = date(2026, 4, 30)
pytestmark = pytest.mark.django_db

A, S, I, O, H, R, W = (  # noqa: E741
    "applied",
    "screening",
    "interview",
    "offer",
    "hired",
    "rejected",
    "withdrawn",
)
# The path each application took (its current stage is the last).
PATHS = [
    [A, S, I, O, H],
    [A, S, I, O],
    [A, S, I],
    [A, S, R],
    [A, W],
    [A],
    [A, S, I, R],
    [A, S],
]


def build_pipeline(position):
    for path in PATHS:
        ApplicationFactory(position=position, stage=path[-1], via=path)


@pytest.fixture
def pipeline():
    team = TeamFactory()
    position = PositionFactory(team=team, opened_on=TODAY - timedelta(days=5))
    build_pipeline(position)
    return position


def stages_of(funnel):
    return {s.stage: (s.current, s.reached) for s in funnel.stages}


def test_stage_counts_current_and_reached(pipeline):
    funnel = selectors.hiring_funnel(today=TODAY)

    assert stages_of(funnel) == {
        A: (1, 8),
        S: (1, 6),
        I: (1, 4),
        O: (1, 2),
        H: (1, 1),
        R: (2, 2),
        W: (1, 1),
    }
    assert [s.stage for s in funnel.stages] == [A, S, I, O, H, R, W]


def test_conversion_along_the_main_path(pipeline):
    funnel = selectors.hiring_funnel(today=TODAY)

    assert [(c.from_stage, c.to_stage, c.rate) for c in funnel.conversion] == [
        (A, S, 0.75),
        (S, I, 4 / 6),
        (I, O, 0.5),
        (O, H, 0.5),
    ]


def test_empty_pipeline_has_null_rates_and_no_median():
    funnel = selectors.hiring_funnel(today=TODAY)

    assert [c.rate for c in funnel.conversion] == [None, None, None, None]
    assert funnel.median_time_to_fill_days is None
    assert funnel.open_positions_by_age == {"0-30": 0, "31-60": 0, "61-90": 0, "91+": 0}
    assert all(s.current == s.reached == 0 for s in funnel.stages)


def test_conversion_is_null_only_where_the_divisor_is_zero():
    position = PositionFactory()
    ApplicationFactory(position=position, stage=S)

    rates = [c.rate for c in selectors.hiring_funnel(today=TODAY).conversion]

    assert rates == [1.0, 0.0, None, None]


def filled(opened, filled_on, team=None):
    kwargs = {"team": team} if team else {}
    return PositionFactory(
        status=PositionStatus.FILLED, opened_on=opened, filled_on=filled_on, **kwargs
    )


def test_median_time_to_fill_odd_count():
    filled(date(2026, 1, 1), date(2026, 1, 31))  # 30 days
    filled(date(2026, 2, 1), date(2026, 3, 17))  # 44
    filled(date(2026, 3, 1), date(2026, 3, 11))  # 10
    PositionFactory(status=PositionStatus.OPEN, opened_on=date(2025, 1, 1))

    assert selectors.hiring_funnel(today=TODAY).median_time_to_fill_days == 30.0


def test_median_time_to_fill_even_count():
    filled(date(2026, 1, 1), date(2026, 1, 31))  # 30
    filled(date(2026, 2, 1), date(2026, 3, 17))  # 44
    filled(date(2026, 3, 1), date(2026, 3, 11))  # 10
    filled(date(2026, 3, 1), date(2026, 4, 20))  # 50

    assert selectors.hiring_funnel(today=TODAY).median_time_to_fill_days == 37.0


@pytest.mark.parametrize(
    ("age", "bucket"),
    [
        (0, "0-30"),
        (30, "0-30"),
        (31, "31-60"),
        (60, "31-60"),
        (61, "61-90"),
        (90, "61-90"),
        (91, "91+"),
        (400, "91+"),
    ],
)
def test_open_positions_by_age_bucket_borders(age, bucket):
    PositionFactory(status=PositionStatus.OPEN, opened_on=TODAY - timedelta(days=age))
    PositionFactory(
        status=PositionStatus.ON_HOLD, opened_on=TODAY - timedelta(days=age)
    )
    PositionFactory(status=PositionStatus.DRAFT, opened_on=None)

    by_age = selectors.hiring_funnel(today=TODAY).open_positions_by_age

    assert by_age == {**{"0-30": 0, "31-60": 0, "61-90": 0, "91+": 0}, bucket: 1}


def test_filters_narrow_every_figure(pipeline):
    other_team = TeamFactory()
    other = PositionFactory(team=other_team, opened_on=TODAY - timedelta(days=70))
    ApplicationFactory(position=other, stage=O)
    filled(date(2026, 1, 1), date(2026, 1, 11), team=other_team)  # 10 days

    by_team = selectors.hiring_funnel(team=other_team, today=TODAY)
    by_product = selectors.hiring_funnel(product=other_team.product, today=TODAY)
    by_position = selectors.hiring_funnel(position=pipeline, today=TODAY)

    for funnel in (by_team, by_product):
        assert stages_of(funnel)[A] == (0, 1)
        assert stages_of(funnel)[O] == (1, 1)
        assert funnel.median_time_to_fill_days == 10.0
        assert funnel.open_positions_by_age["61-90"] == 1
        assert funnel.open_positions_by_age["0-30"] == 0
    assert stages_of(by_position)[A] == (1, 8)
    assert by_position.median_time_to_fill_days is None
    assert by_position.open_positions_by_age["0-30"] == 1


def test_funnel_takes_four_queries_whatever_the_size(django_assert_num_queries):
    position = PositionFactory()
    build_pipeline(position)
    filled(date(2026, 1, 1), date(2026, 1, 31))
    with django_assert_num_queries(4):
        selectors.hiring_funnel(today=TODAY)

    for _ in range(3):
        build_pipeline(PositionFactory())
        filled(date(2026, 1, 1), date(2026, 2, 1))
    with django_assert_num_queries(4):
        selectors.hiring_funnel(today=TODAY)


@time_machine.travel("2026-04-30 12:00:00+00:00", tick=False)
def test_funnel_endpoint_has_the_spec_shape(pipeline, users, api_as):
    filled(date(2026, 1, 1), date(2026, 1, 31))

    response = api_as(users["executive"]).get(f"{API}/hiring/funnel/")

    assert response.status_code == 200
    assert response.json() == {
        "stages": [
            {"stage": "applied", "current": 1, "reached": 8},
            {"stage": "screening", "current": 1, "reached": 6},
            {"stage": "interview", "current": 1, "reached": 4},
            {"stage": "offer", "current": 1, "reached": 2},
            {"stage": "hired", "current": 1, "reached": 1},
            {"stage": "rejected", "current": 2, "reached": 2},
            {"stage": "withdrawn", "current": 1, "reached": 1},
        ],
        "conversion": [
            {"from": "applied", "to": "screening", "rate": 0.75},
            {"from": "screening", "to": "interview", "rate": 4 / 6},
            {"from": "interview", "to": "offer", "rate": 0.5},
            {"from": "offer", "to": "hired", "rate": 0.5},
        ],
        "median_time_to_fill_days": 30.0,
        "open_positions_by_age": {"0-30": 1, "31-60": 0, "61-90": 0, "91+": 0},
    }


def test_funnel_endpoint_filters_by_position(pipeline, users, api_as):
    other = PositionFactory()
    ApplicationFactory(position=other, stage=O)

    body = (
        api_as(users["integration"])
        .get(f"{API}/hiring/funnel/?position={other.pk}")
        .json()
    )

    assert body["stages"][0] == {"stage": "applied", "current": 0, "reached": 1}
    assert body["stages"][3] == {"stage": "offer", "current": 1, "reached": 1}


@pytest.mark.parametrize("param", ["team", "product", "position"])
@pytest.mark.parametrize("value", ["abc", "999999", "1.5", ""])
def test_funnel_bad_filter_is_a_400_naming_it(param, value, users, api_as):
    response = api_as(users["cpo"]).get(f"{API}/hiring/funnel/?{param}={value}")

    assert response.status_code == 400
    assert list(response.json()) == [param]


def test_funnel_counts_a_hire_made_through_the_api(users, api_as):
    position = PositionFactory(opened_on=timezone.localdate() - timedelta(days=12))
    application = ApplicationFactory(position=position, stage=O)
    client = api_as(users["recruiter"])

    client.post(f"{API}/applications/{application.pk}/move/", {"stage": "hired"})
    body = client.get(f"{API}/hiring/funnel/").json()

    assert body["stages"][4] == {"stage": "hired", "current": 1, "reached": 1}
    assert body["median_time_to_fill_days"] == 12.0
