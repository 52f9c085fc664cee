"""PaymentIntents and their state machine, driven by the test cards.

requires_payment_method -> requires_confirmation -> [requires_action] -> succeeded
(or requires_capture -> succeeded with manual capture), canceled from any unfinished state.
A declined attempt records a failed Charge, goes back to requires_payment_method with
`last_payment_error`, and answers 402 `card_error`. Card payments settle at once, so the
sandbox never shows `processing`.
"""

from __future__ import annotations

import stripe
from stripe.params import (
    PaymentIntentCancelParams,
    PaymentIntentCaptureParams,
    PaymentIntentConfirmParams,
    PaymentIntentCreateParams,
    PaymentIntentListParams,
    PaymentIntentRetrieveParams,
    PaymentIntentUpdateParams,
)

from stripe_sandbox import cards, errors
from stripe_sandbox.hooks import Hook
from stripe_sandbox.resource import Resource
from stripe_sandbox.resources import charges, intents, payment_methods
from stripe_sandbox.resources.common import (
    apply_changes,
    live,
    paginate,
    picked,
    select_matching,
)
from stripe_sandbox.routing import Call, JsonObject, Router

PAYMENT_INTENT = Resource(stripe.PaymentIntent, "pi_", 24)
router = Router((PAYMENT_INTENT,))

MINIMUM_AMOUNT = 50
MAXIMUM_AMOUNT = 99_999_999
CONFIRMABLE = frozenset({"requires_payment_method", "requires_confirmation", "requires_action"})
UPDATABLE = CONFIRMABLE
CANCELABLE = CONFIRMABLE | {"requires_capture"}

AUTHENTICATION_REQUIRED = cards.Decline(
    "authentication_required",
    "authentication_required",
    "Your card was declined. This transaction requires authentication.",
)
AUTHENTICATION_FAILED_MESSAGE = (
    "The provided PaymentMethod has failed authentication. You can provide payment_method_data "
    "or a new PaymentMethod to attempt to fulfill this PaymentIntent again."
)

SUCCEEDED: Hook[[Call, JsonObject]] = Hook("a PaymentIntent succeeded")
"""Fired once `payment_intent.succeeded` is out: what it paid for (an invoice) moves on."""

_UPDATABLE_FIELDS = (
    "amount",
    "capture_method",
    "currency",
    "customer",
    "description",
    "metadata",
    "payment_method_types",
    "receipt_email",
    "setup_future_usage",
    "statement_descriptor",
    "statement_descriptor_suffix",
)


def _check_amount(amount: int) -> None:
    if amount < MINIMUM_AMOUNT:
        raise errors.invalid_request(
            "Amount must be at least $0.50 usd", param="amount", code="amount_too_small"
        )
    if amount > MAXIMUM_AMOUNT:
        raise errors.invalid_request(
            "Amount must be no more than $999,999.99", param="amount", code="amount_too_large"
        )


@router.post("/v1/payment_intents", PaymentIntentCreateParams)
def create(call: Call) -> JsonObject:
    return create_from(call, call.params)


def create_from(call: Call, params: JsonObject) -> JsonObject:
    """A PaymentIntent from create parameters (also what Checkout creates on completion),
    confirmed when `params["confirm"]` says so."""
    _check_amount(params["amount"])
    if "automatic_payment_methods" in params and "payment_method_types" in params:
        raise errors.invalid_request(
            "You may only specify one of these parameters: automatic_payment_methods, "
            "payment_method_types.",
            param="automatic_payment_methods",
        )
    payment_intent = intents.create_intent(
        call,
        PAYMENT_INTENT,
        params,
        amount=params["amount"],
        capture_method=params.get("capture_method", "automatic_async"),
        confirmation_method=params.get("confirmation_method", "automatic"),
        currency=params["currency"].lower(),
        payment_method_options={
            "card": {
                "installments": None,
                "mandate_options": None,
                "network": None,
                "request_three_d_secure": "automatic",
            }
        },
        receipt_email=params.get("receipt_email"),
        setup_future_usage=params.get("setup_future_usage") or None,
        statement_descriptor=params.get("statement_descriptor"),
        statement_descriptor_suffix=params.get("statement_descriptor_suffix"),
    )
    if params.get("confirm"):
        confirm(call, payment_intent, params)
    return payment_intent


