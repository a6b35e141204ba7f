import pytest
from django.core.management import call_command

from accounts import seed as accounts_seed
from portfolio import seed as portfolio_seed
from portfolio.models import Insight, Objective, Product, ProductLine, Segment

pytestmark = pytest.mark.django_db


def counts():
    return [
        m.objects.count() for m in (ProductLine, Objective, Segment, Product, Insight)
    ]


def run_seed():
    ctx = {"password": "demo-pass-123"}
    accounts_seed.seed_demo(ctx)
    portfolio_seed.seed_demo(ctx)
    return ctx


def test_seed_builds_the_demo_portfolio():
    ctx = run_seed()

    assert counts()[:4] == [3, 4, 5, 12]
    assert counts()[4] >= 30
    assert len(ctx["products"]) == 12
    stages = set(Product.objects.values_list("lifecycle_stage", flat=True))
    assert stages == {s.value for s in Product.LifecycleStage}
    assert set(Product.objects.values_list("horizon", flat=True)) == {"h1", "h2", "h3"}
    pms = {ctx["demo_users"]["pm"], ctx["demo_users"]["pm2"]}
    assert all(set(p.managers.all()) & pms for p in Product.objects.all())
    assert not Product.objects.filter(vision="").exists()
    assert not Product.objects.filter(value_proposition="").exists()


def test_seed_runs_twice_without_duplicating():
    run_seed()
    first = counts()

    ctx = run_seed()

    assert counts() == first
    assert len(ctx["products"]) == 12


def test_seed_demo_command_runs_twice():
    call_command("seed_demo", password="demo-pass-123", stdout=None)
    first = counts()
    call_command("seed_demo", password="demo-pass-123")

    assert counts() == first
    assert first[3] == 12
