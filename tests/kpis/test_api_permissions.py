"""Every role by every KPI endpoint and method → the expected status (SPEC §3)."""

import json

import pytest

from accounts.roles import ALL_ROLES
from kpis.models import Kpi, Measurement

ROLES = [*ALL_ROLES, "nobody", "anonymous"]
MOMENT = "2026-03-01T00:00:00Z"

# (action, target): "own" = under a product the PM manages; "other" = another PM's.
CASES = [
    ("kpi-list", "any"),
    ("kpi-retrieve", "any"),
    ("kpi-retrieve-missing", "any"),
    ("kpi-create", "own"),
    ("kpi-create", "other"),
    ("kpi-patch", "own"),
    ("kpi-patch", "other"),
    ("kpi-put", "own"),
    ("kpi-put", "other"),
    ("kpi-delete", "own"),
    ("kpi-delete", "other"),
    ("measurement-list", "any"),
    ("measurement-post", "own"),
    ("measurement-post", "other"),
    ("bulk", "own"),
    ("bulk", "other"),
]
SUCCESS = {
    "kpi-list": 200,
    "kpi-retrieve": 200,
    "kpi-retrieve-missing": 404,
    "kpi-create": 201,
    "kpi-patch": 200,
    "kpi-put": 200,
    "kpi-delete": 204,
    "measurement-list": 200,
    "measurement-post": 201,
    "bulk": 200,
}
READS = {"kpi-list", "kpi-retrieve", "kpi-retrieve-missing", "measurement-list"}
MEASUREMENT_WRITES = {"measurement-post", "bulk"}


def expected_status(role, action, target):
    if role == "anonymous":
        return 401
    if role == "nobody":
        return 403
    if action in READS or role == "cpo":
        return SUCCESS[action]
    if role == "integration" and action in MEASUREMENT_WRITES:
        return SUCCESS[action]
    if role == "product_manager":
        if target == "own":
            return SUCCESS[action]
        # Another PM's product: a 403 for one object, a row error in a batch.
        return 400 if action == "bulk" else 403
    return 403


def kpi_body(product, key="new-kpi"):
    return {
        "product": product.pk,
        "key": key,
        "name": "New KPI",
        "category": "quality",
        "direction": "lower_is_better",
        "baseline": 5.0,
        "target": 1.0,
        "cadence": "daily",
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("action", "target"), CASES)
def test_permission_matrix(
    role, action, target, users, api_as, api_client, own_kpi, other_kpi
):
    client = api_client if role == "anonymous" else api_as(users[role])
    kpi = own_kpi if target in ("own", "any") else other_kpi
    detail = f"/api/v1/kpis/{kpi.pk}/"
    measurements = f"/api/v1/kpis/{kpi.pk}/measurements/"
    kpis_before = Kpi.objects.count()

    if action == "kpi-list":
        response = client.get("/api/v1/kpis/")
    elif action == "kpi-retrieve":
        response = client.get(detail)
    elif action == "kpi-retrieve-missing":
        response = client.get("/api/v1/kpis/999999/")
    elif action == "kpi-create":
        response = client.post("/api/v1/kpis/", kpi_body(kpi.product))
    elif action == "kpi-patch":
        response = client.patch(detail, {"name": "Renamed"})
    elif action == "kpi-put":
        response = client.put(detail, kpi_body(kpi.product, key=kpi.key))
    elif action == "kpi-delete":
        response = client.delete(detail)
    elif action == "measurement-list":
        response = client.get(measurements)
    elif action == "measurement-post":
        response = client.post(measurements, {"measured_at": MOMENT, "value": 1.5})
    else:
        body = {"measurements": [{"kpi": kpi.pk, "measured_at": MOMENT, "value": 1.5}]}
        response = client.post(
            "/api/v1/measurements/bulk/",
            json.dumps(body),
            content_type="application/json",
        )

    want = expected_status(role, action, target)
    assert response.status_code == want, response.content
    wrote = want in (200, 201, 204) and action not in READS
    if action in MEASUREMENT_WRITES:
        assert Measurement.objects.filter(kpi=kpi).exists() == wrote
    if action == "kpi-create":
        assert Kpi.objects.count() == kpis_before + (1 if wrote else 0)
    if action == "kpi-delete":
        assert Kpi.objects.filter(pk=kpi.pk).exists() == (not wrote)
    if action == "kpi-patch":
        kpi.refresh_from_db()
        assert (kpi.name == "Renamed") == wrote
    if action == "measurement-list" and want == 200:
        assert response.json()["results"] == []


@pytest.mark.parametrize("role", ["executive", "recruiter", "integration"])
def test_roles_that_define_no_kpis_get_the_role_message(role, users, api_as, own_kpi):
    response = api_as(users[role]).patch(f"/api/v1/kpis/{own_kpi.pk}/", {"name": "X"})

    assert response.status_code == 403
    assert response.json() == {"detail": "Your role does not allow this action."}
