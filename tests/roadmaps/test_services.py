"""Roadmap services: each rule, slips, RICE, dependencies, bulk moves, the signal."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from roadmaps import services
from roadmaps.models import RoadmapItem, TargetDateChange, rice_score
from roadmaps.selectors import RICE_SCORE
from tests.factories.roadmaps import ReleaseFactory, RoadmapItemFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 2)


def create(actor, product, **fields):
    return services.roadmap_item_create(
        actor=actor, product=product, title=fields.pop("title", "Item"), **fields
    )


def update(item, actor, today=TODAY, **data):
    return services.roadmap_item_update(item=item, actor=actor, data=data, today=today)


# --- delivered_on and status ------------------------------------------------------


def test_moving_to_done_without_delivered_on_sets_today(cpo, own_product):
    item = create(cpo, own_product, status="in_progress")

    update(item, cpo, status="done")

    item.refresh_from_db()
    assert (item.status, item.delivered_on) == ("done", TODAY)


def test_moving_to_done_keeps_a_given_delivered_on(cpo, own_product):
    item = create(cpo, own_product, status="in_progress")

    update(item, cpo, status="done", delivered_on=date(2026, 2, 20))

    item.refresh_from_db()
    assert item.delivered_on == date(2026, 2, 20)


def test_leaving_done_without_sending_delivered_on_clears_it(cpo, own_product):
    item = create(cpo, own_product, status="done", delivered_on=date(2026, 2, 1))

    update(item, cpo, status="in_progress")

    item.refresh_from_db()
    assert (item.status, item.delivered_on) == ("in_progress", None)


def test_leaving_done_while_sending_delivered_on_is_refused(cpo, own_product):
    item = create(cpo, own_product, status="done", delivered_on=date(2026, 2, 1))

    with pytest.raises(ValidationError) as exc:
        update(item, cpo, status="planned", delivered_on=date(2026, 2, 1))

    assert exc.value.message_dict == {"delivered_on": [services.MSG_DELIVERED_NOT_DONE]}
    item.refresh_from_db()
    assert (item.status, item.delivered_on) == ("done", date(2026, 2, 1))


def test_delivered_on_on_an_open_item_is_refused(cpo, own_product):
    with pytest.raises(ValidationError) as exc:
        create(cpo, own_product, status="planned", delivered_on=date(2026, 2, 1))

    assert exc.value.message_dict == {"delivered_on": [services.MSG_DELIVERED_NOT_DONE]}
    assert not RoadmapItem.objects.exists()


def test_delivered_on_in_the_future_is_refused(cpo, own_product):
    with pytest.raises(ValidationError) as exc:
        create(
            cpo,
            own_product,
            status="done",
            delivered_on=TODAY + timedelta(days=2),
            today=TODAY,
        )

    assert exc.value.message_dict == {"delivered_on": [services.MSG_DELIVERED_FUTURE]}
    assert not RoadmapItem.objects.exists()


def test_target_before_start_is_refused(cpo, own_product):
    with pytest.raises(ValidationError) as exc:
        create(
            cpo,
            own_product,
            start_date=date(2026, 3, 1),
            target_date=date(2026, 2, 28),
        )

    assert exc.value.message_dict == {"target_date": [services.MSG_TARGET_BEFORE_START]}
    assert not RoadmapItem.objects.exists()


def test_target_before_a_stored_start_is_refused_on_update(cpo, own_product):
    item = create(cpo, own_product, start_date=date(2026, 3, 1))

    with pytest.raises(ValidationError) as exc:
        update(item, cpo, target_date=date(2026, 1, 1))

    assert exc.value.message_dict == {"target_date": [services.MSG_TARGET_BEFORE_START]}
    assert not TargetDateChange.objects.exists()


def test_release_of_another_product_is_refused(cpo, own_product, other_product):
    release = ReleaseFactory(product=other_product)

    with pytest.raises(ValidationError) as exc:
        create(cpo, own_product, release=release)

    assert exc.value.message_dict == {"release": [services.MSG_RELEASE_PRODUCT]}
    assert not RoadmapItem.objects.exists()


def test_moving_an_item_to_another_product_checks_its_release(
    cpo, own_product, other_product
):
    item = create(cpo, own_product, release=ReleaseFactory(product=own_product))

    with pytest.raises(ValidationError) as exc:
        update(item, cpo, product=other_product)

    assert exc.value.message_dict == {"release": [services.MSG_RELEASE_PRODUCT]}
    item.refresh_from_db()
    assert item.product == own_product


# --- dependencies -----------------------------------------------------------------


def test_self_dependency_is_refused(cpo, own_product):
    item = RoadmapItemFactory(product=own_product)

    with pytest.raises(ValidationError) as exc:
        update(item, cpo, depends_on=[item])

    assert exc.value.message_dict == {"depends_on": [services.MSG_SELF_DEPENDENCY]}
    assert not item.depends_on.exists()


def test_two_item_cycle_is_refused(cpo, own_product):
    a = RoadmapItemFactory(product=own_product, title="A")
    b = RoadmapItemFactory(product=own_product, title="B", depends_on=[a])

    with pytest.raises(ValidationError) as exc:
        update(a, cpo, depends_on=[b])

    assert exc.value.message_dict == {
        "depends_on": ["This would create a dependency cycle: A → B → A."]
    }
    assert not a.depends_on.exists()


def test_three_item_cycle_is_refused(cpo, own_product):
    a = RoadmapItemFactory(product=own_product, title="A")
    c = RoadmapItemFactory(product=own_product, title="C", depends_on=[a])
    b = RoadmapItemFactory(product=own_product, title="B", depends_on=[c])

    with pytest.raises(ValidationError) as exc:
        update(a, cpo, depends_on=[b])

    assert exc.value.message_dict == {
        "depends_on": ["This would create a dependency cycle: A → B → C → A."]
    }
    assert not a.depends_on.exists()


def test_long_cycle_through_a_diamond_is_found():
    items = [RoadmapItemFactory(title=f"I{n}") for n in range(8)]
    # I1..I7 form a chain with a side branch; I7 depends on I0.
    for n in range(1, 7):
        items[n].depends_on.add(items[n + 1])
    items[2].depends_on.add(items[5])
    items[7].depends_on.add(items[0])

    cycle = services.dependency_cycle(item_id=items[0].pk, depends_on=[items[1]])

    assert cycle is not None
    assert cycle[0] == cycle[-1] == items[0].pk
    assert cycle[-2] == items[7].pk
    assert len(cycle) == len(set(cycle)) + 1


def test_a_dag_with_shared_dependencies_is_accepted(cpo, own_product):
    base = RoadmapItemFactory(product=own_product, title="Base")
    left = RoadmapItemFactory(product=own_product, depends_on=[base])
    right = RoadmapItemFactory(product=own_product, depends_on=[base])
    top = RoadmapItemFactory(product=own_product)

    update(top, cpo, depends_on=[left, right, base])

    assert set(top.depends_on.all()) == {left, right, base}


def test_replacing_own_dependencies_is_not_a_cycle(cpo, own_product):
    a = RoadmapItemFactory(product=own_product)
    b = RoadmapItemFactory(product=own_product)
    item = RoadmapItemFactory(product=own_product, depends_on=[a])

    update(item, cpo, depends_on=[a, b])

    assert set(item.depends_on.all()) == {a, b}


def test_dependencies_across_products_are_allowed(pm, own_product, other_product):
    elsewhere = RoadmapItemFactory(product=other_product)

    item = create(pm, own_product, depends_on=[elsewhere])

    assert list(item.depends_on.all()) == [elsewhere]
    assert list(elsewhere.dependents.all()) == [item]


# --- slips ---------------------------------------------------------------------------


def test_slip_figures_after_several_date_changes(cpo, own_product):
    item = create(cpo, own_product, target_date=date(2026, 3, 1))

    update(item, cpo, target_date=date(2026, 3, 11))  # +10: a slip
    update(item, cpo, target_date=date(2026, 3, 6))  # -5: pulled in
    update(item, cpo, target_date=date(2026, 4, 5))  # +30: a slip
    update(item, cpo, title="Renamed")  # no date change

    item.refresh_from_db()
    assert (item.slip_count, item.slip_days) == (2, 40)
    history = list(
        TargetDateChange.objects.filter(item=item).values_list(
            "previous_date", "new_date", "days", "changed_by"
        )
    )
    assert history == [
        (None, date(2026, 3, 1), None, cpo.pk),
        (date(2026, 3, 1), date(2026, 3, 11), 10, cpo.pk),
        (date(2026, 3, 11), date(2026, 3, 6), -5, cpo.pk),
        (date(2026, 3, 6), date(2026, 4, 5), 30, cpo.pk),
    ]


def test_clearing_and_setting_the_target_date_is_kept_but_is_no_slip(cpo, own_product):
    item = create(cpo, own_product, target_date=date(2026, 3, 1))

    update(item, cpo, target_date=None)
    update(item, cpo, target_date=date(2026, 6, 1))

    item.refresh_from_db()
    assert (item.slip_count, item.slip_days) == (0, 0)
    assert item.target_date_changes.count() == 3


def test_item_without_target_date_has_no_history(cpo, own_product):
    item = create(cpo, own_product)

    assert not item.target_date_changes.exists()
    assert (item.slip_count, item.slip_days) == (0, 0)


def test_refused_date_change_records_no_slip(cpo, own_product, pm, other_product):
    item = create(cpo, other_product, target_date=date(2026, 3, 1))

    with pytest.raises(PermissionDenied):
        update(item, pm, target_date=date(2026, 5, 1))

    item.refresh_from_db()
    assert (item.target_date, item.slip_count) == (date(2026, 3, 1), 0)
    assert item.target_date_changes.count() == 1


# --- RICE --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reach", "impact", "confidence", "effort", "score"),
    [
        (1000, 2.0, 80, 4.0, 400.0),
        (500, 0.25, 100, 0.5, 250.0),
        (0, 3.0, 100, 1.0, 0.0),
        (1200, 1.0, 0, 2.0, 0.0),
        (300, 3.0, 50, 1.5, 300.0),
        (None, 2.0, 80, 4.0, None),
        (1000, None, 80, 4.0, None),
        (1000, 2.0, None, 4.0, None),
        (1000, 2.0, 80, None, None),
    ],
)
def test_rice_score_in_python_and_sql(reach, impact, confidence, effort, score):
    item = RoadmapItemFactory(
        reach=reach, impact=impact, confidence=confidence, effort=effort
    )

    in_sql = RoadmapItem.objects.annotate(rice=RICE_SCORE).get(pk=item.pk).rice
    assert rice_score(reach, impact, confidence, effort) == score
    assert item.compute_rice_score() == score
    assert in_sql == score


def test_rice_inputs_out_of_range_are_refused(cpo, own_product):
    with pytest.raises(ValidationError) as exc:
        create(cpo, own_product, impact=1.5, confidence=101, effort=0)

    assert set(exc.value.message_dict) == {"impact", "confidence", "effort"}
    assert exc.value.message_dict["effort"] == [
        "Effort must be more than 0 person-months: from 0.01 to 10000."
    ]
    assert not RoadmapItem.objects.exists()


# --- permissions ---------------------------------------------------------------------


def test_pm_cannot_create_under_a_product_they_do_not_manage(pm, other_product):
    with pytest.raises(PermissionDenied) as exc:
        create(pm, other_product)

    assert str(exc.value) == "You may only write roadmaps of the products you manage."
    assert not RoadmapItem.objects.exists()


def test_pm_cannot_move_their_item_to_a_product_they_do_not_manage(
    pm, own_product, other_product
):
    item = create(pm, own_product)

    with pytest.raises(PermissionDenied):
        update(item, pm, product=other_product)

    item.refresh_from_db()
    assert item.product == own_product


# --- bulk actions ------------------------------------------------------------------


def test_mark_done_marks_open_items_and_skips_done_ones(cpo, own_product):
    open_item = RoadmapItemFactory(product=own_product, status="in_progress")
    done = RoadmapItemFactory(
        product=own_product, status="done", delivered_on=date(2026, 1, 5)
    )

    changed = services.roadmap_items_mark_done(
        actor=cpo, items=[open_item, done], today=TODAY
    )

    assert changed == 1
    open_item.refresh_from_db()
    done.refresh_from_db()
    assert (open_item.status, open_item.delivered_on) == ("done", TODAY)
    assert done.delivered_on == date(2026, 1, 5)


def test_mark_done_is_all_or_nothing_for_a_pm(pm, own_product, other_product):
    mine = RoadmapItemFactory(product=own_product, title="Mine")
    theirs = RoadmapItemFactory(product=other_product, title="Theirs")

    with pytest.raises(PermissionDenied) as exc:
        services.roadmap_items_mark_done(actor=pm, items=[mine, theirs])

    assert str(exc.value) == (
        "You may only change items of the products you manage; not: Theirs."
    )
    assert set(RoadmapItem.objects.values_list("status", flat=True)) == {"planned"}


def test_move_to_next_timeframe_pushes_out_by_one_step(cpo, own_product):
    now = RoadmapItemFactory(product=own_product, timeframe="now")
    next_ = RoadmapItemFactory(product=own_product, timeframe="next")
    later = RoadmapItemFactory(product=own_product, timeframe="later")

    moved = services.roadmap_items_move_to_next_timeframe(
        actor=cpo, items=[now, next_, later]
    )

    assert moved == 2
    assert [
        RoadmapItem.objects.get(pk=i.pk).timeframe for i in (now, next_, later)
    ] == ["next", "later", "later"]


# --- the health signal -------------------------------------------------------------


def test_item_create_notifies_its_product_on_commit(
    cpo, own_product, received_signal, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        create(cpo, own_product)

    assert received_signal == [[own_product.pk]]


def test_date_change_notifies_and_title_change_does_not(
    cpo, own_product, received_signal, django_capture_on_commit_callbacks
):
    item = RoadmapItemFactory(product=own_product)

    with django_capture_on_commit_callbacks(execute=True):
        update(item, cpo, title="Only the title")
    with django_capture_on_commit_callbacks(execute=True):
        update(item, cpo, target_date=date(2026, 9, 1))

    assert received_signal == [[own_product.pk]]


def test_moving_an_item_notifies_both_products(
    cpo, own_product, other_product, received_signal, django_capture_on_commit_callbacks
):
    item = RoadmapItemFactory(product=own_product)

    with django_capture_on_commit_callbacks(execute=True):
        update(item, cpo, product=other_product)

    assert received_signal == [sorted([own_product.pk, other_product.pk])]


def test_item_delete_notifies_and_refused_write_does_not(
    cpo,
    pm,
    own_product,
    other_product,
    received_signal,
    django_capture_on_commit_callbacks,
):
    item = RoadmapItemFactory(product=own_product)
    theirs = RoadmapItemFactory(product=other_product)

    with django_capture_on_commit_callbacks(execute=True):
        services.roadmap_item_delete(item=item, actor=cpo)
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(PermissionDenied),
    ):
        update(theirs, pm, status="done")

    assert received_signal == [[own_product.pk]]
