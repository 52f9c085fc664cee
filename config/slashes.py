"""Every `/api/` route answers with or without its trailing slash, and nothing is redirected.

A redirect loses a POST: clients follow a 301 with a GET, and Django refuses to redirect one in
development. So a path under `/api/` that names no route is served in place by the route its
other spelling (slash added or removed) names. Routes are declared once, in their canonical
form, and the OpenAPI schema lists that form only.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

API_PREFIX = ("/api/", "/customers", "/products", "/payments/")
"""The native API and the seed contracts' paths (the service API lives at the site root)."""
API_NOT_FOUND = "api-not-found"
"""The URL name of the catch-all that answers unknown `/api/` paths (see `config.urls`)."""


class OptionalSlashMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(API_PREFIX):
            _serve_other_spelling(request)
        return self.get_response(request)


def _serve_other_spelling(request: HttpRequest) -> None:
    urlconf = getattr(request, "urlconf", None)
    path = request.path_info
    if _names_a_route(path, urlconf):
        return
    other = path.removesuffix("/") if path.endswith("/") else f"{path}/"
    if _names_a_route(other, urlconf):
        request.path = request.path.removesuffix(path) + other
        request.path_info = other


def _names_a_route(path: str, urlconf: str | None) -> bool:
    try:
        match = resolve(path, urlconf)
    except Resolver404:
        return False
    return match.url_name != API_NOT_FOUND
