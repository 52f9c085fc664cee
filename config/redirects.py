"""No request with an unsafe method is ever redirected.

Clients follow a 301 or 302 with a GET, so a redirected POST is a purchase silently lost. Django's
own middleware redirects to add a slash (`APPEND_SLASH`), a `www.` (`PREPEND_WWW`) or `https://`
(`SECURE_SSL_REDIRECT`) and the admin's catch-all view adds a slash, whatever the method. Here
those redirects are kept for GET and HEAD only: an unsafe request on a path that lacks a slash is
answered where it is (a 404 when nothing is there), one over plain HTTP where HTTPS is required
is refused with a 403, and the admin's catch-all is off (`config.urls`).
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.http.response import HttpResponseRedirectBase
from django.middleware import common, security

from config.exceptions import json_error

REDIRECTABLE_METHODS = frozenset({"GET", "HEAD"})


class CommonMiddleware(common.CommonMiddleware):
    def process_request(self, request: HttpRequest) -> HttpResponsePermanentRedirect | None:
        response = super().process_request(request)
        if isinstance(response, HttpResponseRedirectBase) and not _redirectable(request):
            return None
        return response

    def should_redirect_with_slash(self, request: HttpRequest) -> bool:
        return _redirectable(request) and super().should_redirect_with_slash(request)


class HttpsForUnsafeMethodsMiddleware:
    """Placed just before Django's SecurityMiddleware (which `check --deploy` looks for by name):
    where that one would redirect an unsafe request to https://, this one refuses it instead."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.security = security.SecurityMiddleware(get_response)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not _redirectable(request) and self.security.process_request(request) is not None:
            return json_error(
                status=403,
                code="https_required",
                message="This request must be sent over HTTPS.",
                suggestion="Send it again to the https:// address.",
            )
        return self.get_response(request)


def _redirectable(request: HttpRequest) -> bool:
    return request.method in REDIRECTABLE_METHODS
