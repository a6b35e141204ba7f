"""POST /api/v1/measurements/bulk/: every rule of SPEC §4, counts and DB checked."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kpis import services
from kpis.models import Measurement
from portfolio.signals import product_data_changed
from tests.conftest import need, postgres_in_use
from tests.factories.kpis import KpiFactory, MeasurementFactory

URL = "/api/v1/measurements/bulk/"
T0 = datetime(2026, 1, 5, tzinfo=UTC)


@pytest.fixture(params=["postgresql-or-default", "portable"])
def backend(request, monkeypatch):
    """Run a test with the database's own upsert and with the portable one."""
    if request.param == "portable":
        monkeypatch.setattr(services, "_write_postgresql", services._write_portable)
    return request.param


def post(client, rows, mode=None):
    body = (
        {"measurements": rows} if mode is None else {"mode": mode, "measurements": rows}
    )
    return client.post(URL, json.dumps(body), content_type="application/json")


def post_raw(client, text):
    return client.post(URL, text, content_type="application/json")


def at(hours=0, days=0):
    return (T0 + timedelta(hours=hours, days=days)).isoformat()


def stored(kpi):
    return list(
        Measurement.objects.filter(kpi=kpi)
        .order_by("measured_at")
        .values_list("measured_at", "value", "source")
    )


@pytest.fixture
def kpi(own_product):
    return KpiFactory(product=own_product, key="nps")


@pytest.fixture
def cpo_api(cpo, api_as):
    return api_as(cpo)


def series(kpi, n, value=1.0):
    return [
        {"kpi": kpi.pk, "measured_at": at(hours=i), "value": value + i}
        for i in range(n)
    ]


# --- writing ------------------------------------------------------------------


def test_new_rows_are_created_and_counted(cpo_api, kpi, backend):
    response = post(cpo_api, series(kpi, 3))

    assert response.status_code == 200, response.content
    assert response.json() == {"created": 3, "updated": 0, "errors": []}
    assert stored(kpi) == [
        (T0, 1.0, "api"),
        (T0 + timedelta(hours=1), 2.0, "api"),
        (T0 + timedelta(hours=2), 3.0, "api"),
    ]


def test_rows_by_product_slug_and_kpi_key(cpo_api, kpi, backend):
    rows = [
        {"product": "own-product", "kpi_key": "nps", "measured_at": at(), "value": 7}
    ]

    response = post(cpo_api, rows)

    assert response.status_code == 200, response.content
    assert response.json()["created"] == 1
    assert stored(kpi) == [(T0, 7.0, "api")]


def test_same_batch_twice_changes_nothing_the_second_time(cpo_api, kpi, backend):
    rows = series(kpi, 5)
    post(cpo_api, rows)
    before = list(Measurement.objects.filter(kpi=kpi).values_list("pk", "updated_at"))

    response = post(cpo_api, rows)

    assert response.status_code == 200
    assert response.json() == {"created": 0, "updated": 5, "errors": []}
    assert Measurement.objects.filter(kpi=kpi).count() == 5
    if backend != "portable" and postgres_in_use():
        # PostgreSQL's upsert leaves unchanged rows untouched.
        after = Measurement.objects.filter(kpi=kpi).values_list("pk", "updated_at")
        assert list(after) == before


def test_resent_rows_replace_their_values(cpo_api, kpi, backend):
    post(cpo_api, series(kpi, 3, value=1.0))

    response = post(cpo_api, [*series(kpi, 3, value=50.0), *series(kpi, 4)[3:]])

    assert response.json() == {"created": 1, "updated": 3, "errors": []}
    assert [value for _, value, _ in stored(kpi)] == [50.0, 51.0, 52.0, 4.0]


def test_value_replaced_from_another_source_takes_the_new_source(cpo_api, kpi):
    MeasurementFactory(kpi=kpi, measured_at=T0, value=3.0, source="manual")

    response = post(cpo_api, [{"kpi": kpi.pk, "measured_at": at(), "value": 3.0}])

    assert response.json()["updated"] == 1
    assert stored(kpi) == [(T0, 3.0, "api")]


