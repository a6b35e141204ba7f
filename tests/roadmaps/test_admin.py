"""The roadmap admin: inline under the product, the item list, bulk actions, CSV."""

from datetime import date

import pytest
import tablib
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from roadmaps import services
from roadmaps.models import Launch, Release, RoadmapItem
from roadmaps.resources import RoadmapItemResource
from tests.factories.roadmaps import LaunchFactory, ReleaseFactory, RoadmapItemFactory

pytestmark = pytest.mark.django_db

ITEMS = "/admin/roadmaps/roadmapitem/"


def admin_client(user):
    client = Client()
    client.force_login(user)
    return client


# --- inline under the product -----------------------------------------------------


def product_form(product, **overrides):
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
    data.update(overrides)
    return data


def inline_management(total, initial):
    prefix = "roadmap_items"
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def inline_row(index, item=None, **fields):
    row = {
        "title": "",
        "kind": "feature",
        "status": "planned",
        "timeframe": "next",
        "start_date": "",
        "target_date": "",
        "delivered_on": "",
        **fields,
    }
    data = {f"roadmap_items-{index}-{k}": v for k, v in row.items()}
    data[f"roadmap_items-{index}-id"] = item.pk if item else ""
    data[f"roadmap_items-{index}-product"] = ""
    return data


def test_product_page_shows_its_roadmap_inline(pm, own_product):
    RoadmapItemFactory(product=own_product, title="Wallet payments")

    page = admin_client(pm).get(f"/admin/portfolio/product/{own_product.pk}/change/")

    assert page.status_code == 200
    assert b"Roadmap items" in page.content
    assert b'value="Wallet payments"' in page.content


def test_pm_adds_and_slips_items_inline_through_the_services(pm, own_product):
    item = RoadmapItemFactory(product=own_product, title="Old", status="planned")
    url = f"/admin/portfolio/product/{own_product.pk}/change/"
    data = {
        **product_form(own_product),
        **inline_management(2, 1),
        **inline_row(
            0,
            item,
            title="Old",
            target_date="2026-02-15",
            status="done",
        ),
        **inline_row(1, title="New inline item", target_date="2026-06-01"),
    }

    response = admin_client(pm).post(url, data)

    assert response.status_code == 302, response.context["errors"]
    item.refresh_from_db()
    assert item.status == "done" and item.delivered_on is not None
    assert (item.slip_count, item.slip_days) == (1, 31)
    new = RoadmapItem.objects.get(title="New inline item")
    assert new.product == own_product
    assert new.history.first().history_user == pm
    assert new.target_date_changes.get().new_date == date(2026, 6, 1)


def test_inline_rule_break_shows_on_the_form_and_saves_nothing(pm, own_product):
    url = f"/admin/portfolio/product/{own_product.pk}/change/"
    data = {
        **product_form(own_product),
        **inline_management(1, 0),
        **inline_row(
            0, title="Backwards", start_date="2026-05-01", target_date="2026-04-01"
        ),
    }

    response = admin_client(pm).post(url, data)

    assert response.status_code == 200
    assert "The target date must be on or after the start date." in (
        response.content.decode()
    )
    assert not RoadmapItem.objects.exists()


def test_inline_is_read_only_on_a_product_the_pm_does_not_manage(pm, other_product):
    RoadmapItemFactory(product=other_product, title="Theirs")

    page = admin_client(pm).get(f"/admin/portfolio/product/{other_product.pk}/change/")

    assert page.status_code == 200
    assert b"Theirs" in page.content
    assert b'name="roadmap_items-0-title"' not in page.content


# --- the item changelist ----------------------------------------------------------


@time_machine.travel("2026-03-02 12:00:00Z", tick=False)
@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ("overdue=yes", ["late"]),
        ("overdue=no", ["done", "future"]),
        ("status__exact=done", ["done"]),
        ("timeframe__exact=now", ["late"]),
        ("product__id__exact={other}", ["future"]),
        ("q=fut", ["future"]),
    ],
)
def test_item_list_filters(query, titles, cpo, own_product, other_product):
    RoadmapItemFactory(
        product=own_product,
        title="late",
        status="in_progress",
        timeframe="now",
        target_date=date(2026, 2, 1),
    )
    RoadmapItemFactory(
        product=own_product, title="done", status="done", target_date=date(2026, 2, 1)
    )
    RoadmapItemFactory(
        product=other_product, title="future", target_date=date(2026, 6, 1)
    )

    page = admin_client(cpo).get(f"{ITEMS}?{query.format(other=other_product.pk)}")

    assert page.status_code == 200
    assert sorted(i.title for i in page.context["cl"].result_list) == titles