@router.get("/v1/payment_intents/{id}", PaymentIntentRetrieveParams)
def retrieve(call: Call) -> JsonObject:
    return call.store.get("payment_intent", call.path["id"])


@router.post("/v1/payment_intents/{id}", PaymentIntentUpdateParams)
def update(call: Call) -> JsonObject:
    payment_intent = call.store.get("payment_intent", call.path["id"])
    intents.require_status(payment_intent, "update", UPDATABLE)
    params = call.params
    if "amount" in params:
        _check_amount(params["amount"])
    if params.get("customer"):
        live(call.store, "customer", params["customer"], param="customer")
    fields = picked(params, _UPDATABLE_FIELDS)
    for name in ("customer", "setup_future_usage", "receipt_email", "description"):
        if fields.get(name) == "":
            fields[name] = None
    requested = intents.requested_payment_method(call, params)
    if requested:
        fields.update(payment_method=requested["id"], status="requires_confirmation")
    payment_method_id = fields.get("payment_method", payment_intent["payment_method"])
    if payment_method_id:
        intents.require_usable_by(
            fields.get("customer", payment_intent["customer"]),
            call.store.get("payment_method", payment_method_id),
            noun="PaymentIntent",
        )
    apply_changes(payment_intent, fields)
    return payment_intent


@router.post("/v1/payment_intents/{id}/confirm", PaymentIntentConfirmParams)
def confirm_route(call: Call) -> JsonObject:
    payment_intent = call.store.get("payment_intent", call.path["id"])
    return confirm(call, payment_intent, call.params)


def confirm(call: Call, payment_intent: JsonObject, params: JsonObject) -> JsonObject:
    """Confirm with the intent's PaymentMethod (or `params["payment_method"]`)."""
    intents.require_status(payment_intent, "confirm", CONFIRMABLE)
    intents.use_requested_payment_method(call, payment_intent, params)
    for name in ("receipt_email", "setup_future_usage"):
        if name in params:
            payment_intent[name] = params[name] or None
    payment_method = intents.payment_method_to_confirm(call, payment_intent)
    card = cards.for_payment_method(payment_method)
    off_session = bool(params.get("off_session"))
    if _needs_authentication(card, payment_method, off_session=off_session):
        if off_session or params.get("error_on_requires_action"):
            return _decline(call, payment_intent, payment_method, AUTHENTICATION_REQUIRED)
        return intents.require_authentication(
            call, payment_intent, resource=stripe.PaymentIntent, return_url=params.get("return_url")
        )
    return _charge(call, payment_intent, payment_method, card.decline)


def _needs_authentication(
    card: cards.TestCard, payment_method: JsonObject, *, off_session: bool
) -> bool:
    if card.authentication is cards.Authentication.ALWAYS:
        return True
    if card.authentication is cards.Authentication.UNLESS_SET_UP:
        return not (off_session and payment_method["customer"] is not None)
    return False


def complete_authentication(
    call: Call, payment_intent: JsonObject, *, approved: bool
) -> JsonObject:
    """The cardholder's 3-D Secure answer: approval goes on to charge the card (which may still
    decline), failure returns the intent to requires_payment_method."""
    payment_method = intents.payment_method_to_authenticate(call, payment_intent)
    if approved:
        return _charge(
            call, payment_intent, payment_method, cards.for_payment_method(payment_method).decline
        )
    payment_intent.update(
        status="requires_payment_method",
        payment_method=None,
        last_payment_error=intents.attempt_error(
            stripe.PaymentIntent.LastPaymentError,
            payment_method,
            code="payment_intent_authentication_failure",
            message=AUTHENTICATION_FAILED_MESSAGE,
            error_type="invalid_request_error",
        ),
    )
    call.emit("payment_intent.payment_failed", payment_intent)
    return payment_intent