def test_empty_batch_writes_nothing(cpo_api, kpi):
    response = post(cpo_api, [])

    assert response.status_code == 200
    assert response.json() == {"created": 0, "updated": 0, "errors": []}


def test_ten_thousand_rows_are_accepted(cpo_api, own_product):
    kpis = [KpiFactory(product=own_product) for _ in range(10)]
    rows = [
        {"kpi": k.pk, "measured_at": at(hours=h), "value": h}
        for k in kpis
        for h in range(1000)
    ]

    response = post(cpo_api, rows)

    assert response.json() == {"created": 10_000, "updated": 0, "errors": []}
    assert Measurement.objects.count() == 10_000


def test_10001_rows_are_refused_saying_so(cpo_api, kpi):
    rows = [
        {"kpi": kpi.pk, "measured_at": at(hours=i), "value": 1} for i in range(10_001)
    ]

    response = post(cpo_api, rows)

    assert response.status_code == 400
    assert response.json() == {
        "measurements": ["At most 10,000 rows per request; this one has 10,001."]
    }
    assert not Measurement.objects.exists()


# --- atomic and partial -------------------------------------------------------


def test_atomic_batch_with_one_bad_row_writes_nothing(cpo_api, kpi, backend):
    rows = series(kpi, 3)
    rows[1]["value"] = "high"

    response = post(cpo_api, rows, mode="atomic")

    assert response.status_code == 400
    assert response.json() == {
        "created": 0,
        "updated": 0,
        "errors": [
            {
                "index": 1,
                "errors": {
                    "value": ["A finite number is required (not NaN or ±Infinity)."]
                },
            }
        ],
    }
    assert not Measurement.objects.exists()


def test_atomic_is_the_default_mode(cpo_api, kpi):
    rows = [*series(kpi, 1), {"kpi": 999_999, "measured_at": at(), "value": 1}]

    response = post(cpo_api, rows)

    assert response.status_code == 400
    assert not Measurement.objects.exists()


def test_partial_batch_writes_the_good_rows_and_reports_the_bad(cpo_api, kpi, backend):
    rows = series(kpi, 4)
    rows[0]["measured_at"] = "yesterday"
    rows[2]["kpi"] = 999_999

    response = post(cpo_api, rows, mode="partial")

    assert response.status_code == 200
    body = response.json()
    assert (body["created"], body["updated"]) == (2, 0)
    assert [e["index"] for e in body["errors"]] == [0, 2]
    assert body["errors"][1]["errors"] == {"kpi": ["No KPI with id 999999."]}
    assert [value for _, value, _ in stored(kpi)] == [2.0, 4.0]


def test_partial_batch_counts_updates_exactly(cpo_api, kpi):
    post(cpo_api, series(kpi, 2))
    rows = [*series(kpi, 3), {"kpi": kpi.pk, "measured_at": "bad", "value": 1}]

    response = post(cpo_api, rows, mode="partial")

    assert (response.json()["created"], response.json()["updated"]) == (1, 2)
    assert Measurement.objects.filter(kpi=kpi).count() == 3


def test_unknown_mode_is_refused(cpo_api, kpi):
    response = post(cpo_api, series(kpi, 1), mode="best-effort")

    assert response.status_code == 400
    assert response.json() == {"mode": ["Must be atomic or partial."]}
    assert not Measurement.objects.exists()


# --- row rules ----------------------------------------------------------------


def row_errors(client, row):
    response = post(client, [row], mode="partial")
    assert response.status_code == 200, response.content
    errors = response.json()["errors"]
    assert [e["index"] for e in errors] == [0]
    return errors[0]["errors"]


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_literals_are_errors_of_their_rows(
    cpo_api, kpi, literal, backend
):
    body = (
        '{"mode": "partial", "measurements": ['
        f'{{"kpi": {kpi.pk}, "measured_at": "{at()}", "value": {literal}}},'
        f'{{"kpi": {kpi.pk}, "measured_at": "{at(hours=1)}", "value": 2.5}}]}}'
    )

    response = post_raw(cpo_api, body)

    assert response.status_code == 200
    assert response.json() == {
        "created": 1,
        "updated": 0,
        "errors": [
            {
                "index": 0,
                "errors": {
                    "value": ["A finite number is required (not NaN or ±Infinity)."]
                },
            }
        ],
    }
    assert stored(kpi) == [(T0 + timedelta(hours=1), 2.5, "api")]


