"""Helpers shared by the sandbox tests."""

from typing import Any

import stripe


def error_of(exc: stripe.StripeError) -> dict[str, Any]:
    """The `error` hash of the answer behind an SDK exception."""
    body = exc.json_body
    assert isinstance(body, dict)
    return body["error"]
