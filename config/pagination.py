"""Pagination that refuses a page size it cannot honour instead of silently ignoring it.

DRF falls back to the default page size for `?page_size=x`, `-5` or `null`, which tells a client
nothing about its mistake (and is a schema-violating request accepted, for schemathesis). Here a
`page_size` that is not a whole number from 1 is a 400 on the field; an empty one is ignored, as
empty filter values are; one above `max_page_size` is capped, as documented in the schema.
"""

import re
from typing import Any

from rest_framework import pagination
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.views import APIView

_WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")


class StrictPageSizeMixin:
    page_size: int | None
    page_size_query_param: str | None
    max_page_size: int | None

    def get_page_size(self, request: Request) -> int | None:
        name = self.page_size_query_param
        raw = request.query_params.get(name, "") if name else ""
        if not name or not raw:
            return self.page_size
        if not _WHOLE_NUMBER.fullmatch(raw) or int(raw) < 1:
            raise ValidationError({name: ["Enter a whole number from 1."]})
        return min(int(raw), self.max_page_size or int(raw))

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        parameters: list[dict[str, Any]] = super().get_schema_operation_parameters(view)  # type: ignore[misc]
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
                if self.max_page_size:
                    parameter["description"] += f" At most {self.max_page_size}: more is capped."
        return parameters


class CursorPagination(StrictPageSizeMixin, pagination.CursorPagination):
    pass


class PageNumberPagination(StrictPageSizeMixin, pagination.PageNumberPagination):
    pass
