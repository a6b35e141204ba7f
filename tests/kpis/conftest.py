import pytest

from tests.factories.kpis import KpiFactory
from tests.factories.portfolio import ProductFactory


@pytest.fixture
def pm(users):
    return users["product_manager"]


@pytest.fixture
def cpo(users):
    return users["cpo"]


@pytest.fixture
def own_product(pm):
    """A product the `product_manager` user manages."""
    return ProductFactory(name="Own product", slug="own-product", managers=[pm])


@pytest.fixture
def other_product(make_user):
    """A product managed by another product manager."""
    other_pm = make_user("product_manager", username="other-pm")
    return ProductFactory(
        name="Other product", slug="other-product", managers=[other_pm]
    )


@pytest.fixture
def own_kpi(own_product):
    return KpiFactory(product=own_product, key="conversion", name="Conversion")


@pytest.fixture
def other_kpi(other_product):
    return KpiFactory(product=other_product, key="conversion", name="Conversion")
