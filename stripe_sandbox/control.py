"""The control API under `/_sandbox/`: what only a sandbox can do (reset, move the clock,
answer 3-D Secure, complete or expire Checkout Sessions, inject faults, inspect deliveries).
JSON in and out, no API key: it listens on loopback for tests, demos, the app's development
pages and the sandbox's own browser pages."""

from __future__ import annotations

from typing import Any

from stripe_sandbox import errors, shapes
from stripe_sandbox.resources import (
    checkout_sessions,
    payment_intents,
    refunds,
    setup_intents,
    subscriptions,
)
from stripe_sandbox.resources.account import platform_account
from stripe_sandbox.routing import Call, Controls, JsonObject, Router
from stripe_sandbox.webhooks import Chaos

router = Router()

AUTHENTICATION_OUTCOMES = ("approve", "fail")


def _controls(call: Call) -> Controls:
    assert call.controls is not None, "the app gives control routes their controls"
    return call.controls


def _required(call: Call, name: str, kind: type | tuple[type, ...]) -> Any:
    if name not in call.params:
        raise errors.parameter_missing(name)
    value = call.params[name]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise errors.invalid_request(f"Invalid {name}: {value!r}", param=name)
    return value


@router.get("/_sandbox/health")
def health(call: Call) -> JsonObject:
    return {
        "status": "ok",
        "account": platform_account(call)["id"],
        "now": call.now(),
        "objects": call.store.counts(),
    }


@router.post("/_sandbox/reset", locked=False)
def reset(call: Call) -> JsonObject:
    """Everything back to empty once the webhooks already on the wire are answered."""
    _controls(call).reset()
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
    outcome = _outcome(call)
    payment_intent = call.store.get("payment_intent", call.path["id"])
    try:
        return payment_intents.complete_authentication(
            call, payment_intent, approved=outcome == "approve"
        )
    except errors.StripeError as exc:
        if exc.type != "card_error":
            raise
        return payment_intent


def _outcome(call: Call) -> str:
    outcome = _required(call, "outcome", str)
    if outcome not in AUTHENTICATION_OUTCOMES:
        raise errors.invalid_request(
            f"Invalid outcome: must be one of {', '.join(AUTHENTICATION_OUTCOMES)}",
            param="outcome",
        )
    return str(outcome)


@router.post("/_sandbox/setup_intents/{id}/authenticate")
def authenticate_setup(call: Call) -> JsonObject:
    """As for PaymentIntents: a card that declines once authenticated answers 200 here."""
    approved = _outcome(call) == "approve"
    setup_intent = call.store.get("setup_intent", call.path["id"])
    try:
        return setup_intents.complete_authentication(call, setup_intent, approved=approved)
    except errors.StripeError as exc:
        if exc.type != "card_error":
            raise
        return setup_intent


@router.get("/_sandbox/deliveries")
def deliveries(call: Call) -> JsonObject:
    attempts = [attempt.as_json() for attempt in _controls(call).dispatcher.attempts()]
    return shapes.list_object("/_sandbox/deliveries", attempts)


@router.get("/_sandbox/checkout/sessions/{id}")
def checkout_view(call: Call) -> JsonObject:
    """What a checkout page shows: the session, its line items, its PaymentIntent (for a
    pending 3-D Secure step) and where the shopper goes next."""
    session = checkout_sessions.current(call, call.path["id"])
    payment_intent = (
        call.store.find(session["payment_intent"]) if session["payment_intent"] else None
    )
    if session["invoice"]:
        payment_intent = subscriptions.invoice_payment_intent(call.store, session["invoice"])
    return {
        "session": session,
        "line_items": checkout_sessions.line_items(call.store, session["id"]),
        "payment_intent": payment_intent,
        "setup_intent": call.store.find(session["setup_intent"])
        if session["setup_intent"]
        else None,
        "success_url": checkout_sessions.redirect_url(
            session["success_url"] or session["return_url"], session["id"]
        ),
        "cancel_url": session["cancel_url"],
    }


@router.post("/_sandbox/checkout/sessions/{id}/complete")
def complete_checkout(call: Call) -> JsonObject:
    """Pay as the shopper would: `{"payment_method": "pm_card_visa"}` or `{"card_number":
    "4000000000000002"}` (4242... by default). A decline answers 402 with Stripe's error."""
    session = checkout_sessions.current(call, call.path["id"])
    for name in ("payment_method", "card_number"):
        if name in call.params:
            _required(call, name, str)
    payment_method = checkout_sessions.resolve_card(call, call.params)
    return checkout_sessions.complete(call, session, payment_method)


@router.post("/_sandbox/checkout/sessions/{id}/expire")
def expire_checkout(call: Call) -> JsonObject:
    return checkout_sessions.expire(call, checkout_sessions.current(call, call.path["id"]))