def test_item_list_queries_do_not_grow_with_rows(cpo, own_product):
    RoadmapItemFactory.create_batch(3, product=own_product)
    client = admin_client(cpo)
    client.get(ITEMS)  # warm up the session and content types
    with CaptureQueriesContext(connection) as small:
        client.get(ITEMS)
    RoadmapItemFactory.create_batch(30, product=own_product)
    with CaptureQueriesContext(connection) as large:
        client.get(ITEMS)

    assert len(small.captured_queries) == len(large.captured_queries)


def bulk(client, action, items):
    return client.post(
        ITEMS,
        {"action": action, "_selected_action": [i.pk for i in items]},
        follow=True,
    )


@time_machine.travel("2026-03-02 12:00:00Z", tick=False)
def test_mark_done_action_goes_through_the_services(pm, own_product):
    items = RoadmapItemFactory.create_batch(2, product=own_product)

    response = bulk(admin_client(pm), "mark_done", items)

    assert response.status_code == 200
    assert "2 of 2 items changed." in response.content.decode()
    for item in items:
        item.refresh_from_db()
        assert (item.status, item.delivered_on) == ("done", date(2026, 3, 2))
        assert item.history.first().history_user == pm


def test_mark_done_action_refuses_another_products_item_and_changes_nothing(
    pm, own_product, other_product
):
    mine = RoadmapItemFactory(product=own_product, title="Mine")
    theirs = RoadmapItemFactory(product=other_product, title="Theirs")

    response = bulk(admin_client(pm), "mark_done", [mine, theirs])

    assert (
        "You may only change items of the products you manage; not: Theirs."
        in response.content.decode()
    )
    assert set(RoadmapItem.objects.values_list("status", flat=True)) == {"planned"}


def test_move_to_next_timeframe_action(cpo, own_product):
    now = RoadmapItemFactory(product=own_product, timeframe="now")
    later = RoadmapItemFactory(product=own_product, timeframe="later")

    response = bulk(admin_client(cpo), "move_to_next_timeframe", [now, later])

    assert "1 of 2 items changed." in response.content.decode()
    now.refresh_from_db()
    later.refresh_from_db()
    assert (now.timeframe, later.timeframe) == ("next", "later")


def test_move_action_refused_for_a_pm_on_another_product(pm, other_product):
    theirs = RoadmapItemFactory(product=other_product, timeframe="now")

    bulk(admin_client(pm), "move_to_next_timeframe", [theirs])

    theirs.refresh_from_db()
    assert theirs.timeframe == "now"


@pytest.mark.parametrize("role", ["executive", "integration", "recruiter"])
def test_roles_without_roadmap_admin_cannot_open_it(role, users):
    response = admin_client(users[role]).get(ITEMS)

    assert response.status_code in {302, 403}


# --- the item change form -----------------------------------------------------------


def item_form(item, **overrides):
    data = {
        "product": item.product_id,
        "title": item.title,
        "description": "",
        "kind": item.kind,
        "status": item.status,
        "timeframe": item.timeframe,
        "start_date": "",
        "target_date": item.target_date.isoformat() if item.target_date else "",
        "delivered_on": item.delivered_on.isoformat() if item.delivered_on else "",
        "release": "",
        "objective": "",
        "reach": "",
        "impact": "",
        "confidence": "",
        "effort": "",
    }
    data.update(overrides)
    return data


def test_dependency_cycle_shows_on_the_change_form(cpo, own_product):
    a = RoadmapItemFactory(product=own_product, title="A")
    b = RoadmapItemFactory(product=own_product, title="B", depends_on=[a])

    response = admin_client(cpo).post(
        f"{ITEMS}{a.pk}/change/", item_form(a, depends_on=[b.pk])
    )

    assert response.status_code == 200
    assert "This would create a dependency cycle: A → B → A." in (
        response.content.decode()
    )
    assert not a.depends_on.exists()


def test_pm_cannot_change_another_products_item_in_the_admin(pm, other_product):
    item = RoadmapItemFactory(product=other_product, title="Theirs")

    page = admin_client(pm).get(f"{ITEMS}{item.pk}/change/")
    response = admin_client(pm).post(
        f"{ITEMS}{item.pk}/change/", item_form(item, title="Mine")
    )

    assert page.status_code == 200
    assert b'name="title"' not in page.content
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.title == "Theirs"


def test_item_change_form_shows_the_date_history(cpo, own_product):
    item = services.roadmap_item_create(
        actor=cpo, product=own_product, title="Dated", target_date=date(2026, 3, 1)
    )
    services.roadmap_item_update(
        item=item, actor=cpo, data={"target_date": date(2026, 3, 11)}
    )

    page = admin_client(cpo).get(f"{ITEMS}{item.pk}/change/")

    assert "2026-03-01 → 2026-03-11 (+10 days)" in page.content.decode()


