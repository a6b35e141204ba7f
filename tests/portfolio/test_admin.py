"""The admin for product managers, and CSV import/export of products and insights."""

import csv
import io

import pytest
import tablib
from django.test import Client

from cpo.common.resources import neutralise, unneutralise
from portfolio.models import Insight, Product
from portfolio.resources import InsightResource, ProductResource
from tests.factories.portfolio import (
    InsightFactory,
    ProductFactory,
    ProductLineFactory,
    SegmentFactory,
)

pytestmark = pytest.mark.django_db

CHANGE = "/admin/portfolio/product/{}/change/"


def admin_client(user):
    client = Client()
    client.force_login(user)
    return client


def change_form(product, **overrides):
    data = {
        "name": product.name,
        "slug": product.slug,
        "product_line": product.product_line_id or "",
        "lifecycle_stage": product.lifecycle_stage,
        "horizon": product.horizon,
        "strategic_importance": product.strategic_importance,
        "annual_budget": "",
        "vision": product.vision,
        "problem": product.problem,
        "value_proposition": product.value_proposition,
        "segments": [s.pk for s in product.segments.all()],
        "objectives": [o.pk for o in product.objectives.all()],
    }
    data.update(overrides)
    return data


def test_pm_opens_and_changes_their_product(pm, own_product):
    client = admin_client(pm)

    page = client.get(CHANGE.format(own_product.pk))
    response = client.post(
        CHANGE.format(own_product.pk), change_form(own_product, vision="Sharper")
    )

    assert page.status_code == 200
    assert b'name="vision"' in page.content
    assert b'name="managers"' not in page.content  # managers: the CPO's call
    assert response.status_code == 302
    own_product.refresh_from_db()
    assert own_product.vision == "Sharper"
    assert list(own_product.managers.all()) == [pm]
    assert own_product.history.first().history_user == pm


def test_pm_sees_another_product_read_only_and_cannot_change_it(pm, other_product):
    client = admin_client(pm)

    page = client.get(CHANGE.format(other_product.pk))
    response = client.post(
        CHANGE.format(other_product.pk), change_form(other_product, vision="Mine now")
    )

    assert page.status_code == 200
    assert b'name="vision"' not in page.content
    assert response.status_code == 403
    other_product.refresh_from_db()
    assert other_product.vision == "Does good things."


def test_pm_product_list_shows_all_products_but_no_add(pm, own_product, other_product):
    client = admin_client(pm)

    listing = client.get("/admin/portfolio/product/")
    add = client.get("/admin/portfolio/product/add/")

    assert listing.status_code == 200
    assert b"Own product" in listing.content
    assert b"Other product" in listing.content
    assert add.status_code == 403


def test_product_list_filters_and_search(users, own_product, other_product):
    client = admin_client(users["cpo"])
    pm = users["product_manager"]

    by_manager = client.get(f"/admin/portfolio/product/?managers__id__exact={pm.pk}")
    by_search = client.get("/admin/portfolio/product/?q=Other")

    assert by_manager.status_code == 200
    assert list(by_manager.context["cl"].result_list) == [own_product]
    assert list(by_search.context["cl"].result_list) == [other_product]


def test_cpo_adds_a_product_in_the_admin_with_a_derived_slug(users):
    client = admin_client(users["cpo"])
    line = ProductLineFactory()

    response = client.post(
        "/admin/portfolio/product/add/",
        {
            "name": "Tap to Pay",
            "slug": "",
            "product_line": line.pk,
            "lifecycle_stage": "launch",
            "horizon": "h2",
            "strategic_importance": 4,
            "managers": [users["product_manager"].pk],
        },
    )

    assert response.status_code == 302, response.content
    product = Product.objects.get(name="Tap to Pay")
    assert product.slug == "tap-to-pay"
    assert list(product.managers.all()) == [users["product_manager"]]
    assert product.history.first().history_user == users["cpo"]


def test_admin_delete_of_a_referenced_product_is_refused(users, own_product):
    InsightFactory(products=[own_product])
    client = admin_client(users["cpo"])

    page = client.get(f"/admin/portfolio/product/{own_product.pk}/delete/")
    client.post(f"/admin/portfolio/product/{own_product.pk}/delete/", {"post": "yes"})

    assert b"still referred to by 1 insight" in page.content
    assert Product.objects.filter(pk=own_product.pk).exists()


