"""django-filter's DRF backend, skipped when a request names no filter.

Without a filter in the query string django-filter still builds its form, binds it to no data,
validates it and runs every filter, each of which leaves the queryset as it is: a tenth of a
history page's CPU (bench/RESULTS.md), spent on every page a client walks with the cursor.
"""

from typing import Any

from django.db.models import QuerySet
from django_filters import rest_framework as django_filters
from rest_framework.request import Request
from rest_framework.views import APIView

PAGINATION_PARAMETERS = (
    "cursor_query_param",
    "page_query_param",
    "page_size_query_param",
    "limit_query_param",
    "offset_query_param",
)


class DjangoFilterBackend(django_filters.DjangoFilterBackend):
    """Filters as django-filter does whenever the query string holds anything besides the
    paginator's parameters (an empty `?status=`, an unknown name, a malformed date: all still go
    through the filter form); with nothing else, the queryset is returned as it came."""

    def filter_queryset(self, request: Request, queryset: QuerySet, view: APIView) -> QuerySet:
        if set(request.query_params) <= _paginator_parameters(view):
            return queryset
        filtered: QuerySet = super().filter_queryset(request, queryset, view)
        return filtered


def _paginator_parameters(view: APIView) -> set[str]:
    paginator: Any = getattr(view, "paginator", None)
    names = (getattr(paginator, attribute, None) for attribute in PAGINATION_PARAMETERS)
    return {name for name in names if name}
