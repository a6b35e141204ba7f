from typing import Any

from rest_framework import pagination
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request


class StrictPageSizeMixin:
    """?page_size= from 1 to 500 (SPEC §4); anything else is a 400 naming it."""

    # Typed as DRF's stubs type them on the paginators this mixes into.
    page_size: int | None = 50
    page_size_query_param: str | None = "page_size"
    max_page_size: int | None = 500

    def get_page_size(self, request: Request) -> int:
        param, most = str(self.page_size_query_param), int(self.max_page_size or 0)
        raw = request.query_params.get(param)
        if raw is None:
            return int(self.page_size or 0)
        size = int(raw) if raw.isdigit() else 0
        if not 1 <= size <= most:
            raise ValidationError(
                {param: [f"Must be a whole number from 1 to {most}."]}
            )
        return size

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters: list[dict[str, Any]] = super().get_schema_operation_parameters(  # type: ignore[misc]
            view
        )
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
        return parameters


class CursorPagination(StrictPageSizeMixin, pagination.CursorPagination):
    """Cursor pages: `next` and `previous` are always there (null at the ends)."""

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        paginated = super().get_paginated_response_schema(schema)
        paginated["required"] = ["next", "previous", "results"]
        return paginated


class PageNumberPagination(StrictPageSizeMixin, pagination.PageNumberPagination):
    """SPEC §4 lists: ?page= and ?page_size= (1 to 500; anything else is a 400)."""

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"].update(minimum=1)
        return parameters

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        paginated = super().get_paginated_response_schema(schema)
        # Every page carries all four keys (next/previous null at the ends).
        paginated["required"] = ["count", "next", "previous", "results"]
        return paginated