@pytest.mark.parametrize("role", ["executive", "integration", "recruiter"])
def test_roles_without_portfolio_admin_cannot_open_it(role, users, own_product):
    response = admin_client(users[role]).get(CHANGE.format(own_product.pk))

    assert response.status_code in {302, 403}
    if response.status_code == 302:
        assert "/admin/login/" in response["Location"]


def test_pm_cannot_change_an_insight_of_someone_else(pm, users):
    insight = InsightFactory(author=users["cpo"], title="CPO's")

    response = admin_client(pm).post(
        f"/admin/portfolio/insight/{insight.pk}/change/",
        {"title": "Mine", "body": "b", "source": "other", "impact": 3},
    )

    assert response.status_code == 403
    insight.refresh_from_db()
    assert insight.title == "CPO's"


def test_pm_adds_an_insight_in_the_admin_citing_only_their_products(
    pm, own_product, other_product
):
    client = admin_client(pm)
    form = {
        "title": "Evidence",
        "body": "b",
        "source": "survey",
        "impact": 3,
        "captured_on": "2025-01-02",
    }

    refused = client.post(
        "/admin/portfolio/insight/add/", {**form, "products": [other_product.pk]}
    )
    accepted = client.post(
        "/admin/portfolio/insight/add/", {**form, "products": [own_product.pk]}
    )

    assert refused.status_code == 200
    assert "You may only cite products you manage; not: Other product." in (
        refused.content.decode()
    )
    assert accepted.status_code == 302
    insight = Insight.objects.get()
    assert insight.author == pm
    assert list(insight.products.all()) == [own_product]


# --- CSV export and import ------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "escaped"),
    [
        ("=HYPERLINK(1)", "'=HYPERLINK(1)"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM", "'@SUM"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("'quoted", "''quoted"),
        ("plain", "plain"),
        ("", ""),
        (5, 5),
    ],
)
def test_neutralise_and_its_inverse(value, escaped):
    assert neutralise(value) == escaped
    assert unneutralise(escaped) == value


def export_rows(client, model):
    response = client.post(
        f"/admin/portfolio/{model}/export/",
        {"format": 0, "resource": 0, "export_items": []}
        | {
            f"{model}resource_{name}": "on"
            for name in (
                ProductResource if model == "product" else InsightResource
            )().get_export_order()
        },
    )
    assert response.status_code == 200, response.content[:500]
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_admin_export_neutralises_formulas_but_not_numbers(users):
    ProductFactory(name="=cmd|' /C calc'!A0", vision="-drop", strategic_importance=2)

    rows = export_rows(admin_client(users["cpo"]), "product")

    assert len(rows) == 1
    assert rows[0]["name"] == "'=cmd|' /C calc'!A0"
    assert rows[0]["vision"] == "'-drop"
    assert rows[0]["strategic_importance"] == "2"


def test_insight_export_neutralises_formulas(users):
    InsightFactory(title="@evil", body="+1+1")

    rows = export_rows(admin_client(users["cpo"]), "insight")

    assert (rows[0]["title"], rows[0]["body"]) == ("'@evil", "'+1+1")


def exported_csv(resource):
    return resource.export().csv


def without_ids(text):
    return [
        {k: v for k, v in row.items() if k != "id"}
        for row in csv.DictReader(io.StringIO(text))
    ]


def import_csv(resource, text, user, dry_run=False):
    dataset = tablib.Dataset().load(text, format="csv")
    return resource.import_data(dataset, dry_run=dry_run, user=user)


def test_product_csv_round_trips(users):
    line = ProductLineFactory(name="Payments")
    segments = [SegmentFactory(name="SMB"), SegmentFactory(name="Enterprise")]
    product = ProductFactory(
        name="=Formula product",
        product_line=line,
        segments=segments,
        managers=[users["product_manager"]],
        annual_budget="1500.50",
    )
    text = exported_csv(ProductResource())

    unchanged = import_csv(ProductResource(), text, users["cpo"])
    old_pk = product.pk
    product.delete()
    recreated = import_csv(
        ProductResource(), text.replace(f"\n{old_pk},", "\n,"), users["cpo"]
    )

    assert not unchanged.has_errors()
    assert unchanged.totals["skip"] == 1
    assert not recreated.has_errors(), [e.error for e in recreated.base_errors]
    assert recreated.totals["new"] == 1
    again = Product.objects.get(name="=Formula product")
    assert again.product_line == line
    assert sorted(s.name for s in again.segments.all()) == ["Enterprise", "SMB"]
    assert list(again.managers.all()) == [users["product_manager"]]
    assert str(again.annual_budget) == "1500.50"
    assert again.history.first().history_user == users["cpo"]
    assert without_ids(exported_csv(ProductResource())) == without_ids(text)