def test_launch_release_of_another_product_shows_on_the_form(
    cpo, own_product, other_product
):
    launch = LaunchFactory(product=own_product)
    release = ReleaseFactory(product=other_product)

    response = admin_client(cpo).post(
        f"/admin/roadmaps/launch/{launch.pk}/change/",
        {
            "product": own_product.pk,
            "name": launch.name,
            "release": release.pk,
            "launch_date": "2026-04-01",
            "status": "planned",
            "channels": '["email"]',
            "checklist": "[]",
            "notes": "",
        },
    )

    assert response.status_code == 200
    assert "The release belongs to another product." in response.content.decode()
    launch.refresh_from_db()
    assert launch.release is None


def test_pm_adds_a_release_only_under_a_product_they_manage(
    pm, own_product, other_product
):
    client = admin_client(pm)
    form = {"name": "2026.5", "target_date": "2026-05-01", "shipped_on": ""}

    refused = client.post(
        "/admin/roadmaps/release/add/", {**form, "product": other_product.pk}
    )
    accepted = client.post(
        "/admin/roadmaps/release/add/", {**form, "product": own_product.pk}
    )

    assert refused.status_code == 200  # not a choice offered to them
    assert accepted.status_code == 302
    assert list(Release.objects.values_list("product", flat=True)) == [own_product.pk]


def test_launch_list_shows_readiness(cpo, own_product):
    LaunchFactory(product=own_product, name="Half ready")

    page = admin_client(cpo).get("/admin/roadmaps/launch/")

    assert page.status_code == 200
    assert "50%" in page.content.decode()
    assert Launch.objects.count() == 1


# --- CSV ---------------------------------------------------------------------------


def import_csv(text, user, dry_run=False):
    dataset = tablib.Dataset().load(text, format="csv")
    return RoadmapItemResource().import_data(dataset, dry_run=dry_run, user=user)


def test_item_csv_round_trips(cpo, own_product):
    base = RoadmapItemFactory(product=own_product, title="Base")
    RoadmapItemFactory(
        product=own_product,
        title="=SUM(A1)",
        depends_on=[base],
        reach=100,
        impact=2.0,
        confidence=50,
        effort=1.0,
    )
    text = RoadmapItemResource().export().csv

    result = import_csv(text, cpo)

    assert "'=SUM(A1)" in text
    assert ",100.0," in text  # the RICE score, exported read-only
    assert not result.has_errors() and not result.has_validation_errors()
    assert result.totals["skip"] == 2


def test_item_csv_import_creates_through_the_services(
    pm, own_product, received_signal, django_capture_on_commit_callbacks
):
    text = (
        "product,title,status,timeframe,target_date,impact,reach,confidence,effort\n"
        f"{own_product.slug},Imported,done,now,2026-02-01,2,10,100,1\n"
    )

    with django_capture_on_commit_callbacks(execute=True):
        result = import_csv(text, pm)

    assert not result.has_errors() and not result.has_validation_errors()
    item = RoadmapItem.objects.get(title="Imported")
    assert item.delivered_on is not None  # done → delivered today
    assert item.compute_rice_score() == 20.0
    assert item.history.first().history_user == pm
    assert item.target_date_changes.count() == 1
    assert received_signal == [[own_product.pk]]


def test_pm_csv_import_under_another_product_is_refused(pm, other_product):
    text = f"product,title\n{other_product.slug},Sneaky\n"

    result = import_csv(text, pm)

    assert result.has_errors()
    errors = [str(e.error) for _, row in result.row_errors() for e in row]
    assert "You may only write roadmaps of the products you manage." in errors[0]
    assert not RoadmapItem.objects.exists()


def test_csv_import_reports_a_broken_rule(cpo, own_product):
    text = (
        "product,title,status,delivered_on\n"
        f"{own_product.slug},Not done,planned,2026-01-01\n"
    )

    result = import_csv(text, cpo)

    assert result.has_validation_errors()
    assert "delivered_on" in result.invalid_rows[0].error_dict
    assert not RoadmapItem.objects.exists()


def test_product_form_posted_without_roadmap_rows_keeps_the_roadmap(pm, own_product):
    item = RoadmapItemFactory(product=own_product, title="Kept")

    response = admin_client(pm).post(
        f"/admin/portfolio/product/{own_product.pk}/change/",
        product_form(own_product, vision="Sharper"),
    )

    assert response.status_code == 302
    own_product.refresh_from_db()
    assert own_product.vision == "Sharper"
    assert RoadmapItem.objects.get().title == item.title
