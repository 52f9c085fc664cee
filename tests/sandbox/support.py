"""Helpers shared by the sandbox tests."""

from typing import Any

import stripe


def error_of(exc: stripe.StripeError) -> dict[str, Any]:
    """The `error` hash of the answer behind an SDK exception."""
    body = exc.json_body
    assert isinstance(body, dict)
    return body["error"]


def previous_attributes(event: stripe.Event) -> dict[str, Any]:
    """What an `*.updated`-style event says changed, as plain data."""
    previous = event.data.previous_attributes
    assert previous is not None
    return previous.to_dict()
