from datetime import timedelta

import pytest
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts import seed as accounts_seed
from portfolio import seed as portfolio_seed
from roadmaps import seed as roadmaps_seed
from roadmaps.models import Launch, Release, RoadmapItem, TargetDateChange

pytestmark = pytest.mark.django_db


def counts():
    return [m.objects.count() for m in (Release, RoadmapItem, Launch, TargetDateChange)]


def run_seed():
    ctx = {"password": "demo-pass-123"}
    for seed in (accounts_seed, portfolio_seed, roadmaps_seed):
        seed.seed_demo(ctx)
    return ctx


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The demo, seeded twice (once for the module: it takes seconds), rolled
    back after the module; the counts after each run."""
    with django_db_blocker.unblock(), transaction.atomic():
        run_seed()
        first = counts()
        ctx = run_seed()
        second = counts()
        yield {"first": first, "second": second, "ctx": ctx}
        transaction.set_rollback(True)


def test_seed_runs_twice_without_duplicating(seeded):
    assert seeded["first"] == seeded["second"]


def test_each_product_has_6_to_15_items_in_the_window(seeded):
    today = timezone.localdate()
    for product in seeded["ctx"]["products"]:
        dates = list(
            RoadmapItem.objects.filter(product=product).values_list(
                "target_date", flat=True
            )
        )
        assert 6 <= len(dates) <= 15, product.name
        assert all(
            today - timedelta(days=270 + 60) <= d <= today + timedelta(days=180 + 90)
            for d in dates
        )


def test_demo_mixes_on_time_late_overdue_and_slipped_items(seeded):
    today = timezone.localdate()
    done = RoadmapItem.objects.filter(status="done")
    on_time = [i for i in done if i.delivered_on <= i.target_date]
    late = [i for i in done if i.delivered_on > i.target_date]
    overdue = [i for i in RoadmapItem.objects.all() if i.is_overdue(today)]
    slipped = RoadmapItem.objects.filter(slip_count__gt=0)

    assert len(on_time) >= 10
    assert len(late) >= 5
    assert len(overdue) >= 5
    assert slipped.count() >= 10
    assert RoadmapItem.objects.filter(target_date__gt=today).count() >= 20
    assert RoadmapItem.objects.filter(depends_on__isnull=False).distinct().count() >= 5
    cross = RoadmapItem.objects.filter(depends_on__isnull=False).exclude(
        depends_on__product=F("product")
    )
    assert cross.exists()
    assert Release.objects.count() == 3 * len(seeded["ctx"]["products"])


def test_four_launches_in_different_states_with_checklists(seeded):
    launches = list(Launch.objects.all())

    assert len(launches) == 4
    assert {launch.status for launch in launches} == {
        "planned",
        "ready",
        "launched",
        "cancelled",
    }
    assert all(len(launch.checklist) == 6 for launch in launches)
    assert sorted(launch.readiness for launch in launches) == [1 / 6, 2 / 6, 5 / 6, 1.0]


def test_demo_roadmap_is_visible_through_the_api(seeded, api_as, users):
    body = api_as(users["executive"]).get("/api/v1/roadmap-items/?overdue=true").json()

    assert body["count"] >= 5