@pytest.mark.parametrize("value", ["5", True, None, [1], {"v": 1}])
def test_value_must_be_a_json_number(cpo_api, kpi, value):
    errors = row_errors(cpo_api, {"kpi": kpi.pk, "measured_at": at(), "value": value})

    expected = (
        "This field is required."
        if value is None
        else "A finite number is required (not NaN or ±Infinity)."
    )
    assert errors == {"value": [expected]}
    assert not Measurement.objects.exists()


def test_number_too_large_for_a_float_is_refused(cpo_api, kpi):
    body = (
        '{"mode": "partial", "measurements": ['
        f'{{"kpi": {kpi.pk}, "measured_at": "{at()}", "value": 1e400}},'
        f'{{"kpi": {kpi.pk}, "measured_at": "{at(hours=1)}", "value": {10**400}}}]}}'
    )

    response = post_raw(cpo_api, body)

    assert [e["index"] for e in response.json()["errors"]] == [0, 1]
    assert not Measurement.objects.exists()


def test_integer_values_are_stored_as_floats(cpo_api, kpi):
    post(cpo_api, [{"kpi": kpi.pk, "measured_at": at(), "value": -3}])

    assert stored(kpi) == [(T0, -3.0, "api")]


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("2026-01-05", T0),
        ("2026-01-05T09:30", T0 + timedelta(hours=9, minutes=30)),
        ("2026-01-05T09:30:00", T0 + timedelta(hours=9, minutes=30)),
        ("2026-01-05T09:30:00Z", T0 + timedelta(hours=9, minutes=30)),
        ("2026-01-05T09:30:00.250Z", T0 + timedelta(hours=9, minutes=30, seconds=0.25)),
        ("2026-01-05T10:30:00+01:00", T0 + timedelta(hours=9, minutes=30)),
        ("2026-01-05 04:30:00-05:00", T0 + timedelta(hours=9, minutes=30)),
    ],
    ids=["date", "minutes", "no-zone", "z", "fraction", "offset", "space-negative"],
)
def test_timestamps_take_a_date_or_a_zone_and_default_to_utc(
    cpo_api, kpi, text, moment
):
    response = post(cpo_api, [{"kpi": kpi.pk, "measured_at": text, "value": 1}])

    assert response.status_code == 200, response.content
    assert stored(kpi) == [(moment, 1.0, "api")]


@pytest.mark.parametrize(
    "text",
    ["yesterday", "2027-13-01", "2027-02-30", "2027-W01-1", "20270104", "", 1700000000],
)
def test_unreadable_timestamps_are_errors(cpo_api, kpi, text):
    errors = row_errors(cpo_api, {"kpi": kpi.pk, "measured_at": text, "value": 1})

    assert errors == {
        "measured_at": [
            "A timestamp (ISO 8601, such as 2027-01-31T09:30:00Z) or a date "
            "(2027-01-31) is required."
        ]
    }


def test_more_than_a_day_in_the_future_is_an_error(cpo_api, kpi):
    now = timezone.now()
    soon = (now + timedelta(hours=23)).isoformat()
    late = (now + timedelta(days=1, minutes=5)).isoformat()

    response = post(
        cpo_api,
        [
            {"kpi": kpi.pk, "measured_at": soon, "value": 1},
            {"kpi": kpi.pk, "measured_at": late, "value": 2},
        ],
        mode="partial",
    )

    body = response.json()
    assert body["created"] == 1
    assert [e["index"] for e in body["errors"]] == [1]
    message = body["errors"][0]["errors"]["measured_at"][0]
    assert message.startswith("Must not lie more than a day in the future (after ")
    assert Measurement.objects.get().value == 1.0


