"""One error shape for every API error.

    {"error": {"code", "message", "retryable", "suggestion", "fields"}, "request_id"}

`code` is stable and machine-readable; `message` is for people; `fields` maps a field name to its
messages (validation only). Unhandled exceptions become a generic 500: the detail goes to the log
(with the request id), never to the client.
"""

import logging
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from config.errors import AppError
from config.request_id import current_request_id

logger = logging.getLogger(__name__)

GENERIC_SERVER_ERROR = "Something went wrong on our side. Please try again later."
RETRYABLE_STATUSES = {status.HTTP_429_TOO_MANY_REQUESTS, status.HTTP_503_SERVICE_UNAVAILABLE}


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
        "message": message,
        "retryable": retryable,
        "suggestion": suggestion,
        "fields": fields or {},
        **(extra or {}),
    }
    return {"error": error, "request_id": current_request_id()}


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
    return JsonResponse(
        error_body(code="not_found", message="Not found."), status=status.HTTP_404_NOT_FOUND
    )


def json_server_error(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        error_body(code="server_error", message=GENERIC_SERVER_ERROR, retryable=True),
        status=status.HTTP_500_INTERNAL_SERVER_ERROR,
    )
