"""SetupIntents: save a card for later payments.

requires_payment_method -> requires_confirmation -> [requires_action] -> succeeded, or
canceled. Success attaches the PaymentMethod to the intent's customer (`payment_method.attached`)
and emits `setup_intent.succeeded`. A card that declines on attach fails the setup
(`setup_intent.setup_failed`, 402 `card_error`) and returns the intent to
requires_payment_method; the 3-D Secure cards ask for authentication, answered through the
control API or the sandbox's challenge page.
"""

from __future__ import annotations

import stripe
from stripe.params import (
    SetupIntentCancelParams,
    SetupIntentConfirmParams,
    SetupIntentCreateParams,
    SetupIntentListParams,
    SetupIntentRetrieveParams,
    SetupIntentUpdateParams,
)

from stripe_sandbox import cards
from stripe_sandbox.hooks import Hook
from stripe_sandbox.resource import Resource
from stripe_sandbox.resources import intents, payment_methods
from stripe_sandbox.resources.common import (
    apply_changes,
    live,
    paginate,
    picked,
    select_matching,
)
from stripe_sandbox.routing import Call, JsonObject, Router

SETUP_INTENT = Resource(stripe.SetupIntent, "seti_", 24)
router = Router((SETUP_INTENT,))

SUCCEEDED: Hook[[Call, JsonObject]] = Hook("a SetupIntent succeeded")
"""Fired once `setup_intent.succeeded` is out: what waited for the card (a subscription) moves
on."""

CONFIRMABLE = frozenset({"requires_payment_method", "requires_confirmation", "requires_action"})
CANCELABLE = CONFIRMABLE
AUTHENTICATION_FAILED_MESSAGE = (
    "The latest attempt to set up the payment method has failed because authentication failed."
)


def create_from(call: Call, params: JsonObject) -> JsonObject:
    """A SetupIntent from create parameters (also what Checkout and Subscriptions create)."""
    setup_intent = intents.create_intent(
        call,
        SETUP_INTENT,
        params,
        payment_method_options={
            "card": {
                "mandate_options": None,
                "network": None,
                "request_three_d_secure": "automatic",
            }
        },
        usage=params.get("usage", "off_session"),
    )
    if params.get("confirm"):
        confirm(call, setup_intent, params)
    return setup_intent


@router.post("/v1/setup_intents", SetupIntentCreateParams)
def create(call: Call) -> JsonObject:
    return create_from(call, call.params)


@router.get("/v1/setup_intents/{id}", SetupIntentRetrieveParams)
def retrieve(call: Call) -> JsonObject:
    return call.store.get("setup_intent", call.path["id"])


@router.post("/v1/setup_intents/{id}", SetupIntentUpdateParams)
def update(call: Call) -> JsonObject:
    setup_intent = call.store.get("setup_intent", call.path["id"])
    intents.require_status(setup_intent, "update", CONFIRMABLE)
    fields = picked(call.params, ("description", "metadata", "payment_method_types"))
    if call.params.get("customer"):
        fields["customer"] = live(call.store, "customer", call.params["customer"])["id"]
    requested = intents.requested_payment_method(call, call.params)
    if requested:
        fields.update(payment_method=requested["id"], status="requires_confirmation")
    payment_method_id = fields.get("payment_method", setup_intent["payment_method"])
    if payment_method_id:
        intents.require_usable_by(
            fields.get("customer", setup_intent["customer"]),
            call.store.get("payment_method", payment_method_id),
            noun="SetupIntent",
        )
    apply_changes(setup_intent, fields)
    return setup_intent


@router.post("/v1/setup_intents/{id}/confirm", SetupIntentConfirmParams)
def confirm_route(call: Call) -> JsonObject:
    return confirm(call, call.store.get("setup_intent", call.path["id"]), call.params)


def confirm(call: Call, setup_intent: JsonObject, params: JsonObject) -> JsonObject:
    intents.require_status(setup_intent, "confirm", CONFIRMABLE)
    intents.use_requested_payment_method(call, setup_intent, params)
    payment_method = intents.payment_method_to_confirm(call, setup_intent)
    card = cards.for_payment_method(payment_method)
    if card.authentication is not cards.Authentication.NEVER:
        return intents.require_authentication(
            call, setup_intent, resource=stripe.SetupIntent, return_url=params.get("return_url")
        )
    return _save(call, setup_intent, payment_method, card)


def complete_authentication(call: Call, setup_intent: JsonObject, *, approved: bool) -> JsonObject:
    payment_method = intents.payment_method_to_authenticate(call, setup_intent)
    if approved:
        return _save(call, setup_intent, payment_method, cards.for_payment_method(payment_method))
    _fail(
        call,
        setup_intent,
        payment_method,
        code="setup_intent_authentication_failure",
        message=AUTHENTICATION_FAILED_MESSAGE,
        error_type="invalid_request_error",
    )
    return setup_intent


def _save(
    call: Call, setup_intent: JsonObject, payment_method: JsonObject, card: cards.TestCard
) -> JsonObject:
    if card.declines_on_attach and card.decline is not None:
        decline = card.decline
        _fail(
            call,
            setup_intent,
            payment_method,
            code=decline.code,
            decline_code=decline.decline_code,
            message=decline.message,
            error_type="card_error",
        )
        raise intents.card_declined(decline, setup_intent, payment_method)
    if setup_intent["customer"]:
        payment_methods.attach_to(call, payment_method["id"], setup_intent["customer"])
    setup_intent.update(status="succeeded", last_setup_error=None, next_action=None)
    call.emit("setup_intent.succeeded", setup_intent)
    SUCCEEDED(call, setup_intent)
    return setup_intent


def _fail(
    call: Call,
    setup_intent: JsonObject,
    payment_method: JsonObject,
    *,
    code: str,
    message: str,
    error_type: str,
    decline_code: str | None = None,
) -> None:
    setup_intent.update(
        status="requires_payment_method",
        payment_method=None,
        next_action=None,
        last_setup_error=intents.attempt_error(
            stripe.SetupIntent.LastSetupError,
            payment_method,
            code=code,
            message=message,
            error_type=error_type,
            decline_code=decline_code,
        ),
    )
    call.emit("setup_intent.setup_failed", setup_intent)


@router.post("/v1/setup_intents/{id}/cancel", SetupIntentCancelParams)
def cancel(call: Call) -> JsonObject:
    setup_intent = call.store.get("setup_intent", call.path["id"])
    intents.require_status(setup_intent, "cancel", CANCELABLE)
    return intents.mark_canceled(call, setup_intent, call.params.get("cancellation_reason"))


@router.get("/v1/setup_intents", SetupIntentListParams)
def list_setup_intents(call: Call) -> JsonObject:
    found = select_matching(call, "setup_intent", ("customer", "payment_method"))
    return paginate(call, found, "/v1/setup_intents")
