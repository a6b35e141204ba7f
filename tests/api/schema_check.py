"""Check API responses against the served OpenAPI schema with a strict 3.0 validator.

`tests/conftest.py` hooks `check_response` into Django's test client (DRF's
APIClient goes through it too), so every API response any test produces is
validated: a new endpoint that drifts from its schema fails CI. A test that
needs a response outside the contract opts out with
`@pytest.mark.no_schema_check`.
"""

import json
import re
from functools import cache
from typing import Any

from openapi_schema_validator import OAS30ReadValidator, oas30_format_checker


class SchemaDrift(AssertionError):
    """A response that its operation's schema does not describe."""


@cache
def served_schema() -> dict[str, Any]:
    """The schema /api/schema/ serves, generated in-process (it needs a login)."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    raw = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(raw))


def _inline(node: Any, components: dict[str, Any], seen: tuple[str, ...] = ()) -> Any:
    """Replace each `$ref` by the component it names (the validator needs no refs)."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            name = ref.rsplit("/", 1)[1]
            if name in seen:
                raise ValueError(f"recursive component {name}")
            return _inline(components[name], components, (*seen, name))
        return {k: _inline(v, components, seen) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline(v, components, seen) for v in node]
    return node


@cache
def _operations() -> list[tuple[re.Pattern[str], str, dict[str, Any]]]:
    schema = served_schema()
    components = schema.get("components", {}).get("schemas", {})
    found = []
    for template, item in schema["paths"].items():
        pattern = re.compile(
            "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        )
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                found.append((pattern, method, _inline(operation, components)))
    # Literal segments win over templates: /users/me/ is not /users/{id}/.
    found.sort(key=lambda entry: entry[0].pattern.count("[^/]+"))
    return found


def operation_for(path: str, method: str) -> dict[str, Any] | None:
    """The schema's operation for a request path and method, if any."""
    for pattern, op_method, operation in _operations():
        if op_method == method.lower() and pattern.match(path):
            return operation
    return None


def check_response(response: Any) -> None:
    """Raise SchemaDrift when an /api/v1/ response does not match its schema."""
    path = response.request.get("PATH_INFO", "")
    method = response.request.get("REQUEST_METHOD", "GET")
    if not path.startswith("/api/v1/") or method in {"HEAD", "OPTIONS"}:
        return
    operation = operation_for(path, method)
    if operation is None:
        return  # no such operation: the 404/405 answers of the frame
    status = str(response.status_code)
    declared = operation["responses"].get(status)
    if declared is None:
        raise SchemaDrift(
            f"{method} {path} answered {status}, which its operation does not "
            f"declare (declared: {', '.join(sorted(operation['responses']))})."
        )
    content = declared.get("content")
    if not content:
        if response.content:
            raise SchemaDrift(f"{method} {path} {status}: body where none declared.")
        return
    media = response.get("Content-Type", "").split(";")[0].strip()
    if media != "application/json":
        return  # the browsable API's HTML, asked for by a browser
    body = json.loads(response.content)
    schema = content["application/json"]["schema"]
    errors = sorted(
        OAS30ReadValidator(schema, format_checker=oas30_format_checker).iter_errors(
            body
        ),
        key=lambda e: list(e.absolute_path),
    )
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path) or "(body)"
        raise SchemaDrift(
            f"{method} {path} {status} does not match its schema at {where}: "
            f"{first.message} ({len(errors)} error(s))"
        )
