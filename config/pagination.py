"""Pagination that refuses a page size it cannot honour instead of silently ignoring it.

DRF falls back to the default page size for `?page_size=x`, `-5` or `null`, which tells a client
nothing about its mistake (and is a schema-violating request accepted, for schemathesis). Here a
`page_size` that is not a whole number from 1 is a 400 on the field; an empty one is ignored, as
empty filter values are; one above `max_page_size` is capped, as documented in the schema.

A cursor's position is the client's to forge: one on a date-time is handed to the database in
UTC, as the history's date filters are (`payments.api.filters`), and one no UTC date-time can be
is an invalid cursor. PostgreSQL refuses offsets beyond ±15:59, and an instant outside the years
1-9999 in UTC cannot be represented at all: both were 500s.
"""

import re
from datetime import UTC
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import DateTimeField, QuerySet
from django.utils import timezone
from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError
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
    def paginate_queryset(
        self, queryset: QuerySet, request: Request, view: APIView | None = None
    ) -> list[Any] | None:
        self.model = queryset.model  # for `decode_cursor`, which DRF calls without the queryset
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request: Request) -> pagination.Cursor | None:
        cursor = super().decode_cursor(request)
        if cursor is None or cursor.position is None or not self._ordered_by_a_date_time():
            return cursor
        # A malformed position is a ValidationError, a 400, as when the database field reads it.
        moment = DateTimeField().to_python(cursor.position)
        if moment is None or timezone.is_naive(moment):
            return cursor
        try:
            return cursor._replace(position=moment.astimezone(UTC))
        except OverflowError as exc:
            raise NotFound(self.invalid_cursor_message) from exc

    def _ordered_by_a_date_time(self) -> bool:
        try:
            field = self.model._meta.get_field(self.ordering[0].lstrip("-"))
        except FieldDoesNotExist:
            return False
        return isinstance(field, DateTimeField)


class PageNumberPagination(StrictPageSizeMixin, pagination.PageNumberPagination):
    pass
