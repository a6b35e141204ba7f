"""OpenAPI post-processing: declare the error responses every operation can give."""

from typing import Any

ERROR_SCHEMA = {
    "type": "object",
    "description": "DRF error body: {'detail': '…'} or {'field': ['message']}.",
    "additionalProperties": True,
}

ERRORS = {
    "400": "Invalid input: the body names each field and the rule it broke.",
    "401": "No or invalid credentials.",
    "403": "Authenticated, but the role may not do this.",
    "404": "Not found, or not visible to this user.",
    "409": "Conflicts with the current state (e.g. still referred to).",
    "429": "Too many requests or failed logins; retry later.",
}


def add_error_responses(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Add the shared error responses to each operation that lacks them."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("Error", ERROR_SCHEMA)
    ref = {"$ref": "#/components/schemas/Error"}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            for code, description in ERRORS.items():
                responses.setdefault(
                    code,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": ref}},
                    },
                )
    return result