@pytest.mark.parametrize(
    ("row", "errors"),
    [
        (
            {"measured_at": "2026-01-05", "value": 1},
            {"kpi": ["Give kpi (an id), or product (a slug) and kpi_key."]},
        ),
        (
            {"kpi": "1", "measured_at": "2026-01-05", "value": 1},
            {"kpi": ["A KPI id (a positive integer) is required."]},
        ),
        (
            {"kpi": 0, "measured_at": "2026-01-05", "value": 1},
            {"kpi": ["A KPI id (a positive integer) is required."]},
        ),
        (
            {"kpi": 2**70, "measured_at": "2026-01-05", "value": 1},
            {"kpi": [f"No KPI with id {2**70}."]},
        ),
        (
            {"product": "own-product", "measured_at": "2026-01-05", "value": 1},
            {"kpi_key": ["This field is required."]},
        ),
        (
            {"kpi_key": "nps", "measured_at": "2026-01-05", "value": 1},
            {"product": ["This field is required."]},
        ),
        (
            {
                "product": "own product",
                "kpi_key": 5,
                "measured_at": "2026-01-05",
                "value": 1,
            },
            {
                "product": ["A slug (letters, digits, '-' and '_') is required."],
                "kpi_key": ["A slug (letters, digits, '-' and '_') is required."],
            },
        ),
        (
            {
                "product": "own-product",
                "kpi_key": "nope",
                "measured_at": "2026-01-05",
                "value": 1,
            },
            {
                "kpi_key": [
                    "No KPI with key “nope” in a product with slug “own-product”."
                ]
            },
        ),
        (
            {
                "product": "no-such",
                "kpi_key": "nps",
                "measured_at": "2026-01-05",
                "value": 1,
            },
            {"kpi_key": ["No KPI with key “nps” in a product with slug “no-such”."]},
        ),
        (
            {
                "kpi": 1,
                "product": "own-product",
                "kpi_key": "nps",
                "measured_at": "2026-01-05",
                "value": 1,
            },
            {"kpi": ["Give either kpi, or product and kpi_key; not both."]},
        ),
        (
            {"kpi": None, "product": "own-product", "kpi_key": "nps", "value": None},
            {
                "measured_at": ["This field is required."],
                "value": ["This field is required."],
            },
        ),
        (
            "not a row",
            {
                "non_field_errors": [
                    "Expected an object with kpi (or product and kpi_key), "
                    "measured_at and value."
                ]
            },
        ),
    ],
    ids=[
        "no-kpi",
        "id-as-string",
        "id-zero",
        "id-too-large",
        "product-without-key",
        "key-without-product",
        "not-slugs",
        "unknown-key",
        "unknown-product",
        "both-ways",
        "missing-fields",
        "not-an-object",
    ],
)
def test_rows_that_name_no_kpi_are_errors(cpo_api, kpi, row, errors):
    assert row_errors(cpo_api, row) == errors
    assert not Measurement.objects.exists()


def test_one_row_reports_all_its_errors(cpo_api, kpi):
    errors = row_errors(cpo_api, {"kpi": 999_999, "measured_at": "x", "value": "y"})

    assert set(errors) == {"measured_at", "value"}


def test_in_batch_repeat_is_an_error_of_the_later_row(cpo_api, kpi, backend):
    rows = [
        {"kpi": kpi.pk, "measured_at": "2026-01-05", "value": 1},
        {"kpi": kpi.pk, "measured_at": at(hours=1), "value": 2},
        # The same KPI and moment, written differently.
        {"product": "own-product", "kpi_key": "nps", "measured_at": at(), "value": 3},
        {"kpi": kpi.pk, "measured_at": "2026-01-05T01:00:00+00:00", "value": 4},
    ]

    response = post(cpo_api, rows, mode="partial")

    assert response.status_code == 200
    assert response.json() == {
        "created": 2,
        "updated": 0,
        "errors": [
            {
                "index": 2,
                "errors": {
                    "measured_at": [
                        "Repeats row 0: the same KPI and measured_at in this batch."
                    ]
                },
            },
            {
                "index": 3,
                "errors": {
                    "measured_at": [
                        "Repeats row 1: the same KPI and measured_at in this batch."
                    ]
                },
            },
        ],
    }
    assert [value for _, value, _ in stored(kpi)] == [1.0, 2.0]