@router.post("/_sandbox/refunds/{id}/fail")
def fail_refund(call: Call) -> JsonObject:
    """The card network returns a refund now: `{"failure_reason"?: "..."}` (Stripe's values;
    `expired_or_canceled_card` by default). For a pending or a succeeded refund."""
    reason = call.params.get("failure_reason", refunds.TEST_CARD_FAILURE_REASON)
    if reason not in refunds.FAILURE_REASONS:
        raise errors.invalid_request(
            f"Invalid failure_reason: must be one of {', '.join(refunds.FAILURE_REASONS)}",
            param="failure_reason",
        )
    return refunds.fail(call, call.path["id"], str(reason))


@router.post("/_sandbox/refunds/{id}/succeed")
def settle_refund(call: Call) -> JsonObject:
    """A pending refund reaches the card now."""
    return refunds.settle(call, call.path["id"])


@router.post("/_sandbox/faults")
def add_fault(call: Call) -> JsonObject:
    return _controls(call).faults.add(call.params).as_json()


@router.get("/_sandbox/faults")
def list_faults(call: Call) -> JsonObject:
    faults = [fault.as_json() for fault in _controls(call).faults.all()]
    return shapes.list_object("/_sandbox/faults", faults)


@router.delete("/_sandbox/faults")
def clear_faults(call: Call) -> JsonObject:
    _controls(call).faults.clear()
    return {"cleared": True}


@router.post("/_sandbox/webhooks/chaos")
def set_webhook_chaos(call: Call) -> JsonObject:
    """`{"duplicate_rate": 0..1, "drop_rate": 0..1, "delay_ms": n, "reorder": bool, "seed": n}`;
    what is left out is off. Applies to deliveries scheduled from now on."""
    params = call.params
    unknown = set(params) - {"duplicate_rate", "drop_rate", "delay_ms", "reorder", "seed"}
    if unknown:
        raise errors.parameter_unknown(sorted(unknown)[0])
    rates = {name: params.get(name, 0) for name in ("duplicate_rate", "drop_rate")}
    for name, rate in rates.items():
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate <= 1:
            raise errors.invalid_request(f"Invalid {name}: a number from 0 to 1", param=name)
    delay = params.get("delay_ms", 0)
    if isinstance(delay, bool) or not isinstance(delay, int) or delay < 0:
        raise errors.invalid_request("Invalid delay_ms: milliseconds", param="delay_ms")
    reorder = params.get("reorder", False)
    if not isinstance(reorder, bool):
        raise errors.invalid_request("Invalid reorder: true or false", param="reorder")
    seed = params.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise errors.invalid_request("Invalid seed: an integer", param="seed")
    chaos = Chaos(
        duplicate_rate=float(rates["duplicate_rate"]),
        delay_ms=delay,
        reorder=reorder,
        drop_rate=float(rates["drop_rate"]),
        seed=seed,
    )
    _controls(call).dispatcher.set_chaos(chaos)
    return chaos.as_json()


@router.get("/_sandbox/webhooks/chaos")
def webhook_chaos(call: Call) -> JsonObject:
    return _controls(call).dispatcher.chaos.as_json()


_INTENTS = {"payment_intents": "payment_intent", "setup_intents": "setup_intent"}


def _browser_routes(kind: str, object_name: str) -> None:
    """What Stripe.js does with an intent's client secret, for the stripe.js stand-in."""

    @router.get(f"/_sandbox/{kind}/{{id}}")
    def read(call: Call) -> JsonObject:
        return call.store.get(object_name, call.path["id"])

    @router.post(f"/_sandbox/{kind}/{{id}}/confirm")
    def confirm(call: Call) -> JsonObject:
        """confirmPayment / confirmSetup / confirmCard*: confirm with the card typed in,
        authorised by the `client_secret`. `{"client_secret", "card_number" or
        "payment_method", "return_url"?}`; a decline answers 402 with Stripe's error."""
        intent = call.store.get(object_name, call.path["id"])
        if _required(call, "client_secret", str) != intent["client_secret"]:
            raise errors.invalid_request(
                f"The client_secret provided does not match any associated {object_name} on "
                "this account.",
                param="client_secret",
            )
        params: JsonObject = {"payment_method": checkout_sessions.resolve_card(call, call.params)}
        if call.params.get("return_url"):
            params["return_url"] = _required(call, "return_url", str)
        if object_name == "setup_intent":
            return setup_intents.confirm(call, intent, params)
        return payment_intents.confirm(call, intent, params)


for _kind, _object_name in _INTENTS.items():
    _browser_routes(_kind, _object_name)
