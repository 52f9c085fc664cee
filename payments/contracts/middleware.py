"""Refusals made before a contract's view runs (a body too large, a NUL in the path, query or
headers, a deadline passed...) come from middleware in the native error shape; the seed
contracts' clients read `{"error": "..."}` only. This middleware, above those that refuse,
reduces such an answer on a contract's path to that shape (status and headers kept)."""

import json
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

CONTRACT_PREFIXES = (
    "/api/checkout/embedded-session",
    "/api/checkout/session-status",
    "/api/stripe/",
    "/customers",
    "/products",
    "/payments/",
)


class ContractErrorShapeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code >= 400 and request.path_info.startswith(CONTRACT_PREFIXES):
            _reduce(response)
        return response


def _reduce(response: HttpResponse) -> None:
    """Our own JSON errors in the native shape become `{"error": message}`; any other error
    answer (none of these paths streams, and Django's pages are JSON here) `{"error": reason}`.
    A Content-Length set below (CommonMiddleware's) is set again: left as it was, it promised
    a client the native body's length and made it wait for bytes that never came."""
    if response.get("Content-Type", "").startswith("application/json"):
        body = json.loads(response.content)
        error = body.get("error") if isinstance(body, dict) else None
        if not (isinstance(error, dict) and isinstance(error.get("message"), str)):
            return  # already the contract's shape
        message = error["message"]
    else:
        message = response.reason_phrase
        response["Content-Type"] = "application/json"
    response.content = json.dumps({"error": message}).encode()
    if response.has_header("Content-Length"):
        response["Content-Length"] = str(len(response.content))
