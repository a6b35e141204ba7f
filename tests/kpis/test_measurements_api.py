"""/api/v1/kpis/{id}/measurements/: cursor list, newest first, and POST one."""

from datetime import UTC, datetime, timedelta

import pytest

from kpis.models import Measurement
from tests.factories.kpis import MeasurementFactory

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def url(kpi):
    return f"/api/v1/kpis/{kpi.pk}/measurements/"


@pytest.fixture
def series(own_kpi):
    return [
        MeasurementFactory(kpi=own_kpi, measured_at=T0 + timedelta(days=d), value=d)
        for d in range(5)
    ]


def test_list_is_newest_first(cpo, api_as, own_kpi, series):
    body = api_as(cpo).get(url(own_kpi)).json()

    assert [m["value"] for m in body["results"]] == [4.0, 3.0, 2.0, 1.0, 0.0]
    assert body["results"][0] == {
        "id": series[4].pk,
        "kpi": own_kpi.pk,
        "measured_at": "2026-03-05T00:00:00Z",
        "value": 4.0,
        "source": "api",
        "created_at": body["results"][0]["created_at"],
        "updated_at": body["results"][0]["updated_at"],
    }
    assert body["next"] is None


def test_cursor_pages_cover_the_series_once(cpo, api_as, own_kpi, series):
    client = api_as(cpo)
    seen, link = [], url(own_kpi) + "?page_size=2"
    while link:
        page = client.get(link).json()
        assert len(page["results"]) <= 2
        seen += [m["value"] for m in page["results"]]
        link = page["next"]

    assert seen == [4.0, 3.0, 2.0, 1.0, 0.0]


def test_only_this_kpis_measurements_are_listed(
    cpo, api_as, own_kpi, other_kpi, series
):
    MeasurementFactory(kpi=other_kpi, measured_at=T0, value=99)

    body = api_as(cpo).get(url(own_kpi)).json()

    assert 99.0 not in [m["value"] for m in body["results"]]


@pytest.mark.parametrize(
    ("params", "values"),
    [
        ({"since": "2026-03-03"}, [4.0, 3.0, 2.0]),
        ({"until": "2026-03-03"}, [1.0, 0.0]),
        ({"since": "2026-03-02T00:00:00Z", "until": "2026-03-04T00:00"}, [2.0, 1.0]),
        ({"since": "2026-03-02T01:00:00+01:00"}, [4.0, 3.0, 2.0, 1.0]),
    ],
    ids=["since-inclusive", "until-exclusive", "window", "offset"],
)
def test_since_and_until(cpo, api_as, own_kpi, series, params, values):
    body = api_as(cpo).get(url(own_kpi), params).json()

    assert [m["value"] for m in body["results"]] == values


@pytest.mark.parametrize("params", [{"since": "last week"}, {"until": "2026-02-30"}])
def test_bad_since_or_until_is_400(cpo, api_as, own_kpi, params):
    response = api_as(cpo).get(url(own_kpi), params)

    assert response.status_code == 400
    assert response.json() == {
        next(iter(params)): [
            "A timestamp (ISO 8601, such as 2027-01-31T09:30:00Z) or a date "
            "(2027-01-31) is required."
        ]
    }


@pytest.mark.parametrize("size", ["0", "501", "ten"])
def test_bad_page_size_is_400(cpo, api_as, own_kpi, size):
    response = api_as(cpo).get(url(own_kpi), {"page_size": size})

    assert response.status_code == 400
    assert response.json() == {"page_size": ["Must be a whole number from 1 to 500."]}


def test_unknown_kpi_is_404(cpo, api_as):
    response = api_as(cpo).get("/api/v1/kpis/999999/measurements/")

    assert response.status_code == 404


def test_post_of_a_new_moment_is_201(cpo, api_as, own_kpi):
    response = api_as(cpo).post(
        url(own_kpi), {"measured_at": "2026-03-01T08:00:00Z", "value": 12.5}
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kpi"], body["measured_at"], body["value"], body["source"]) == (
        own_kpi.pk,
        "2026-03-01T08:00:00Z",
        12.5,
        "api",
    )
    assert Measurement.objects.get().pk == body["id"]


def test_post_of_an_existing_moment_replaces_it_with_200(cpo, api_as, own_kpi, series):
    response = api_as(cpo).post(
        url(own_kpi), {"measured_at": "2026-03-02", "value": 42}
    )

    assert response.status_code == 200
    assert response.json()["id"] == series[1].pk
    assert response.json()["value"] == 42.0
    assert Measurement.objects.filter(kpi=own_kpi).count() == 5
    assert Measurement.objects.get(pk=series[1].pk).value == 42.0


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {"measured_at": "2026-03-01"},
            {"value": ["This field is required."]},
        ),
        (
            {"measured_at": "2026-03-01", "value": "12"},
            {"value": ["A finite number is required (not NaN or ±Infinity)."]},
        ),
        (
            {"measured_at": "soon", "value": 1},
            {
                "measured_at": [
                    "A timestamp (ISO 8601, such as 2027-01-31T09:30:00Z) or a date "
                    "(2027-01-31) is required."
                ]
            },
        ),
        (
            [],
            {
                "non_field_errors": [
                    "Expected a JSON object with measured_at and value."
                ]
            },
        ),
    ],
    ids=["no-value", "string-value", "bad-time", "not-an-object"],
)
def test_post_of_a_bad_measurement_is_400(cpo, api_as, own_kpi, body, errors):
    response = api_as(cpo).post(url(own_kpi), body)

    assert response.status_code == 400
    assert response.json() == errors
    assert not Measurement.objects.exists()


def test_post_far_in_the_future_is_400(cpo, api_as, own_kpi):
    response = api_as(cpo).post(url(own_kpi), {"measured_at": "2999-01-01", "value": 1})

    assert response.status_code == 400
    assert response.json()["measured_at"][0].startswith(
        "Must not lie more than a day in the future"
    )


def test_post_of_nan_literal_is_400(cpo, api_as, own_kpi):
    response = api_as(cpo).post(
        url(own_kpi),
        '{"measured_at": "2026-03-01", "value": NaN}',
        content_type="application/json",
    )

    assert response.status_code == 400
    assert not Measurement.objects.exists()


def test_pm_may_not_post_to_another_products_kpi(pm, api_as, other_kpi):
    response = api_as(pm).post(
        url(other_kpi), {"measured_at": "2026-03-01", "value": 1}
    )

    assert response.status_code == 403
    assert response.json() == {
        "detail": "You may only write measurements of the products you manage."
    }
    assert not Measurement.objects.exists()
