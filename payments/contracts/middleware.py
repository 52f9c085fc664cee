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
    """Our own JSON errors only (none of these paths streams): HTML pages are left alone."""
    if not response.get("Content-Type", "").startswith("application/json"):
        return
    body = json.loads(response.content)
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        response.content = json.dumps({"error": error["message"]}).encode()