def test_product_csv_import_updates_through_the_service(
    users, own_product, received_signal, django_capture_on_commit_callbacks
):
    text = exported_csv(ProductResource()).replace(",growth,", ",decline,")

    with django_capture_on_commit_callbacks(execute=True):
        result = import_csv(ProductResource(), text, users["product_manager"])

    assert not result.has_errors()
    assert result.totals["update"] == 1
    own_product.refresh_from_db()
    assert own_product.lifecycle_stage == "decline"
    assert own_product.history.first().history_user == users["product_manager"]
    assert received_signal == [[own_product.pk]]


def test_pm_csv_import_of_another_product_is_refused(users, other_product):
    text = exported_csv(ProductResource()).replace("Does good things.", "Mine")

    result = import_csv(ProductResource(), text, users["product_manager"])

    assert result.has_errors()
    errors = [e.error for row in result.row_errors() for e in row[1]]
    assert "You may only change the products you manage." in str(errors[0])
    other_product.refresh_from_db()
    assert other_product.vision == "Does good things."


def test_pm_csv_import_cannot_create_products(users):
    text = "name,lifecycle_stage,horizon\nSneaky,concept,h1\n"

    result = import_csv(ProductResource(), text, users["product_manager"])

    assert result.has_errors()
    assert not Product.objects.filter(name="Sneaky").exists()


def test_csv_import_refuses_a_manager_without_the_role(users):
    bot = users["integration"].username
    text = f"name,lifecycle_stage,horizon,managers\nImp,concept,h1,{bot}\n"

    result = import_csv(ProductResource(), text, users["cpo"])

    assert result.has_validation_errors()
    assert result.invalid_rows[0].error_dict == {
        "managers": [
            f"Not a product manager or the CPO: user {users['integration'].pk}."
        ]
    }
    assert not Product.objects.filter(name="Imp").exists()


def test_csv_import_reports_unknown_segments(users):
    text = "name,segments\nNew,Nowhere|SMB\n"

    result = import_csv(ProductResource(), text, users["cpo"])

    assert result.has_validation_errors()
    error = result.invalid_rows[0].error_dict
    assert "Unknown segments: Nowhere, SMB" in str(error["segments"])
    assert not Product.objects.exists()


def test_insight_csv_import_sets_the_author(users, own_product):
    text = (
        "title,body,source,products,impact,captured_on\n"
        f"Found,Evidence,survey,{own_product.slug},4,2025-03-01\n"
    )

    result = import_csv(InsightResource(), text, users["product_manager"])

    assert not result.has_errors() and not result.has_validation_errors()
    insight = Insight.objects.get(title="Found")
    assert insight.author == users["product_manager"]
    assert list(insight.products.all()) == [own_product]


def test_admin_import_of_products_round_trips(users, own_product):
    client = admin_client(users["cpo"])
    text = exported_csv(ProductResource()).replace("Does good things.", "Imported")
    upload = io.BytesIO(text.encode())
    upload.name = "products.csv"

    preview = client.post(
        "/admin/portfolio/product/import/",
        {"import_file": upload, "format": 0, "resource": 0},
    )
    assert preview.status_code == 200
    confirm = preview.context["confirm_form"]
    done = client.post(
        "/admin/portfolio/product/process_import/",
        {**confirm.initial, "resource": 0},
    )

    assert done.status_code == 302
    own_product.refresh_from_db()
    assert own_product.vision == "Imported"
    assert own_product.history.first().history_user == users["cpo"]


@pytest.fixture
def received_signal():
    from portfolio.signals import product_data_changed

    calls = []

    def receiver(sender, product_ids, **kwargs):
        calls.append(product_ids)

    product_data_changed.connect(receiver, weak=False)
    yield calls
    product_data_changed.disconnect(receiver)


def test_reverting_from_the_history_is_refused(cpo, own_product):
    client = admin_client(cpo)
    old = own_product.history.earliest("history_date")
    client.post(CHANGE.format(own_product.pk), change_form(own_product, vision="New"))
    url = f"/admin/portfolio/product/{own_product.pk}/history/{old.history_id}/"

    page = client.get(url)
    response = client.post(url, change_form(own_product, vision=old.vision))

    assert page.status_code == 200
    assert response.status_code == 403
    own_product.refresh_from_db()
    assert own_product.vision == "New"
