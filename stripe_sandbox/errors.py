"""Stripe's error responses: `{"error": {...}}` with the status code Stripe uses for each type."""

from __future__ import annotations

from typing import Any

DOCS = "https://docs.stripe.com/error-codes"


class StripeError(Exception):
    """An error answered to the client exactly as Stripe shapes it.

    Raising one from a handler after it changed state is allowed (a declined confirmation
    updates the PaymentIntent and then answers 402); nothing is rolled back.
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        error_type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = error_type
        self.code = code
        self.param = param
        self.extra = extra or {}
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"type": self.type, "message": self.message}
        if self.code:
            error["code"] = self.code
            error["doc_url"] = f"{DOCS}#{self.code.replace('_', '-')}"
        if self.param:
            error["param"] = self.param
        error.update(self.extra)
        return {"error": error}


def invalid_request(
    message: str, *, param: str | None = None, code: str | None = None, status: int = 400
) -> StripeError:
    return StripeError(status, message, code=code, param=param)


def parameter_unknown(param: str) -> StripeError:
    return invalid_request(
        f"Received unknown parameter: {param}", param=param, code="parameter_unknown"
    )


def parameter_missing(param: str) -> StripeError:
    return invalid_request(
        f"Missing required param: {param}.", param=param, code="parameter_missing"
    )


def parameter_invalid(param: str, kind: str, message: str) -> StripeError:
    """`kind` completes the code: integer, boolean, enum, string, object, array, empty."""
    return invalid_request(message, param=param, code=f"parameter_invalid_{kind}")


def resource_missing(object_name: str, object_id: str, *, param: str = "id") -> StripeError:
    noun = object_name.replace("_", " ").replace(".", " ")
    return invalid_request(
        f"No such {noun}: '{object_id}'", param=param, code="resource_missing", status=404
    )


def unexpected_state(
    message: str, *, code: str, extra: dict[str, Any] | None = None
) -> StripeError:
    return StripeError(400, message, code=code, extra=extra)


def authentication(message: str) -> StripeError:
    return StripeError(401, message)


def idempotency_mismatch(key: str) -> StripeError:
    return StripeError(
        400,
        "Keys for idempotent requests can only be used with the same parameters they were first "
        f"used with. Try using a key other than '{key}' if you meant to execute a different "
        "request.",
        error_type="idempotency_error",
    )


def idempotency_in_use(key: str) -> StripeError:
    return StripeError(
        409,
        f"There is currently another in-progress request using this Stripe token (probably "
        f"your idempotency key: '{key}'). Try the request again later.",
        code="idempotency_key_in_use",
        headers={"Stripe-Should-Retry": "true"},
    )


def card_error(
    message: str,
    *,
    code: str,
    decline_code: str | None = None,
    param: str | None = None,
    extra: dict[str, Any] | None = None,
) -> StripeError:
    details: dict[str, Any] = {"decline_code": decline_code} if decline_code else {}
    details.update(extra or {})
    return StripeError(402, message, error_type="card_error", code=code, param=param, extra=details)


def route_missing(method: str, path: str) -> StripeError:
    return invalid_request(
        f"Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs or we "
        "can help at https://support.stripe.com/.",
        status=404,
    )
