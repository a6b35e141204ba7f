"""/api/v1/kpis/: the KPI rules of SPEC §1.3 and the read-only figures."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kpis.models import Kpi, Measurement
from portfolio.signals import product_data_changed
from tests.factories.kpis import KpiFactory, MeasurementFactory
from tests.factories.portfolio import ObjectiveFactory, ProductFactory

URL = "/api/v1/kpis/"


def detail(kpi):
    return f"{URL}{kpi.pk}/"


def new_kpi(product, **overrides):
    body = {
        "product": product.pk,
        "key": "activation-rate",
        "name": "Activation rate",
        "category": "adoption",
        "unit": "%",
        "direction": "higher_is_better",
        "baseline": 20.0,
        "target": 35.0,
        "cadence": "weekly",
        "weight": 2.0,
    }
    body.update(overrides)
    return body


# --- create -------------------------------------------------------------------


def test_cpo_defines_a_kpi(cpo, api_as, own_product):
    objective = ObjectiveFactory()

    response = api_as(cpo).post(URL, new_kpi(own_product, objective=objective.pk))

    assert response.status_code == 201, response.content
    body = response.json()
    assert body | {"id": 0, "created_at": "", "updated_at": ""} == {
        "id": 0,
        "product": own_product.pk,
        "key": "activation-rate",
        "name": "Activation rate",
        "category": "adoption",
        "unit": "%",
        "direction": "higher_is_better",
        "baseline": 20.0,
        "target": 35.0,
        "cadence": "weekly",
        "weight": 2.0,
        "objective": objective.pk,
        "is_active": True,
        "latest": None,
        "attainment": 0.0,
        "stale": True,
        "created_at": "",
        "updated_at": "",
    }
    kpi = Kpi.objects.get(pk=body["id"])
    assert kpi.history.get().history_user == cpo


def test_defaults_when_left_out(cpo, api_as, own_product):
    response = api_as(cpo).post(
        URL,
        {
            "product": own_product.pk,
            "key": "nps",
            "name": "NPS",
            "category": "customer",
        },
    )

    assert response.status_code == 201, response.content
    kpi = Kpi.objects.get(key="nps")
    assert (kpi.direction, kpi.cadence, kpi.weight, kpi.is_active, kpi.unit) == (
        "higher_is_better",
        "monthly",
        1.0,
        True,
        "",
    )
    assert response.json()["attainment"] is None


def test_pm_defines_a_kpi_of_their_product(pm, api_as, own_product):
    response = api_as(pm).post(URL, new_kpi(own_product))

    assert response.status_code == 201
    assert Kpi.objects.filter(product=own_product).count() == 1


def test_pm_may_not_define_a_kpi_of_another_product(pm, api_as, other_product):
    response = api_as(pm).post(URL, new_kpi(other_product))

    assert response.status_code == 403
    assert response.json() == {
        "detail": "You may only define KPIs of the products you manage."
    }
    assert not Kpi.objects.exists()


# --- the baseline/target rule ---------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        (
            {"baseline": None, "target": 35.0},
            {"baseline": ["A baseline is required when a target is set."]},
        ),
        (
            {"baseline": 20.0, "target": 10.0},
            {
                "target": [
                    "When higher is better, the target must lie above the baseline "
                    "(baseline 20, target 10)."
                ]
            },
        ),
        (
            {"baseline": 20.0, "target": 20.0},
            {
                "target": [
                    "When higher is better, the target must lie above the baseline "
                    "(baseline 20, target 20)."
                ]
            },
        ),
        (
            {"direction": "lower_is_better", "baseline": 400.0, "target": 500.0},
            {
                "target": [
                    "When lower is better, the target must lie below the baseline "
                    "(baseline 400, target 500)."
                ]
            },
        ),
    ],
    ids=["target-without-baseline", "higher-below", "equal", "lower-above"],
)
def test_target_rule_breaks_are_400_and_store_nothing(
    cpo, api_as, own_product, overrides, errors
):
    response = api_as(cpo).post(URL, new_kpi(own_product, **overrides))

    assert response.status_code == 400
    assert response.json() == errors
    assert not Kpi.objects.exists()


@pytest.mark.parametrize(
    "overrides",
    [
        {"baseline": None, "target": None},
        {"baseline": 5.0, "target": None},
        {"direction": "lower_is_better", "baseline": 400.0, "target": 250.0},
        {"baseline": -10.0, "target": -2.0},
    ],
    ids=["neither", "baseline-only", "lower-below", "negative"],
)
def test_valid_baseline_and_target_pairs_are_accepted(
    cpo, api_as, own_product, overrides
):
    response = api_as(cpo).post(URL, new_kpi(own_product, **overrides))

    assert response.status_code == 201, response.content


def test_patch_of_direction_alone_is_checked_against_stored_values(
    cpo, api_as, own_kpi
):
    response = api_as(cpo).patch(detail(own_kpi), {"direction": "lower_is_better"})

    assert response.status_code == 400
    assert response.json() == {
        "direction": [
            "When lower is better, the target must lie below the baseline "
            "(baseline 10, target 20)."
        ]
    }
    own_kpi.refresh_from_db()
    assert own_kpi.direction == "higher_is_better"


def test_patch_of_direction_with_a_fitting_target_succeeds(cpo, api_as, own_kpi):
    response = api_as(cpo).patch(
        detail(own_kpi), {"direction": "lower_is_better", "target": 5.0}
    )

    assert response.status_code == 200, response.content
    own_kpi.refresh_from_db()
    assert (own_kpi.direction, own_kpi.baseline, own_kpi.target) == (
        "lower_is_better",
        10.0,
        5.0,
    )


def test_patch_of_baseline_alone_is_checked_against_the_stored_target(
    cpo, api_as, own_kpi
):
    response = api_as(cpo).patch(detail(own_kpi), {"baseline": 25.0})

    assert response.status_code == 400
    assert response.json() == {
        "target": [
            "When higher is better, the target must lie above the baseline "
            "(baseline 25, target 20)."
        ]
    }
    own_kpi.refresh_from_db()
    assert own_kpi.baseline == 10.0


def test_clearing_the_baseline_of_a_kpi_with_a_target_is_refused(cpo, api_as, own_kpi):
    response = api_as(cpo).patch(detail(own_kpi), {"baseline": None})

    assert response.status_code == 400
    assert response.json() == {
        "baseline": ["A baseline is required when a target is set."]
    }


def test_clearing_the_target_makes_attainment_null(cpo, api_as, own_kpi):
    response = api_as(cpo).patch(detail(own_kpi), {"target": None})

    assert response.status_code == 200
    assert response.json()["attainment"] is None
    own_kpi.refresh_from_db()
    assert own_kpi.target is None


# --- other field rules --------------------------------------------------------


def test_key_is_unique_within_the_product(cpo, api_as, own_kpi):
    response = api_as(cpo).post(
        URL, new_kpi(own_kpi.product, key=own_kpi.key, name="Again")
    )

    assert response.status_code == 400
    assert response.json() == {
        "key": ["Product “own-product” already has a KPI with key “conversion”."]
    }
    assert Kpi.objects.count() == 1


def test_same_key_in_another_product_is_fine(cpo, api_as, own_kpi, other_product):
    response = api_as(cpo).post(URL, new_kpi(other_product, key=own_kpi.key))

    assert response.status_code == 201


def test_renaming_a_key_to_a_taken_one_is_refused(cpo, api_as, own_kpi):
    KpiFactory(product=own_kpi.product, key="churn")

    response = api_as(cpo).patch(detail(own_kpi), {"key": "churn"})

    assert response.status_code == 400
    assert response.json() == {
        "key": ["Product “own-product” already has a KPI with key “churn”."]
    }


def test_a_kpi_cannot_move_to_another_product(cpo, api_as, own_kpi, other_product):
    response = api_as(cpo).patch(detail(own_kpi), {"product": other_product.pk})

    assert response.status_code == 400
    assert response.json() == {
        "product": ["A KPI cannot move to another product; define a new KPI there."]
    }
    own_kpi.refresh_from_db()
    assert own_kpi.product_id != other_product.pk


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"weight": -1}, "weight"),
        ({"unit": "x" * 17}, "unit"),
        ({"key": "not a slug"}, "key"),
        ({"category": "finance"}, "category"),
        ({"cadence": "yearly"}, "cadence"),
        ({"baseline": "10"}, "baseline"),
        ({"is_active": "yes"}, "is_active"),
        ({"name": ""}, "name"),
    ],
)
def test_field_rules_are_400_naming_the_field(
    cpo, api_as, own_product, overrides, field
):
    response = api_as(cpo).post(URL, new_kpi(own_product, **overrides))

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert not Kpi.objects.exists()


# --- read-only figures --------------------------------------------------------


def test_latest_attainment_and_stale_are_computed(cpo, api_as, own_kpi):
    now = timezone.now()
    MeasurementFactory(kpi=own_kpi, measured_at=now - timedelta(days=3), value=12.0)
    MeasurementFactory(kpi=own_kpi, measured_at=now - timedelta(days=1), value=17.5)

    body = api_as(cpo).get(detail(own_kpi)).json()

    assert body["latest"]["value"] == 17.5
    assert body["latest"]["measured_at"].startswith(
        (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    )
    assert body["attainment"] == pytest.approx(0.75)
    assert body["stale"] is False


def test_old_latest_measurement_makes_the_kpi_stale(cpo, api_as, own_kpi):
    MeasurementFactory(
        kpi=own_kpi, measured_at=timezone.now() - timedelta(days=15), value=20.0
    )

    body = api_as(cpo).get(detail(own_kpi)).json()

    assert (body["attainment"], body["stale"]) == (0.0, True)
    assert body["latest"]["value"] == 20.0


def test_patch_answer_carries_the_latest_measurement(cpo, api_as, own_kpi):
    MeasurementFactory(kpi=own_kpi, measured_at=timezone.now(), value=15.0)

    body = api_as(cpo).patch(detail(own_kpi), {"name": "Renamed"}).json()

    assert (body["latest"]["value"], body["attainment"], body["stale"]) == (
        15.0,
        0.5,
        False,
    )


def test_list_query_count_does_not_grow_with_kpis(cpo, api_as, own_product):
    client = api_as(cpo)

    def count_for_list():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(URL, {"page_size": 100})
        assert response.status_code == 200
        return len(ctx), response.json()["count"]

    for kpi in KpiFactory.create_batch(2, product=own_product):
        MeasurementFactory(kpi=kpi)
    small = count_for_list()
    for kpi in KpiFactory.create_batch(30, product=ProductFactory()):
        MeasurementFactory.create_batch(3, kpi=kpi)
    large = count_for_list()

    assert (small[1], large[1]) == (2, 32)
    assert small[0] == large[0]


@pytest.mark.parametrize(
    ("params", "keys"),
    [
        ({"category": "quality"}, ["quality"]),
        ({"is_active": "false"}, ["inactive"]),
        ({"is_active": "true"}, ["business", "quality"]),
    ],
)
def test_list_filters(cpo, api_as, own_product, params, keys):
    KpiFactory(product=own_product, key="business")
    KpiFactory(product=own_product, key="quality", category="quality")
    KpiFactory(product=own_product, key="inactive", is_active=False)

    response = api_as(cpo).get(URL, params)

    assert sorted(k["key"] for k in response.json()["results"]) == keys


def test_filter_by_product(cpo, api_as, own_kpi, other_kpi):
    response = api_as(cpo).get(URL, {"product": other_kpi.product_id})

    assert [k["id"] for k in response.json()["results"]] == [other_kpi.pk]


@pytest.mark.parametrize(
    "params", [{"is_active": "maybe"}, {"product": 999_999}, {"category": "finance"}]
)
def test_bad_filter_values_are_400(cpo, api_as, own_kpi, params):
    response = api_as(cpo).get(URL, params)

    assert response.status_code == 400
    assert list(response.json()) == list(params)


# --- delete and side effects --------------------------------------------------


def test_deleting_a_kpi_deletes_its_measurements(cpo, api_as, own_kpi):
    MeasurementFactory.create_batch(3, kpi=own_kpi)

    response = api_as(cpo).delete(detail(own_kpi))

    assert response.status_code == 204
    assert not Kpi.objects.filter(pk=own_kpi.pk).exists()
    assert not Measurement.objects.exists()


def test_a_product_with_kpis_cannot_be_deleted(cpo, api_as, own_kpi):
    response = api_as(cpo).delete(f"/api/v1/products/{own_kpi.product_id}/")

    assert response.status_code == 409
    assert "1 KPI" in response.json()["detail"]
    assert Kpi.objects.filter(pk=own_kpi.pk).exists()


def test_kpi_changes_tell_health_once_committed(
    cpo, api_as, own_kpi, django_capture_on_commit_callbacks
):
    received = []

    def receiver(sender, product_ids, **kwargs):
        received.append(product_ids)

    product_data_changed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            api_as(cpo).patch(detail(own_kpi), {"weight": 3.0})
    finally:
        product_data_changed.disconnect(receiver)

    assert received == [[own_kpi.product_id]]


def test_update_records_who_changed_it(pm, api_as, own_kpi):
    api_as(pm).patch(detail(own_kpi), {"name": "Checkout conversion"})

    record = own_kpi.history.first()
    assert (record.name, record.history_user) == ("Checkout conversion", pm)
