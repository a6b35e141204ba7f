"""Admin: KPIs inline under products, the measurements list, CSV export/import."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kpis.models import Kpi, Measurement
from tests.factories.kpis import KpiFactory, MeasurementFactory

pytestmark = pytest.mark.django_db

PRODUCT_CHANGE = "/admin/portfolio/product/{}/change/"
MEASUREMENTS = "/admin/kpis/measurement/"
IMPORT = "/admin/kpis/measurement/import-csv/"
T0 = datetime(2026, 2, 1, tzinfo=UTC)


def admin_client(user):
    client = Client()
    client.force_login(user)
    return client


def product_form(product, kpis=(), new=None):
    """The product change form with its KPI inline (management form included)."""
    data = {
        "name": product.name,
        "slug": product.slug,
        "product_line": "",
        "lifecycle_stage": product.lifecycle_stage,
        "horizon": product.horizon,
        "strategic_importance": product.strategic_importance,
        "annual_budget": "",
        "vision": product.vision,
        "problem": "",
        "value_proposition": "",
    }
    rows = [
        {
            "id": kpi.pk,
            "product": product.pk,
            "key": kpi.key,
            "name": kpi.name,
            "category": kpi.category,
            "unit": kpi.unit,
            "direction": kpi.direction,
            "baseline": kpi.baseline,
            "target": kpi.target,
            "cadence": kpi.cadence,
            "weight": kpi.weight,
            "objective": "",
            "is_active": "on",
        }
        for kpi in kpis
    ]
    if new:
        rows.append({"product": product.pk, "objective": "", "is_active": "on", **new})
    prefix = "kpis"
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": len(rows),
            f"{prefix}-INITIAL_FORMS": len(kpis),
            f"{prefix}-MIN_NUM_FORMS": 0,
            f"{prefix}-MAX_NUM_FORMS": 1000,
        }
    )
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"{prefix}-{i}-{key}"] = "" if value is None else value
    return data


NEW_KPI = {
    "key": "retention",
    "name": "Retention",
    "category": "customer",
    "unit": "%",
    "direction": "higher_is_better",
    "baseline": "80",
    "target": "90",
    "cadence": "monthly",
    "weight": "1",
}


# --- KPIs under products --------------------------------------------------------


def test_product_page_shows_its_kpis_inline(pm, own_kpi):
    page = admin_client(pm).get(PRODUCT_CHANGE.format(own_kpi.product_id))

    assert page.status_code == 200
    assert b'name="kpis-0-key"' in page.content
    assert b'value="conversion"' in page.content


def test_pm_adds_a_kpi_through_the_inline(pm, own_product):
    response = admin_client(pm).post(
        PRODUCT_CHANGE.format(own_product.pk), product_form(own_product, new=NEW_KPI)
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    kpi = Kpi.objects.get(product=own_product, key="retention")
    assert (kpi.baseline, kpi.target) == (80.0, 90.0)
    assert kpi.history.get().history_user == pm


def test_inline_rule_break_is_shown_and_saves_nothing(pm, own_product):
    bad = {**NEW_KPI, "target": "70"}

    response = admin_client(pm).post(
        PRODUCT_CHANGE.format(own_product.pk), product_form(own_product, new=bad)
    )

    assert response.status_code == 200
    assert "the target must lie above the baseline" in response.content.decode()
    assert not Kpi.objects.exists()


def test_inline_change_and_delete_go_through_the_services(pm, own_kpi):
    product = own_kpi.product
    second = KpiFactory(product=product, key="churn")
    data = product_form(product, kpis=[own_kpi, second])
    data["kpis-0-weight"] = "4"
    data["kpis-1-DELETE"] = "on"

    response = admin_client(pm).post(PRODUCT_CHANGE.format(product.pk), data)

    assert response.status_code == 302
    own_kpi.refresh_from_db()
    assert own_kpi.weight == 4.0
    assert own_kpi.history.first().history_user == pm
    assert not Kpi.objects.filter(pk=second.pk).exists()


def test_pm_sees_another_products_kpis_read_only(pm, other_kpi):
    page = admin_client(pm).get(PRODUCT_CHANGE.format(other_kpi.product_id))

    assert page.status_code == 200
    assert b'name="kpis-0-key"' not in page.content
    assert b"conversion" in page.content


def test_kpi_changelist_shows_latest_and_attainment(cpo, own_kpi):
    from django.utils import timezone

    # Fresh: the factory's moments reach back past staleness in a long run.
    MeasurementFactory(kpi=own_kpi, value=15.0, measured_at=timezone.now())

    page = admin_client(cpo).get("/admin/kpis/kpi/")

    assert page.status_code == 200
    text = page.content.decode()
    assert "15 %" in text
    assert "50%" in text


def test_pm_kpi_form_offers_only_their_products(pm, own_product, other_product):
    page = admin_client(pm).get("/admin/kpis/kpi/add/")

    assert page.status_code == 200
    assert b"Own product" in page.content
    assert b"Other product" not in page.content


# --- the measurements list ----------------------------------------------------


def test_measurements_list_query_count_is_flat_and_counts_are_capped(cpo, own_kpi):
    client = admin_client(cpo)
    MeasurementFactory.create_batch(3, kpi=own_kpi)
    client.get(MEASUREMENTS)  # warm up (sessions, content types)
    with CaptureQueriesContext(connection) as few:
        assert client.get(MEASUREMENTS).status_code == 200
    other = KpiFactory(product=own_kpi.product)
    MeasurementFactory.create_batch(60, kpi=other)
    with CaptureQueriesContext(connection) as many:
        page = client.get(MEASUREMENTS)

    assert page.status_code == 200
    assert len(few) == len(many)
    counts = [q["sql"] for q in many.captured_queries if "COUNT(" in q["sql"].upper()]
    assert counts and all("LIMIT 10001" in sql for sql in counts)


@pytest.mark.parametrize("param", ["product", "kpi"])
def test_measurements_list_filters_by_product_slug_or_kpi_id(
    cpo, own_kpi, other_kpi, param
):
    MeasurementFactory(kpi=own_kpi, value=111)
    MeasurementFactory(kpi=other_kpi, value=222)
    value = "own-product" if param == "product" else str(own_kpi.pk)

    page = admin_client(cpo).get(MEASUREMENTS, {param: value})

    text = page.content.decode()
    assert page.status_code == 200
    assert "111" in text
    assert "222" not in text


def test_admin_add_replaces_the_value_at_that_moment(cpo, own_kpi):
    MeasurementFactory(kpi=own_kpi, measured_at=T0, value=1.0)

    response = admin_client(cpo).post(
        f"{MEASUREMENTS}add/",
        {
            "kpi": own_kpi.pk,
            "measured_at_0": "2026-02-01",
            "measured_at_1": "00:00:00",
            "value": "2.5",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    measurement = Measurement.objects.get(kpi=own_kpi)
    assert (measurement.value, measurement.source) == (2.5, "manual")


def test_pm_cannot_add_a_measurement_to_another_product(pm, other_kpi):
    response = admin_client(pm).post(
        f"{MEASUREMENTS}add/",
        {
            "kpi": other_kpi.pk,
            "measured_at_0": "2026-02-01",
            "measured_at_1": "00:00:00",
            "value": "2.5",
        },
    )

    assert response.status_code == 200
    assert (
        "only write measurements of the products you manage"
        in response.content.decode()
    )
    assert not Measurement.objects.exists()


def test_delete_action_deletes_the_selected_measurements(cpo, own_kpi):
    rows = MeasurementFactory.create_batch(3, kpi=own_kpi)

    response = admin_client(cpo).post(
        MEASUREMENTS,
        {
            "action": "delete_selected",
            "_selected_action": [rows[0].pk, rows[1].pk],
            "post": "yes",
        },
    )

    assert response.status_code == 302
    assert list(Measurement.objects.values_list("pk", flat=True)) == [rows[2].pk]


# --- CSV export ---------------------------------------------------------------


def export_csv(client, **params):
    response = client.post(
        "/admin/kpis/measurement/export/",
        {"format": "0", "resource": "0", **params}
        | {
            f"measurementresource_{name}": "on"
            for name in ("product", "kpi_key", "measured_at", "value", "source")
        },
    )
    assert response.status_code == 200, response.content[:2000]
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_export_neutralises_formulas_and_keeps_numbers(cpo, own_product):
    kpi = KpiFactory(product=own_product, key="-sum")
    MeasurementFactory(kpi=kpi, measured_at=T0, value=-3.25)
    MeasurementFactory(kpi=kpi, measured_at=T0 + timedelta(days=1), value=0.1)

    rows = export_csv(admin_client(cpo))

    assert rows[0] == ["product", "kpi_key", "measured_at", "value", "source"]
    assert sorted(rows[1:]) == [
        ["own-product", "'-sum", "2026-02-01T00:00:00+00:00", "-3.25", "api"],
        ["own-product", "'-sum", "2026-02-02T00:00:00+00:00", "0.1", "api"],
    ]


# --- CSV import ---------------------------------------------------------------


def upload(client, text, name="m.csv"):
    return client.post(IMPORT, {"file": SimpleUploadedFile(name, text.encode())})


def test_import_writes_every_row_through_the_bulk_service(pm, own_kpi):
    text = (
        "product,kpi_key,measured_at,value\n"
        "own-product,conversion,2026-02-01,12.5\n"
        "own-product,conversion,2026-02-02T00:00:00Z,-1\n"
    )

    response = upload(admin_client(pm), text)

    assert response.status_code == 302
    assert list(
        Measurement.objects.order_by("measured_at").values_list("value", "source")
    ) == [(12.5, "import"), (-1.0, "import")]


def test_import_with_a_bad_line_writes_nothing_and_names_the_lines(
    pm, own_kpi, other_kpi
):
    text = (
        "product,kpi_key,measured_at,value\n"
        "own-product,conversion,2026-02-01,12.5\n"
        "own-product,conversion,2026-02-02,abc\n"
        "other-product,conversion,2026-02-03,1\n"
        "own-product,conversion,2026-02-01,13\n"
    )

    response = upload(admin_client(pm), text)

    assert response.status_code == 400
    html = response.content.decode()
    assert "Nothing was imported" in html
    assert html.count('class="import-error"') == 3
    assert "<td>3</td><td>value</td>" in html
    assert "<td>4</td><td>product</td>" in html
    assert "you do not manage it" in html
    assert "<td>5</td><td>measured_at</td>" in html
    assert not Measurement.objects.exists()


def test_export_then_import_round_trips(cpo, own_product):
    kpi = KpiFactory(product=own_product, key="-sum")
    MeasurementFactory(kpi=kpi, measured_at=T0, value=-3.25)
    client = admin_client(cpo)
    rows = export_csv(client)
    Measurement.objects.all().delete()
    out = io.StringIO()
    csv.writer(out).writerows(rows)

    response = upload(client, out.getvalue())

    assert response.status_code == 302
    assert list(Measurement.objects.values_list("kpi_id", "measured_at", "value")) == [
        (kpi.pk, T0, -3.25)
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("product,value\nx,1\n", "Missing column(s): kpi_key, measured_at."),
        (
            "product,kpi_key,measured_at,value\n"
            + "own-product,conversion,2026-01-01,1\n" * 10_001,
            "At most 10,000 rows per request; this one has 10,001.",
        ),
    ],
    ids=["missing-columns", "too-many-rows"],
)
def test_import_refuses_bad_files(cpo, own_kpi, text, message):
    response = upload(admin_client(cpo), text)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Measurement.objects.exists()


def test_import_page_is_refused_to_roles_without_measurement_writes(make_user):
    recruiter = make_user("recruiter")

    response = admin_client(recruiter).get(IMPORT)

    assert response.status_code == 403


def test_product_form_posted_without_kpi_rows_keeps_the_kpis(pm, own_kpi):
    data = product_form(own_kpi.product)
    for key in [k for k in data if k.startswith("kpis-")]:
        del data[key]
    data["vision"] = "Sharper"

    response = admin_client(pm).post(PRODUCT_CHANGE.format(own_kpi.product_id), data)

    assert response.status_code == 302
    own_kpi.product.refresh_from_db()
    assert own_kpi.product.vision == "Sharper"
    assert Kpi.objects.filter(pk=own_kpi.pk).exists()
