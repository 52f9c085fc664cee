"""What every seed-contract view shares: the `{"error": "..."}` error shape, a throttle per
contract (rates in settings), and one log line per request with its outcome.

Errors are first rendered by the native handler (so statuses, `Retry-After` and
`WWW-Authenticate` are the same as everywhere), then reduced to the one message the contracts'
clients read. Nothing sensitive reaches either: domain messages quote client input briefly, and
unexpected errors answer a generic message (the detail goes to the log, with the request id).
"""

import logging
from collections.abc import Mapping
from typing import Any

from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from config.exceptions import api_exception_handler

logger = logging.getLogger("payments.contracts")
PASSED_HEADERS = ("Retry-After", "WWW-Authenticate")


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer only: money in minor units is never a string, a float or a boolean."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return int(super().to_internal_value(data))


class StrictCharField(serializers.CharField):
    """A JSON string only: DRF would turn 0 or true into "0" and "True"."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return str(super().to_internal_value(data))


class ContractSerializer(serializers.Serializer):
    """A request body whose text fields take JSON strings only."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            wrong = {
                name: ["Not a valid string."]
                for name, field in self.fields.items()
                if isinstance(field, serializers.CharField)
                and data.get(name) is not None
                and not isinstance(data[name], str)
            }
            if wrong:
                raise serializers.ValidationError(wrong)
        return super().to_internal_value(data)


class ContractErrorSerializer(serializers.Serializer):
    error = serializers.CharField(help_text="What went wrong, for people.")


def contract_exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    native = api_exception_handler(exc, context)
    error = native.data["error"]
    message = error["message"]
    fields = error.get("fields") or {}
    if fields:
        name, messages = next(iter(fields.items()))
        message = messages[0] if name == "non_field_errors" else f"{name}: {messages[0]}"
    response = Response({"error": message}, status=native.status_code)
    for header in PASSED_HEADERS:
        if header in native:
            response[header] = native[header]
    return response


class ContractThrottle(SimpleRateThrottle):
    """Per contract (the view's `contract`), per caller: a service key, a learner, or else the
    client's IP address."""

    def __init__(self) -> None:  # the scope is the view's, known only per request
        pass

    def allow_request(self, request: Request, view: APIView) -> bool:
        self.scope = f"contract_{view.contract}"  # type: ignore[attr-defined]
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_rate(self) -> str:
        # Read per request (not at import, as DRF's class attribute is): settings decide.
        return str(api_settings.DEFAULT_THROTTLE_RATES[str(self.scope)])

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if request.auth is not None and hasattr(request.auth, "prefix"):
            ident = f"key:{request.auth.prefix}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class ContractView(APIView):
    """A seed contract's endpoint. Subclasses name their `contract` (the throttle's scope)."""

    contract = ""
    error_serializer = ContractErrorSerializer
    throttle_classes = [ContractThrottle]

    def get_exception_handler(self) -> Any:
        return contract_exception_handler

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        data = getattr(response, "data", None)
        error = data.get("error") if isinstance(data, dict) else None
        logger.log(
            logging.WARNING if response.status_code >= 500 else logging.INFO,
            "contract %s %s %s -> %s%s",
            self.contract,
            request.method,
            type(self).__name__,
            response.status_code,
            f" ({error})" if isinstance(error, str) else "",
        )
        return response