def test_repeat_of_a_bad_row_is_still_a_repeat(cpo_api, kpi):
    rows = [
        {"kpi": kpi.pk, "measured_at": at(), "value": "bad"},
        {"kpi": kpi.pk, "measured_at": at(), "value": 2},
    ]

    response = post(cpo_api, rows, mode="partial")

    assert [e["index"] for e in response.json()["errors"]] == [0, 1]
    assert not Measurement.objects.exists()


# --- who may write what -------------------------------------------------------


def test_pm_rows_for_another_pms_product_are_errors_of_their_rows(
    pm, api_as, own_product, other_kpi, backend
):
    own = KpiFactory(product=own_product)
    rows = [
        {"kpi": own.pk, "measured_at": at(), "value": 1},
        {"kpi": other_kpi.pk, "measured_at": at(), "value": 2},
        {
            "product": "other-product",
            "kpi_key": "conversion",
            "measured_at": at(hours=1),
            "value": 3,
        },
    ]

    response = post(api_as(pm), rows, mode="partial")

    assert response.status_code == 200
    message = (
        "You may not write measurements of product “other-product”: "
        "you do not manage it."
    )
    assert response.json() == {
        "created": 1,
        "updated": 0,
        "errors": [
            {"index": 1, "errors": {"kpi": [message]}},
            {"index": 2, "errors": {"product": [message]}},
        ],
    }
    assert stored(own) == [(T0, 1.0, "api")]
    assert not Measurement.objects.filter(kpi=other_kpi).exists()


def test_pm_atomic_batch_touching_another_product_writes_nothing(
    pm, api_as, own_kpi, other_kpi
):
    rows = [
        {"kpi": own_kpi.pk, "measured_at": at(), "value": 1},
        {"kpi": other_kpi.pk, "measured_at": at(), "value": 2},
    ]

    response = post(api_as(pm), rows)

    assert response.status_code == 400
    assert [e["index"] for e in response.json()["errors"]] == [1]
    assert not Measurement.objects.exists()


def test_integration_writes_measurements_of_any_product(
    users, api_as, own_kpi, other_kpi
):
    rows = [
        {"kpi": own_kpi.pk, "measured_at": at(), "value": 1},
        {"kpi": other_kpi.pk, "measured_at": at(), "value": 2},
    ]

    response = post(api_as(users["integration"]), rows)

    assert response.json() == {"created": 2, "updated": 0, "errors": []}


@pytest.mark.parametrize("role", ["executive", "recruiter", "nobody"])
def test_roles_that_write_no_measurements_are_refused(role, users, api_as, kpi):
    response = post(api_as(users[role]), series(kpi, 1))

    assert response.status_code == 403
    assert response.json() == {"detail": "Your role does not allow this action."}
    assert not Measurement.objects.exists()


def test_anonymous_is_401(api_client, kpi):
    response = post(api_client, series(kpi, 1))

    assert response.status_code == 401
    assert not Measurement.objects.exists()


# --- the body -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"measurements": [', None),
        (
            "[]",
            {"non_field_errors": ['Expected a JSON object: {"mode", "measurements"}.']},
        ),
        ("{}", {"measurements": ["This field is required."]}),
        (
            '{"measurements": {"kpi": 1}}',
            {"measurements": ["Expected a list of rows."]},
        ),
        ('{"mode": 3, "measurements": []}', {"mode": ["Must be atomic or partial."]}),
    ],
    ids=[
        "malformed",
        "not-an-object",
        "no-rows",
        "rows-not-a-list",
        "mode-not-a-string",
    ],
)
def test_bad_bodies_are_400_with_a_clear_message(cpo_api, kpi, text, expected):
    response = post_raw(cpo_api, text)

    assert response.status_code == 400
    if expected is None:
        assert response.json()["detail"].startswith("JSON parse error - ")
    else:
        assert response.json() == expected


