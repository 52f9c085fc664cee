"""The OpenAPI schema documents every error status an operation can answer, with the error shape.

Generic statuses are derived from what the operation is:
- 400 when it takes a body, query parameters or headers; 415 when it takes a body; 413 for every
  POST, PUT and PATCH (the size limit applies whether the view reads a body or not);
- 401 when an authenticator runs (a bad token is refused even where anonymous use is allowed);
- 403 when a session may authenticate an unsafe request (CSRF), or a permission beyond
  "authenticated" applies;
- 404 when its path has a parameter, or it lists a paginated collection (an unknown page);
- 429 when it is throttled.
What only the view knows, it declares with `api_errors` on the view class or on one action:

    @api_errors(402, 409, (503, "Stripe is unavailable; retry with the same Idempotency-Key."))
    def create(self, request): ...

Statuses a view documents itself (`extend_schema(responses={...})`) are left as it wrote them.
"""

from collections.abc import Callable
from typing import Any, TypeVar

from drf_spectacular import openapi
from rest_framework import permissions, serializers

DEFAULT_DESCRIPTIONS = {
    400: "The request is invalid: its body, parameters or headers (see `fields`).",
    401: "Not authenticated, or the credentials are wrong.",
    402: "The payment was declined (`decline_code`, with advice in `suggestion`).",
    403: "Not allowed (for a session: a missing or wrong CSRF token).",
    404: "Not found.",
    409: "Conflicts with the current state; `retryable` says whether waiting helps.",
    413: "The body is larger than this endpoint accepts.",
    415: "The body is not JSON (`Content-Type: application/json`).",
    422: "The Idempotency-Key was already used for a different request.",
    429: "Too many requests: retry after the number of seconds in `Retry-After`.",
    503: "A service we depend on is unavailable; safe to retry.",
}
BODY_METHODS = {"POST", "PUT", "PATCH"}
PLAIN_PERMISSIONS = (permissions.AllowAny, permissions.IsAuthenticated)
ErrorDeclaration = int | tuple[int, str]
Declared = TypeVar("Declared", bound=Callable[..., Any] | type)


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable and machine-readable.")
    message = serializers.CharField(help_text="For people; quotes client input only briefly.")
    retryable = serializers.BooleanField(help_text="Whether the same request may succeed later.")
    suggestion = serializers.CharField(allow_blank=True, help_text="What to do next.")

    def get_fields(self) -> dict[str, serializers.Field]:
        # Declared here: a class attribute named `fields` would hide Serializer.fields.
        fields = super().get_fields()
        fields["fields"] = serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            help_text="Invalid fields and their messages (validation errors only).",
        )
        return fields


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()
    request_id = serializers.CharField(help_text="Also in the X-Request-ID response header.")


def api_errors(*declarations: ErrorDeclaration) -> Callable[[Declared], Declared]:
    """Declare the domain error statuses of a view class or of one of its actions."""

    def declare(target: Declared) -> Declared:
        inherited = dict(getattr(target, "api_errors", {}))
        for declaration in declarations:
            status, description = (
                declaration if isinstance(declaration, tuple) else (declaration, "")
            )
            inherited[status] = description or DEFAULT_DESCRIPTIONS.get(status, "Error.")
        target.api_errors = inherited  # type: ignore[union-attr]
        return target

    return declare


class AutoSchema(openapi.AutoSchema):
    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        responses = operation["responses"]
        for status, description in sorted(self._error_statuses(operation).items()):
            if str(status) not in responses:
                responses[str(status)] = self._error_response(status, description)
        return operation

    def _error_statuses(self, operation: dict[str, Any]) -> dict[int, str]:
        derived = self._derived_statuses(operation)
        statuses = {status: DEFAULT_DESCRIPTIONS[status] for status in derived}
        statuses.update(getattr(type(self.view), "api_errors", {}))
        statuses.update(getattr(self._handler(), "api_errors", {}))
        return statuses

    def _derived_statuses(self, operation: dict[str, Any]) -> set[int]:
        parameters = operation.get("parameters", [])
        security = [name for requirement in operation.get("security", []) for name in requirement]
        has_body = "requestBody" in operation
        statuses = set()
        if has_body or any(p["in"] in ("query", "header") for p in parameters):
            statuses.add(400)
        if has_body:
            statuses.add(415)
        if self.method in BODY_METHODS:
            statuses.add(413)
        if security:
            statuses.add(401)
        csrf_checked = "cookieAuth" in security and self.method not in ("GET", "HEAD", "OPTIONS")
        if csrf_checked or not all(_plain(p) for p in self.view.permission_classes):
            statuses.add(403)
        paginated = self.method == "GET" and self._is_list_view() and self._get_paginator()
        if paginated or any(p["in"] == "path" for p in parameters):
            statuses.add(404)
        if self.view.get_throttles():
            statuses.add(429)
        return statuses

    def _handler(self) -> object:
        """The view's function for this operation: a viewset action or a method handler."""
        action = getattr(self.view, "action", None) or self.method.lower()
        return getattr(self.view, action, None)

    def _error_response(self, status: int, description: str) -> dict[str, Any]:
        serializer = getattr(self.view, "error_serializer", ErrorSerializer)
        response = self._get_response_for_code(serializer, str(status))
        response["description"] = description
        if status in (429, 503):
            response["headers"] = {
                "Retry-After": {
                    "schema": {"type": "integer"},
                    "description": "Seconds to wait before retrying.",
                }
            }
        return response


def _plain(permission: object) -> bool:
    """Allows anyone, or anyone authenticated: refuses with 401, never 403."""
    return isinstance(permission, type) and issubclass(permission, PLAIN_PERMISSIONS)
