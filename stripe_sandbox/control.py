"""The control API under `/_sandbox/`: what only a sandbox can do (reset, move the clock,
answer 3-D Secure, inspect deliveries). JSON in and out, no API key: it listens on loopback
for tests, demos and the app's development pages."""

from __future__ import annotations

from typing import Any

from stripe_sandbox import errors
from stripe_sandbox.resources import payment_intents
from stripe_sandbox.resources.account import platform_account
from stripe_sandbox.routing import Call, JsonObject, Router

router = Router()

AUTHENTICATION_OUTCOMES = ("approve", "fail")


def _required(call: Call, name: str, kind: type | tuple[type, ...]) -> Any:
    if name not in call.params:
        raise errors.parameter_missing(name)
    value = call.params[name]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise errors.invalid_request(f"Invalid {name}: {value!r}", param=name)
    return value


@router.get("/_sandbox/health")
def health(call: Call) -> JsonObject:
    return {"status": "ok", "account": platform_account(call)["id"], "now": call.now()}


@router.post("/_sandbox/reset")
def reset(call: Call) -> JsonObject:
    call.sandbox.reset()
    return {"reset": True}


@router.post("/_sandbox/clock/advance")
def advance_clock(call: Call) -> JsonObject:
    seconds = _required(call, "seconds", (int, float))
    if seconds < 0:
        raise errors.invalid_request("The clock only moves forward.", param="seconds")
    call.clock.advance(seconds)
    return {"now": call.now()}


@router.post("/_sandbox/payment_intents/{id}/authenticate")
def authenticate(call: Call) -> JsonObject:
    """The cardholder's answer to 3-D Secure. A card that declines after authentication
    still answers 200 here: the decline is on the PaymentIntent, as a browser would see it."""
    outcome = _required(call, "outcome", str)
    if outcome not in AUTHENTICATION_OUTCOMES:
        raise errors.invalid_request(
            f"Invalid outcome: must be one of {', '.join(AUTHENTICATION_OUTCOMES)}",
            param="outcome",
        )
    payment_intent = call.store.get("payment_intent", call.path["id"])
    try:
        return payment_intents.complete_authentication(
            call, payment_intent, approved=outcome == "approve"
        )
    except errors.StripeError as exc:
        if exc.type != "card_error":
            raise
        return payment_intent


@router.get("/_sandbox/deliveries")
def deliveries(call: Call) -> JsonObject:
    attempts = [attempt.as_json() for attempt in call.sandbox.dispatcher.attempts()]
    return {"object": "list", "data": attempts, "has_more": False, "url": "/_sandbox/deliveries"}