def test_body_that_is_not_json_is_415(cpo_api, kpi):
    response = cpo_api.post(
        URL, "kpi=1", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 415
    assert response.json() == {
        "detail": (
            'Unsupported media type "application/x-www-form-urlencoded" in request.'
        )
    }


def test_answer_says_where_the_time_went(cpo_api, kpi):
    response = post(cpo_api, series(kpi, 2))

    timing = response["Server-Timing"]
    assert [part.split(";")[0] for part in timing.split(", ")] == [
        "parse",
        "validate",
        "write",
        "commit",
    ]


# --- health signal and queries ------------------------------------------------


@pytest.fixture
def signals():
    received = []

    def receiver(sender, product_ids, **kwargs):
        received.append(product_ids)

    product_data_changed.connect(receiver)
    yield received
    product_data_changed.disconnect(receiver)


def test_one_signal_per_request_with_the_affected_products(
    cpo_api, own_kpi, other_kpi, signals, django_capture_on_commit_callbacks
):
    rows = [
        *[
            {"kpi": own_kpi.pk, "measured_at": at(hours=h), "value": h}
            for h in range(500)
        ],
        *[
            {"kpi": other_kpi.pk, "measured_at": at(hours=h), "value": h}
            for h in range(500)
        ],
    ]

    with django_capture_on_commit_callbacks(execute=True):
        post(cpo_api, rows)

    assert signals == [sorted([own_kpi.product_id, other_kpi.product_id])]


def test_atomic_failure_sends_no_signal(
    cpo_api, kpi, signals, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(cpo_api, [{"kpi": kpi.pk, "measured_at": "x", "value": 1}])

    assert signals == []


def test_query_count_is_the_same_for_10_and_1000_rows(cpo_api, own_product):
    need("PostgreSQL", postgres_in_use(), "the set-based upsert (SQLite batches)")
    kpis = [KpiFactory(product=own_product) for _ in range(10)]

    def batch(start, per_kpi):
        return [
            {"kpi": k.pk, "measured_at": at(hours=start + h), "value": h}
            for k in kpis
            for h in range(per_kpi)
        ]

    post(cpo_api, batch(0, 1))  # warm caches (content types, roles)

    with CaptureQueriesContext(connection) as small:
        assert post(cpo_api, batch(10, 1)).json()["created"] == 10
    with CaptureQueriesContext(connection) as large:
        assert post(cpo_api, batch(100, 100)).json()["created"] == 1000

    # Savepoint, the KPI lookup, SET CONSTRAINTS, CREATE TEMP TABLE, COPY, the
    # upsert, DROP TABLE, release (PostgreSQL); whatever the number of rows.
    assert len(small) == len(large) <= 9
    kpi_lookups = [q for q in large.captured_queries if '"kpis_kpi"' in q["sql"]]
    assert len(kpi_lookups) == 1


def test_kpi_deleted_between_lookup_and_write_is_a_400_writing_nothing(
    cpo_api, kpi, monkeypatch
):
    need("PostgreSQL", postgres_in_use(), "foreign keys checked in the write")
    real_lookup = services._lookup_kpis

    def lookup_then_delete(**kwargs):
        found = real_lookup(**kwargs)
        Measurement.objects.filter(kpi=kpi).delete()
        type(kpi).objects.filter(pk=kpi.pk).delete()  # as another request would
        return found

    monkeypatch.setattr(services, "_lookup_kpis", lookup_then_delete)

    response = post(cpo_api, series(kpi, 3))

    assert response.status_code == 400
    assert response.json() == {"measurements": [services.MSG_KPI_GONE]}
    assert not Measurement.objects.exists()
