"""OpenAPI generation: a schema that generated clients can use as generated.

- Response components list every field a response always carries as required
  (DRF renders every non-write-only field of a serializer).
- Each operation declares the error answers it can give, with typed bodies:
  `ErrorDetail` (`{"detail": "…"}`) and `ValidationErrors` (`{"field": ["…"]}`).
- Docstrings of the project's base classes never become descriptions.
- Components nothing refers to are dropped.

See docs/building-blocks.md ("A new endpoint") for what a view has to add.
"""

import copy
from typing import Any

from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import permissions, serializers

ERROR_DETAIL = "ErrorDetail"
VALIDATION_ERRORS = "ValidationErrors"

ERROR_SCHEMAS: dict[str, dict[str, Any]] = {
    ERROR_DETAIL: {
        "type": "object",
        "description": 'An error that is not about one field: `{"detail": "…"}`.',
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
    VALIDATION_ERRORS: {
        "type": "object",
        "description": (
            "Invalid input: each key names a field (or `non_field_errors` for a "
            "rule across fields, or a query parameter) and holds the messages, "
            'e.g. `{"name": ["This field is required."]}`. Nested fields '
            "hold nested objects (by key or list index)."
        ),
        "additionalProperties": {
            "anyOf": [
                {"type": "array", "items": {}},
                {"type": "object", "additionalProperties": {}},
            ]
        },
    },
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


ERROR_RESPONSES: dict[str, dict[str, Any]] = {
    "400": {
        "description": "Invalid input: the body names each field and its rule.",
        "content": _json({"anyOf": [_ref(VALIDATION_ERRORS), _ref(ERROR_DETAIL)]}),
    },
    "401": {
        "description": "No credentials, or an invalid or expired token.",
        "content": _json(_ref(ERROR_DETAIL)),
    },
    "403": {
        "description": "Authenticated, but the role may not do this.",
        "content": _json(_ref(ERROR_DETAIL)),
    },
    "404": {
        "description": "Not found, or not visible to this user.",
        "content": _json(_ref(ERROR_DETAIL)),
    },
    "415": {
        "description": "The body is not JSON (send `Content-Type: application/json`).",
        "content": _json(_ref(ERROR_DETAIL)),
    },
    "409": {
        "description": "Conflicts with the current state (e.g. still referred to).",
        "content": _json(_ref(ERROR_DETAIL)),
    },
    "429": {
        "description": "Too many requests or failed logins; retry later.",
        "content": _json(_ref(ERROR_DETAIL)),
    },
}

# Permission classes that only ask "is there a user?": they answer 401, never 403.
_NO_403_PERMISSIONS = (permissions.AllowAny, permissions.IsAuthenticated)


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's AutoSchema with the project's contract rules."""

    def get_operation(
        self,
        path: str,
        path_regex: str,
        path_prefix: str,
        method: str,
        registry: Any,
    ) -> Any:
        operation = super().get_operation(
            path, path_regex, path_prefix, method, registry
        )
        if operation is not None:
            responses = operation.setdefault("responses", {})
            for code in self._error_codes(operation):
                responses.setdefault(code, ERROR_RESPONSES[code])
        return operation

    def _error_codes(self, operation: dict[str, Any]) -> list[str]:
        """The error statuses this operation can answer."""
        codes = ["429"]  # throttling (and the login lockout) applies everywhere
        parameters = operation.get("parameters", [])
        query = {p["name"] for p in parameters if p["in"] == "query"}
        if "requestBody" in operation or query:
            codes.append("400")
        if "requestBody" in operation:
            codes.append("415")
        anonymous = not self.view.get_authenticators() or all(
            isinstance(p, permissions.AllowAny) for p in self.view.get_permissions()
        )
        if not anonymous:
            codes.append("401")
            if not all(
                isinstance(p, _NO_403_PERMISSIONS) for p in self.view.get_permissions()
            ):
                codes.append("403")
        # A detail that does not exist or is not visible; a page past the last.
        if any(p["in"] == "path" for p in parameters) or "page" in query:
            codes.append("404")
            if self.method == "DELETE":
                codes.append("409")  # deleting what is still referred to
        return sorted(codes)

    def _map_basic_serializer(self, serializer: Any, direction: Any) -> Any:
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "response" and schema.get("properties"):
            # Every field of a response serializer is always rendered.
            schema["required"] = sorted(schema["properties"])
        return schema

    def _get_serializer_field_meta(self, field: Any, direction: Any) -> Any:
        meta = super()._get_serializer_field_meta(field, direction)
        if isinstance(field, serializers.DecimalField) and direction == "request":
            # The union carries null inside it (see DecimalFieldExtension):
            # `nullable` beside a `oneOf` without `type` means nothing in 3.0.
            meta.pop("nullable", None)
        return meta


class DecimalFieldExtension(OpenApiSerializerFieldExtension):
    """Decimals: answered as decimal strings; sent as a number or a decimal string."""

    target_class = "rest_framework.fields.DecimalField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> Any:
        field = self.target
        as_string = auto_schema._map_serializer_field(
            field, direction, bypass_extensions=True
        )
        as_string.pop("nullable", None)
        if direction == "response":
            return as_string  # `nullable` follows allow_null (field meta)
        number: dict[str, Any] = {"type": "number"}
        if field.min_value is not None:
            number["minimum"] = float(field.min_value)
        if field.max_value is not None:
            number["maximum"] = float(field.max_value)
        if field.allow_null:
            number["nullable"] = True
        string = {k: v for k, v in as_string.items() if k not in {"readOnly"}}
        string.pop("minimum", None)
        string.pop("maximum", None)
        return {"oneOf": [number, string]}


def _refs(node: Any, found: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            found.add(ref.rsplit("/", 1)[1])
        for value in node.values():
            _refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _refs(value, found)


def _nullable_refs_inlined(node: Any, schemas: dict[str, Any]) -> None:
    """Make `{"allOf": [{"$ref": X}], "nullable": true}` mean what it says.

    OpenAPI 3.0 ignores `nullable` beside `allOf` without a `type`: a null value
    fails the referenced schema. The referenced component is inlined with
    `nullable` on it (and null among its values, for an enum — OAS 3.0.3).
    """
    if isinstance(node, dict):
        all_of = node.get("allOf")
        if (
            node.get("nullable") is True
            and isinstance(all_of, list)
            and len(all_of) == 1
            and "$ref" in all_of[0]
        ):
            target = copy.deepcopy(schemas[all_of[0]["$ref"].rsplit("/", 1)[1]])
            outer = {k: v for k, v in node.items() if k != "allOf"}
            node.clear()
            node.update(target, **outer)
            if "enum" in node and None not in node["enum"]:
                node["enum"].append(None)
        for value in node.values():
            _nullable_refs_inlined(value, schemas)
    elif isinstance(node, list):
        for value in node:
            _nullable_refs_inlined(value, schemas)


def finish_schema(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Postprocessing hook: nullable refs, error components, no unreferenced ones."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    _nullable_refs_inlined(result.get("paths", {}), schemas)
    _nullable_refs_inlined(schemas, schemas)
    for name, schema in ERROR_SCHEMAS.items():
        schemas.setdefault(name, schema)
    # A component is kept when an operation reaches it, directly or through
    # other components (e.g. a read-only nested serializer's request twin is not).
    reachable: set[str] = set()
    _refs(result.get("paths", {}), reachable)
    pending = list(reachable)
    while pending:
        found: set[str] = set()
        _refs(schemas.get(pending.pop(), {}), found)
        pending.extend(found - reachable)
        reachable |= found
    for name in list(schemas):
        if name not in reachable:
            del schemas[name]
    return result
