"""The health endpoints: product and portfolio health, history, policy, recompute."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from accounts.roles import ALL_ROLES
from health.models import HealthPolicy, ProductSnapshot, RecomputeRun
from tests.factories.portfolio import ProductFactory
from tests.health.test_engine import NOW, run_all, scored_product

pytestmark = pytest.mark.django_db

POLICY = {
    "weights": {"kpi": 0.5, "delivery": 0.3, "staffing": 0.2},
    "thresholds": {"healthy": 70.0, "at_risk": 40.0},
    "delivery_window_days": 180,
    "trend_days": 28,
}
OTHER_ROLES = [r for r in ALL_ROLES if r != "cpo"]


@pytest.mark.parametrize("role", ALL_ROLES)
def test_every_role_reads_a_products_health_with_its_explanation(api_as, users, role):
    product = scored_product()
    run_all()

    body = api_as(users[role]).get(f"/api/v1/products/{product.pk}/health/").json()

    assert (body["score"], body["status"], body["weakest"]) == (55.0, "at_risk", "kpi")
    assert body["computed_at"] == "2026-11-20T12:00:00Z"
    assert [c["name"] for c in body["components"]] == ["kpi", "delivery", "staffing"]
    assert body["components"][2]["details"][0]["gap"] == 1


def test_health_before_any_computation_is_unknown(api_as, users):
    product = ProductFactory()

    body = api_as(users["cpo"]).get(f"/api/v1/products/{product.pk}/health/").json()

    assert body == {
        "score": None,
        "status": "unknown",
        "computed_at": None,
        "trend": None,
        "weakest": None,
        "components": [],
    }


def test_health_of_a_missing_product_is_404(api_as, users):
    response = api_as(users["cpo"]).get("/api/v1/products/999999/health/")

    assert response.status_code == 404


def test_health_needs_credentials(api_client):
    product = ProductFactory()

    assert api_client.get(f"/api/v1/products/{product.pk}/health/").status_code == 401


def test_history_is_newest_first_and_filtered_by_since(api_as, users):
    product = scored_product()
    for days in (20, 10, 0):
        run_all(now=NOW - timedelta(days=days))
    client = api_as(users["executive"])
    url = f"/api/v1/products/{product.pk}/health/history/"

    everything = client.get(url).json()
    recent = client.get(url, {"since": "2026-11-05"}).json()

    assert everything["count"] == 3
    assert [e["computed_at"][:10] for e in everything["results"]] == [
        "2026-11-20",
        "2026-11-10",
        "2026-10-31",
    ]
    assert set(everything["results"][0]) == {"computed_at", "score", "status"}
    assert [e["computed_at"][:10] for e in recent["results"]] == [
        "2026-11-20",
        "2026-11-10",
    ]


def test_history_with_a_bad_since_is_400_naming_it(api_as, users):
    product = ProductFactory()

    response = api_as(users["cpo"]).get(
        f"/api/v1/products/{product.pk}/health/history/", {"since": "yesterday"}
    )

    assert response.status_code == 400
    assert response.json() == {
        "since": ["Use a date (2026-11-01) or an ISO 8601 timestamp."]
    }


def test_portfolio_health_after_a_run(api_as, users):
    scored_product("A")
    ProductFactory(name="B")  # no data: unknown
    run_all()

    body = api_as(users["integration"]).get("/api/v1/health/portfolio/").json()

    assert body["score"] == 55.0
    assert body["status"] == "at_risk"
    assert body["counts"] == {"healthy": 0, "at_risk": 1, "critical": 0, "unknown": 1}
    assert body["trend"] is None


def test_portfolio_health_before_any_run_counts_products_as_unknown(api_as, users):
    ProductFactory()
    ProductFactory(lifecycle_stage="retired")

    body = api_as(users["cpo"]).get("/api/v1/health/portfolio/").json()

    assert body["score"] is None and body["status"] == "unknown"
    assert body["counts"] == {"healthy": 0, "at_risk": 0, "critical": 0, "unknown": 1}


@pytest.mark.parametrize("role", ALL_ROLES)
def test_every_role_reads_the_policy(api_as, users, role):
    response = api_as(users[role]).get("/api/v1/health/policy/")

    assert response.status_code == 200
    assert response.json() == POLICY


def test_the_cpo_replaces_the_policy_and_a_full_recompute_runs(
    api_as, users, django_capture_on_commit_callbacks
):
    scored_product()
    new = {**POLICY, "weights": {"kpi": 1.0, "delivery": 0.0, "staffing": 0.0}}

    # At the moment the product's data was made for (its weekly KPI goes stale
    # 14 days after NOW - 1 day).
    with (
        time_machine.travel(NOW, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = api_as(users["cpo"]).put("/api/v1/health/policy/", new)

    assert response.status_code == 200
    assert response.json() == new
    assert HealthPolicy.objects.get().delivery_weight == 0.0
    assert ProductSnapshot.objects.get().score == 50.0  # the KPI alone
    assert RecomputeRun.objects.get().kind == "full"


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_only_the_cpo_changes_the_policy(api_as, users, role):
    response = api_as(users[role]).put("/api/v1/health/policy/", POLICY)

    assert response.status_code == 403
    assert response.json() == {"detail": "Your role does not allow this action."}


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        (
            {"weights": {"kpi": 0.0, "delivery": 0.0, "staffing": 0.0}},
            {"weights": ["At least one weight must be above 0."]},
        ),
        (
            {"weights": {"kpi": -0.5, "delivery": 0.3, "staffing": 0.2}},
            {"weights": {"kpi": ["Ensure this value is greater than or equal to 0."]}},
        ),
        (
            {"thresholds": {"healthy": 40.0, "at_risk": 70.0}},
            {
                "thresholds": [
                    "Thresholds must satisfy 0 ≤ at_risk < healthy ≤ 100 "
                    "(got at_risk 70, healthy 40)."
                ]
            },
        ),
        (
            {"thresholds": {"healthy": 170.0, "at_risk": 40.0}},
            {
                "thresholds": {
                    "healthy": ["Ensure this value is less than or equal to 100."]
                }
            },
        ),
        ({"trend_days": "28"}, {"trend_days": ["A valid integer is required."]}),
        ({"weights": None}, {"weights": ["This field may not be null."]}),
    ],
)
def test_a_bad_policy_is_400_naming_the_rule_and_nothing_changes(
    api_as, users, change, errors
):
    response = api_as(users["cpo"]).put("/api/v1/health/policy/", {**POLICY, **change})

    assert response.status_code == 400
    assert response.json() == errors
    assert HealthPolicy.objects.get_or_create(pk=1)[0].kpi_weight == 0.5


def test_a_policy_without_every_field_is_400(api_as, users):
    response = api_as(users["cpo"]).put(
        "/api/v1/health/policy/", {"weights": POLICY["weights"]}
    )

    assert response.status_code == 400
    assert response.json() == {
        "thresholds": ["This field is required."],
        "delivery_window_days": ["This field is required."],
        "trend_days": ["This field is required."],
    }


def test_recompute_answers_202_and_its_progress_reaches_total(
    api_as, users, django_capture_on_commit_callbacks
):
    scored_product("A")
    scored_product("B")
    client = api_as(users["cpo"])

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/health/recompute/", {})
    body = response.json()
    progress = client.get(body["status_url"]).json()

    assert response.status_code == 202
    assert (
        body["status_url"]
        == f"http://testserver/api/v1/health/tasks/{body['task_id']}/"
    )
    assert progress == {"state": "success", "done": 2, "total": 2}


def test_recompute_of_some_products(api_as, users, django_capture_on_commit_callbacks):
    a = scored_product("A")
    scored_product("B")

    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(users["cpo"]).post(
            "/api/v1/health/recompute/", {"products": [a.pk]}
        )

    run = RecomputeRun.objects.get(pk=response.json()["task_id"])
    assert (run.kind, run.total) == ("products", 1)
    assert list(ProductSnapshot.objects.values_list("product", flat=True)) == [a.pk]


def test_a_pending_run_reports_pending(api_as, users):
    scored_product()
    response = api_as(users["cpo"]).post("/api/v1/health/recompute/", {})

    progress = api_as(users["cpo"]).get(response.json()["status_url"]).json()

    assert progress == {"state": "pending", "done": 0, "total": 1}


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {"products": [999999]},
            {"products": ['Invalid pk "999999" - object does not exist.']},
        ),
        (
            {"products": "all"},
            {"products": ['Expected a list of items but got type "str".']},
        ),
    ],
)
def test_recompute_with_bad_products_is_400(api_as, users, body, errors):
    response = api_as(users["cpo"]).post("/api/v1/health/recompute/", body)

    assert response.status_code == 400
    assert response.json() == errors
    assert not RecomputeRun.objects.exists()


def test_recompute_of_a_retired_product_is_400(api_as, users):
    retired = ProductFactory(lifecycle_stage="retired")

    response = api_as(users["cpo"]).post(
        "/api/v1/health/recompute/", {"products": [retired.pk]}
    )

    assert response.status_code == 400
    assert response.json() == {
        "products": [f"Unknown or retired products: {retired.pk}."]
    }


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_only_the_cpo_recomputes(api_as, users, role):
    response = api_as(users[role]).post("/api/v1/health/recompute/", {})

    assert response.status_code == 403
    assert not RecomputeRun.objects.exists()


def test_an_unknown_task_id_is_404(api_as, users):
    response = api_as(users["cpo"]).get(f"/api/v1/health/tasks/{uuid.uuid4()}/")

    assert response.status_code == 404


def test_products_list_filters_and_sorts_by_the_stored_health(api_as, users):
    scored_product("Low", kpi_value=10.0)  # 30.0 critical
    scored_product("High", kpi_value=20.0)  # 80.0 healthy
    run_all()
    client = api_as(users["cpo"])

    critical = client.get("/api/v1/products/", {"health_status": "critical"}).json()
    ordered = client.get("/api/v1/products/", {"ordering": "-health_score"}).json()

    assert [p["name"] for p in critical["results"]] == ["Low"]
    assert [p["name"] for p in ordered["results"]] == ["High", "Low"]
    assert ordered["results"][0]["health"] == {
        "score": 80.0,
        "status": "healthy",
        "computed_at": "2026-11-20T12:00:00Z",
        "trend": None,
    }


def test_history_uses_snapshots_of_runs_in_time_order(api_as, users):
    product = scored_product()
    run_all(now=datetime(2026, 11, 1, tzinfo=UTC))

    body = (
        api_as(users["cpo"])
        .get(
            f"/api/v1/products/{product.pk}/health/history/",
            {"since": "2026-11-01T00:00:00Z"},
        )
        .json()
    )

    assert body["count"] == 1
