"""One error shape for every API error.

    {"error": {"code", "message", "retryable", "suggestion", "fields"}, "request_id"}

`code` is stable and machine-readable; `message` is for people; `fields` maps a field name to its
messages (validation only). Unhandled exceptions become a generic 500: the detail goes to the log
(with the request id), never to the client. Every message is passed through `brief()`, and a
body lists at most `MAX_FIELDS` fields of at most `MAX_MESSAGES_PER_FIELD` messages: client input
echoed in an error stays small.
"""

import logging
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from config.errors import AppError
from config.messages import brief
from config.request_id import current_request_id

logger = logging.getLogger(__name__)

GENERIC_SERVER_ERROR = "Something went wrong on our side. Please try again later."
RETRYABLE_STATUSES = {status.HTTP_429_TOO_MANY_REQUESTS, status.HTTP_503_SERVICE_UNAVAILABLE}
MAX_FIELDS = 50
MAX_MESSAGES_PER_FIELD = 5


def error_body(
    *,
    code: str,
    message: str,
    retryable: bool = False,
    suggestion: str = "",
    fields: dict[str, list[str]] | None = None,
    extra: Mapping[str, object] | None = None,
) -> dict[str, Any]:
    error = {
        "code": code,
        "message": brief(message),
        "retryable": retryable,
        "suggestion": suggestion,
        "fields": _brief_fields(fields or {}),
        **{key: brief(v) if isinstance(v, str) else v for key, v in (extra or {}).items()},
    }
    return {"error": error, "request_id": current_request_id()}


def json_error(
    *, status: int, code: str, message: str, suggestion: str = "", retryable: bool = False
) -> JsonResponse:
    """The error shape outside DRF: for middleware and plain Django views."""
    body = error_body(code=code, message=message, suggestion=suggestion, retryable=retryable)
    return JsonResponse(body, status=status)


def _brief_fields(fields: dict[str, list[str]]) -> dict[str, list[str]]:
    return {
        brief(name): [brief(m) for m in messages[:MAX_MESSAGES_PER_FIELD]]
        for name, messages in list(fields.items())[:MAX_FIELDS]
    }


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    if isinstance(exc, AppError):
        body = error_body(
            code=exc.code,
            message=exc.message,
            retryable=exc.retryable,
            suggestion=exc.suggestion,
            extra=exc.extra,
        )
        return Response(body, status=exc.status)

    if isinstance(exc, DjangoValidationError):  # raised by services and model validation
        exc = exceptions.ValidationError(detail=as_serializer_error(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        logger.exception("Unhandled error in %s", context.get("view").__class__.__name__)
        body = error_body(code="server_error", message=GENERIC_SERVER_ERROR, retryable=True)
        return Response(body, status=status.HTTP_500_INTERNAL_SERVER_ERROR)

    assert isinstance(exc, exceptions.APIException)  # DRF handles nothing else
    response.data = _shape(exc, response.status_code)
    return response


def _shape(exc: exceptions.APIException, status_code: int) -> dict[str, Any]:
    if isinstance(exc, exceptions.ValidationError):
        fields = _field_messages(exc.detail)
        return error_body(
            code="validation_error",
            message=_first_message(fields)
            if set(fields) == {"non_field_errors"}
            else "Some fields are missing or invalid.",
            fields=fields,
            suggestion="Correct the fields listed in `fields` and send the request again.",
        )
    code = exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code
    suggestion = ""
    if isinstance(exc, exceptions.Throttled):
        suggestion = "Wait for the number of seconds in the Retry-After header, then retry."
    elif isinstance(exc, exceptions.NotAuthenticated):
        suggestion = "Log in, or send `Authorization: Token <your token>`."
    return error_body(
        code=str(code),
        message=str(exc.detail),
        retryable=status_code in RETRYABLE_STATUSES,
        suggestion=suggestion,
    )


def _field_messages(detail: Any) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {
            str(name): [str(m) for m in _flatten(messages)] for name, messages in detail.items()
        }
    return {"non_field_errors": [str(m) for m in _flatten(detail)]}


def _flatten(detail: Any) -> list[Any]:
    if isinstance(detail, list):
        return [item for entry in detail for item in _flatten(entry)]
    if isinstance(detail, dict):
        return [item for entry in detail.values() for item in _flatten(entry)]
    return [detail]


def _first_message(fields: dict[str, list[str]]) -> str:
    return next((messages[0] for messages in fields.values() if messages), "Invalid input.")


def json_not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return json_error(status=status.HTTP_404_NOT_FOUND, code="not_found", message="Not found.")


@csrf_exempt
def api_not_found(request: HttpRequest) -> JsonResponse:
    """Every `/api/` path no route names, whatever the method, and in development too (where
    Django would answer its HTML debug page instead of calling `handler404`)."""
    return json_not_found(request)


def json_server_error(request: HttpRequest) -> JsonResponse:
    return json_error(
        status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        code="server_error",
        message=GENERIC_SERVER_ERROR,
        retryable=True,
    )
