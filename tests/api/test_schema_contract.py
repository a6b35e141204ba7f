"""The schema as generated clients read it: types, required fields, errors, auth."""

import pytest

from tests.api.schema_check import served_schema

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema():
    return served_schema()


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield path, method, operation


def component(schema, name):
    return schema["components"]["schemas"][name]


def test_the_token_is_declared_as_an_http_bearer_scheme(schema):
    schemes = schema["components"]["securitySchemes"]

    assert schemes["bearerAuth"]["type"] == "http"
    assert schemes["bearerAuth"]["scheme"] == "bearer"
    assert "knoxApiToken" not in schemes


def test_every_authenticated_operation_accepts_the_bearer_scheme(schema):
    missing = [
        f"{method} {path}"
        for path, method, op in operations(schema)
        if not (path == "/api/v1/auth/token/" and method == "post")
        and {"bearerAuth": []} not in op.get("security", [])
    ]

    assert missing == []


def test_path_ids_are_integers(schema):
    typed = {
        (path, p["name"]): p["schema"]["type"]
        for path, _, op in operations(schema)
        for p in op.get("parameters", [])
        if p["in"] == "path"
    }
    # A recompute's task id is a UUID, in its path as in the 202 body.
    task = typed.pop(("/api/v1/health/tasks/{task_id}/", "task_id"))

    assert typed  # there are detail paths
    assert set(typed.values()) == {"integer"}
    assert task == "string"


def test_no_path_has_a_format_suffix_twin(schema):
    assert [p for p in schema["paths"] if "{format}" in p] == []


def test_nullable_decimal_is_a_nullable_string_in_responses(schema):
    budget = component(schema, "Product")["properties"]["annual_budget"]

    assert budget["type"] == "string"
    assert budget["format"] == "decimal"
    assert budget["nullable"] is True


def test_nullable_decimal_request_is_a_union_with_null_inside(schema):
    budget = component(schema, "PatchedProductRequest")["properties"]["annual_budget"]

    assert "nullable" not in budget
    number, string = budget["oneOf"]
    assert number == {"type": "number", "minimum": 0.0, "nullable": True}
    assert string["type"] == "string" and string["format"] == "decimal"


def test_response_components_require_every_field_they_carry(schema):
    loose = {}
    for name, comp in schema["components"]["schemas"].items():
        if name.endswith("Request") or "properties" not in comp:
            continue
        missing = set(comp["properties"]) - set(comp.get("required", []))
        if missing:
            loose[name] = sorted(missing)

    assert loose == {}


def test_product_response_requires_slug_vision_and_managers(schema):
    required = set(component(schema, "Product")["required"])

    assert {"slug", "vision", "managers", "health", "annual_budget"} <= required


def test_pages_require_count_next_previous_and_results(schema):
    page = component(schema, "PaginatedProductList")

    assert page["required"] == ["count", "next", "previous", "results"]


def test_error_bodies_are_typed(schema):
    detail = component(schema, "ErrorDetail")
    fields = component(schema, "ValidationErrors")
    bad_request = schema["paths"]["/api/v1/products/"]["post"]["responses"]["400"]

    assert detail["properties"] == {"detail": {"type": "string"}}
    assert detail["required"] == ["detail"]
    assert fields["additionalProperties"]["anyOf"][0]["type"] == "array"
    assert bad_request["content"]["application/json"]["schema"] == {
        "anyOf": [
            {"$ref": "#/components/schemas/ValidationErrors"},
            {"$ref": "#/components/schemas/ErrorDetail"},
        ]
    }


def test_anonymous_token_login_declares_only_what_it_can_answer(schema):
    responses = schema["paths"]["/api/v1/auth/token/"]["post"]["responses"]

    assert set(responses) == {"201", "400", "415", "429"}


def test_only_object_deletes_declare_409(schema):
    with_409 = {
        (method, path)
        for path, method, op in operations(schema)
        if "409" in op["responses"]
    }

    assert with_409
    assert all(method == "delete" and "{id}" in path for method, path in with_409)


def test_ordering_is_an_enumeration_of_the_view_fields(schema):
    params = schema["paths"]["/api/v1/products/"]["get"]["parameters"]
    ordering = next(p for p in params if p["name"] == "ordering")

    assert "health_score" in ordering["schema"]["enum"]
    assert "-health_score" in ordering["schema"]["enum"]


def test_no_description_comes_from_an_internal_base_class(schema):
    texts = [op.get("description", "") for _, _, op in operations(schema)]
    texts += [
        c.get("description", "") for c in schema["components"]["schemas"].values()
    ]

    leaked = [
        t for t in texts if "Shared frame" in t or "project's ModelSerializer" in t
    ]
    assert leaked == []


def test_every_operation_has_a_description(schema):
    missing = [
        f"{m} {p}" for p, m, op in operations(schema) if not op.get("description")
    ]

    assert missing == []


def test_every_component_is_referred_to(schema):
    import json

    text = json.dumps(schema["paths"]) + json.dumps(schema["components"]["schemas"])
    unused = [
        name
        for name in schema["components"]["schemas"]
        if f'"#/components/schemas/{name}"' not in text
    ]

    assert unused == []
    assert "ProductHealthRequest" not in schema["components"]["schemas"]
