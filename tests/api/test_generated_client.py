"""A Python client generated from /api/schema/ works as generated (no hand-set
prefix, no type casts): openapi-python-client, driven against a live server.

Later areas add their calls here (bulk measurements, health, funnel).
"""

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.api.schema_check import served_schema

PACKAGE = "cpo_api_client"


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    """The generated client package, imported."""
    root = tmp_path_factory.mktemp("client")
    schema_file = root / "schema.json"
    schema_file.write_text(json.dumps(served_schema()))
    config = root / "config.yaml"
    config.write_text("post_hooks: []\n")
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("openapi-python-client")),
            "generate",
            "--path",
            str(schema_file),
            "--meta",
            "none",
            "--output-path",
            str(root / PACKAGE),
            "--config",
            str(config),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # Every operation generated: a skipped one is printed as a warning.
    assert "Warning" not in result.stdout, result.stdout
    sys.path.insert(0, str(root))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(root))
        for name in [m for m in sys.modules if m.startswith(PACKAGE)]:
            del sys.modules[name]


def module(api, name):
    return importlib.import_module(f"{PACKAGE}.{name}")


@pytest.fixture
def cpo(make_user):
    return make_user("cpo", username="camille")


@pytest.fixture
def client(api, live_server, cpo, password):
    """An AuthenticatedClient built from a token the generated client obtained."""
    login = module(api, "api.auth.auth_token_create")
    models = module(api, "models")
    # Closed at the end: a kept-alive connection would outlive the test's
    # database (the live server answers each connection in a thread).
    with api.Client(base_url=live_server.url) as anonymous:
        issued = login.sync(
            client=anonymous,
            body=models.CredentialsRequest(username="camille", password=password),
        )
    assert isinstance(issued, models.TokenResponse)
    with api.AuthenticatedClient(base_url=live_server.url, token=issued.token) as c:
        yield c


def test_generated_client_logs_in_and_reads_me(api, client, cpo):
    me = module(api, "api.users.users_me_retrieve").sync(client=client)

    assert me.id == cpo.pk
    assert me.username == "camille"
    assert me.roles == ["cpo"]


def test_generated_client_lists_products_with_a_filter_and_a_page(api, client):
    from tests.factories.portfolio import ProductFactory

    for n in range(3):
        ProductFactory(name=f"Growth {n}", lifecycle_stage="growth")
    ProductFactory(name="Old", lifecycle_stage="decline")
    products_list = module(api, "api.products.products_list")
    models = module(api, "models")

    page = products_list.sync(
        client=client,
        lifecycle_stage=models.ProductsListLifecycleStage.GROWTH,
        ordering=models.ProductsListOrdering.NAME,
        page=2,
        page_size=2,
    )

    assert isinstance(page, models.PaginatedProductList)
    assert page.count == 3
    assert page.next_ is None  # `next` is a builtin: the generator appends "_"
    assert page.previous is not None
    assert [p.name for p in page.results] == ["Growth 2"]
    assert page.results[0].health.status.value == "unknown"


def test_generated_client_creates_patches_and_deletes_a_product(api, client):
    from portfolio.models import Product

    models = module(api, "models")
    products = "api.products.products_"

    created = module(api, products + "create").sync(
        client=client,
        body=models.ProductRequest(name="Atlas", annual_budget="1200.50"),
    )
    patched = module(api, products + "partial_update").sync(
        created.id,
        client=client,
        body=models.PatchedProductRequest(annual_budget=None, strategic_importance=5),
    )
    deleted = module(api, products + "destroy").sync_detailed(created.id, client=client)

    assert isinstance(created, models.Product)
    assert (created.slug, created.annual_budget) == ("atlas", "1200.50")
    assert (patched.annual_budget, patched.strategic_importance) == (None, 5)
    assert deleted.status_code == 204
    assert not Product.objects.filter(pk=created.id).exists()


def test_generated_client_reads_a_400_as_typed_validation_errors(api, client):
    models = module(api, "models")

    response = module(api, "api.products.products_create").sync_detailed(
        client=client, body=models.ProductRequest(name="", strategic_importance=9)
    )

    assert response.status_code == 400
    assert isinstance(response.parsed, models.ValidationErrors)
    assert response.parsed["name"] == ["This field may not be blank."]
    assert response.parsed["strategic_importance"] == [
        "Ensure this value is less than or equal to 5."
    ]


def test_generated_client_reads_a_404_as_an_error_detail(api, client):
    models = module(api, "models")

    response = module(api, "api.products.products_retrieve").sync_detailed(
        999999, client=client
    )

    assert response.status_code == 404
    assert isinstance(response.parsed, models.ErrorDetail)
    assert response.parsed.detail == "No Product matches the given query."


def test_generated_client_pushes_bulk_measurements_by_product_and_key(api, client):
    from kpis.models import Measurement
    from tests.factories.kpis import KpiFactory

    kpi = KpiFactory(key="nps")
    models = module(api, "models")
    rows = [
        models.BulkMeasurementRowRequest(
            product=kpi.product.slug,
            kpi_key="nps",
            measured_at=f"2026-11-0{day}",
            value=30.0 + day,
        )
        for day in (1, 2)
    ]

    result = module(api, "api.measurements.measurements_bulk_create").sync(
        client=client, body=models.BulkMeasurementsRequest(measurements=rows)
    )

    assert isinstance(result, models.BulkMeasurementsResult)
    assert (result.created, result.updated, result.errors) == (2, 0, [])
    assert Measurement.objects.filter(kpi=kpi).count() == 2


def test_generated_client_recomputes_and_reads_progress_and_portfolio(api, client):
    from django.utils import timezone

    from tests.factories.kpis import KpiFactory, MeasurementFactory

    MeasurementFactory(
        kpi=KpiFactory(baseline=0, target=100), value=80.0, measured_at=timezone.now()
    )
    models = module(api, "models")
    health = "api.health.health_"

    accepted = module(api, health + "recompute_create").sync(
        client=client, body=models.RecomputeRequest()
    )
    progress = module(api, health + "tasks_retrieve").sync(
        accepted.task_id, client=client
    )
    portfolio = module(api, health + "portfolio_retrieve").sync(client=client)

    assert isinstance(accepted, models.RecomputeAccepted)
    assert (progress.state.value, progress.done, progress.total) == ("success", 1, 1)
    assert (portfolio.score, portfolio.status.value) == (80.0, "healthy")
    assert portfolio.counts.healthy == 1


def test_generated_client_reads_the_hiring_funnel(api, client):
    from tests.factories.hiring import ApplicationFactory

    ApplicationFactory()
    models = module(api, "models")

    funnel = module(api, "api.hiring.hiring_funnel_retrieve").sync(client=client)

    assert isinstance(funnel, models.Funnel)
    assert [s.stage.value for s in funnel.stages][:2] == ["applied", "screening"]
    assert (funnel.stages[0].current, funnel.stages[0].reached) == (1, 1)
    assert funnel.median_time_to_fill_days is None
    assert funnel.open_positions_by_age.field_0_30 == 1  # opened 10 days ago
