"""Requests are refused at the door when no view could answer them sanely.

- A body larger than its path's limit answers 413 before anything reads it: at once when
  `Content-Length` says so, and after at most limit + 1 bytes when the body is chunked (a WSGI
  server that de-chunks sets `wsgi.input_terminated`; Django alone would read such a body as
  empty). Limits: `WEBHOOK_MAX_BODY_BYTES` for Stripe's webhook, `ADMIN_MAX_BODY_BYTES` for the
  admin, `API_MAX_BODY_BYTES` for every other path.
- A NUL character in the path, the query string, a header, a cookie or a form field answers 400:
  PostgreSQL cannot store one, so it would otherwise surface as a database error (a 500).
- A `Content-Length` that is not a number, a chunked body the server cannot de-chunk (a chunk
  size that is not hex, a chunk without its CRLF, a body cut short), or a query string with more
  parameters than `DATA_UPLOAD_MAX_NUMBER_FIELDS`, answers 400 (the chunked body was a 500 and an
  error logged with its traceback; the query string would be Django's HTML page).

The answers carry the common error shape, except where a browser asked for one of the store's
or the admin's pages (`Accept: text/html`): it gets an HTML page saying the same.
"""

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.core.exceptions import TooManyFieldsSent
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.urls import Resolver404, resolve

from config.exceptions import json_error

WEBHOOK_PREFIX = "/stripe/webhook/"
ADMIN_PREFIX = "/admin/"
NUL = "\x00"
_CONTENT_LENGTH = re.compile(r"[0-9]{1,18}")


PAGE_NAMESPACES = frozenset({"store", "admin"})
"""URL namespaces whose views answer HTML pages to browsers."""
TITLES = {400: "Bad request", 413: "Request too large"}


@dataclass(frozen=True)
class Refusal:
    status: int
    code: str
    message: str
    suggestion: str = ""

    def response(self, request: HttpRequest) -> HttpResponse:
        if not _wants_a_page(request):
            return json_error(
                status=self.status, code=self.code, message=self.message, suggestion=self.suggestion
            )
        # No request context: a refused request reaches no session, user or database.
        page = loader.render_to_string(
            "400.html",
            {"title": TITLES[self.status], "message": self.message, "suggestion": self.suggestion},
        )
        return HttpResponse(page, status=self.status)


class RequestGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refusal = _oversized(request) or _nul_outside_body(request) or _nul_in_form(request)
        return refusal.response(request) if refusal else self.get_response(request)


def _wants_a_page(request: HttpRequest) -> bool:
    if not _accepts_html(request):
        return False  # API clients, curl, and a client that refuses HTML (`text/html;q=0`)
    path = request.path_info
    # Without its slash (`/admin`), a page's path is the one CommonMiddleware redirects to.
    slashed = settings.APPEND_SLASH and not path.endswith("/") and _is_a_page(f"{path}/")
    return _is_a_page(path) or slashed


def _is_a_page(path: str) -> bool:
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return not PAGE_NAMESPACES.isdisjoint(match.namespaces)


def _accepts_html(request: HttpRequest) -> bool:
    """Whether `Accept` names `text/html` with a quality above 0 (`*/*` names nothing)."""
    return any(
        (accepted.main_type, accepted.sub_type) == ("text", "html")
        for accepted in request.accepted_types  # lowercased; those of quality 0 left out
    )


def body_limit(path: str) -> int:
    if path.startswith(WEBHOOK_PREFIX):
        return int(settings.WEBHOOK_MAX_BODY_BYTES)
    if path.startswith(ADMIN_PREFIX):
        return int(settings.ADMIN_MAX_BODY_BYTES)
    return int(settings.API_MAX_BODY_BYTES)


def _oversized(request: HttpRequest) -> Refusal | None:
    limit = body_limit(request.path_info)
    declared = (request.META.get("CONTENT_LENGTH") or "").strip()
    if declared:
        if not _CONTENT_LENGTH.fullmatch(declared):
            return Refusal(400, "bad_request", "Content-Length must be a number.")
        return _too_large(limit) if int(declared) > limit else None
    if request.META.get("wsgi.input_terminated"):
        return _buffer_chunked_body(request, limit)
    return None


def _buffer_chunked_body(request: HttpRequest, limit: int) -> Refusal | None:
    """Read a body of unknown length up to the limit, and hand it on as if it had been sent
    with a `Content-Length` (Django and DRF read no body without one)."""
    try:
        body = request.META["wsgi.input"].read(limit + 1)
    except OSError:  # gunicorn's InvalidChunkSize, ChunkMissingTerminator, NoMoreData
        return Refusal(
            400,
            "bad_request",
            "The chunked request body is malformed or incomplete.",
            "Send the body again, complete and correctly chunked, or with a Content-Length.",
        )
    if len(body) > limit:
        return _too_large(limit)
    request.META["CONTENT_LENGTH"] = str(len(body))
    request._stream = io.BytesIO(body)
    return None


TOO_LARGE = "request_too_large"
SEND_LESS = "Send a smaller body."


def too_large_message(limit: int) -> str:
    return f"The request body is larger than the {limit} bytes this endpoint accepts."


def _too_large(limit: int) -> Refusal:
    return Refusal(413, TOO_LARGE, too_large_message(limit), SEND_LESS)


def _nul_outside_body(request: HttpRequest) -> Refusal | None:
    try:
        query = request.GET.lists()
    except TooManyFieldsSent:
        return Refusal(400, "bad_request", "Too many query parameters.")
    where = ""
    if NUL in request.path_info:
        where = "path"
    elif any(NUL in key or NUL in "".join(values) for key, values in query):
        where = "query string"
    elif any(NUL in str(value) for key, value in request.META.items() if _is_header(key)):
        where = "headers"
    return _nul_refused(where) if where else None


def _nul_in_form(request: HttpRequest) -> Refusal | None:
    if request.content_type != "application/x-www-form-urlencoded":
        return None
    body = request.body  # bounded by the size check; Django keeps it for the view
    return _nul_refused("form fields") if b"\x00" in unquote_to_bytes(body) else None


def _is_header(meta_key: str) -> bool:
    return meta_key.startswith("HTTP_") or meta_key in ("CONTENT_TYPE", "CONTENT_LENGTH")


def _nul_refused(where: str) -> Refusal:
    return Refusal(
        400,
        "bad_request",
        f"A NUL character is never valid in a request's {where}.",
        "Remove the NUL (\\u0000) character and send the request again.",
    )
