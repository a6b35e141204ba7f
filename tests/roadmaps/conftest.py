import pytest

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
def received_signal():
    """The product id lists sent with `product_data_changed`, in order."""
    from portfolio.signals import product_data_changed

    calls = []

    def receiver(sender, product_ids, **kwargs):
        calls.append(product_ids)

    product_data_changed.connect(receiver, weak=False)
    yield calls
    product_data_changed.disconnect(receiver)