def _charge(
    call: Call,
    payment_intent: JsonObject,
    payment_method: JsonObject,
    decline: cards.Decline | None,
) -> JsonObject:
    if decline is not None:
        return _decline(call, payment_intent, payment_method, decline)
    charge = charges.create_charge(call, payment_intent, payment_method, None)
    payment_intent.update(latest_charge=charge["id"], last_payment_error=None, next_action=None)
    call.emit("charge.succeeded", charge)
    if charge["captured"]:
        charges.CAPTURED(call, charge)
    if payment_intent["setup_future_usage"] and payment_intent["customer"]:
        payment_methods.attach_to(call, payment_method["id"], payment_intent["customer"])
    if charge["captured"]:
        payment_intent.update(status="succeeded", amount_received=payment_intent["amount"])
        call.emit("payment_intent.succeeded", payment_intent)
        SUCCEEDED(call, payment_intent)
    else:
        payment_intent.update(status="requires_capture", amount_capturable=payment_intent["amount"])
        call.emit("payment_intent.amount_capturable_updated", payment_intent)
    return payment_intent


def _decline(
    call: Call,
    payment_intent: JsonObject,
    payment_method: JsonObject,
    decline: cards.Decline,
) -> JsonObject:
    """Record the failed attempt, then answer the 402 Stripe answers."""
    charge = charges.create_charge(call, payment_intent, payment_method, decline)
    payment_intent.update(
        status="requires_payment_method",
        payment_method=None,
        latest_charge=charge["id"],
        next_action=None,
        last_payment_error=intents.attempt_error(
            stripe.PaymentIntent.LastPaymentError,
            payment_method,
            code=decline.code,
            message=decline.message,
            error_type="card_error",
            decline_code=decline.decline_code,
            charge=charge["id"],
        ),
    )
    call.emit("charge.failed", charge)
    call.emit("payment_intent.payment_failed", payment_intent)
    raise intents.card_declined(decline, payment_intent, payment_method, charge=charge["id"])


@router.post("/v1/payment_intents/{id}/capture", PaymentIntentCaptureParams)
def capture(call: Call) -> JsonObject:
    payment_intent = call.store.get("payment_intent", call.path["id"])
    intents.require_status(payment_intent, "capture", frozenset({"requires_capture"}))
    amount = call.params.get("amount_to_capture", payment_intent["amount_capturable"])
    if not 0 < amount <= payment_intent["amount_capturable"]:
        raise errors.invalid_request(
            "The amount to capture must be a positive integer no greater than the amount "
            f"capturable ({payment_intent['amount_capturable']}).",
            param="amount_to_capture",
            code="amount_too_large",
        )
    charge = call.store.get("charge", payment_intent["latest_charge"])
    previous = apply_changes(charge, {"captured": True, "amount_captured": amount})
    charges.attach_balance_transaction(call, charge)
    previous["balance_transaction"] = None
    if "metadata" in call.params:
        apply_changes(payment_intent, {"metadata": call.params["metadata"]})
    payment_intent.update(status="succeeded", amount_capturable=0, amount_received=amount)
    call.emit("charge.captured", charge, previous)
    charges.CAPTURED(call, charge)
    call.emit("payment_intent.succeeded", payment_intent)
    SUCCEEDED(call, payment_intent)
    return payment_intent


@router.post("/v1/payment_intents/{id}/cancel", PaymentIntentCancelParams)
def cancel(call: Call) -> JsonObject:
    payment_intent = call.store.get("payment_intent", call.path["id"])
    return cancel_intent(call, payment_intent, call.params.get("cancellation_reason"))


def cancel_intent(call: Call, payment_intent: JsonObject, reason: str | None) -> JsonObject:
    intents.require_status(payment_intent, "cancel", CANCELABLE)
    if payment_intent["status"] == "requires_capture":
        charge = call.store.get("charge", payment_intent["latest_charge"])
        charge.update(refunded=True, amount_refunded=charge["amount"])
    return intents.mark_canceled(
        call, payment_intent, reason, canceled_at=call.now(), amount_capturable=0
    )


@router.get("/v1/payment_intents", PaymentIntentListParams)
def list_payment_intents(call: Call) -> JsonObject:
    found = select_matching(call, "payment_intent", ("customer",))
    return paginate(call, found, "/v1/payment_intents")
