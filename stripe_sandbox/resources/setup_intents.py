"""SetupIntents: save a card for later payments.

requires_payment_method -> requires_confirmation -> [requires_action] -> succeeded, or
canceled. Success attaches the PaymentMethod to the intent's customer (`payment_method.attached`)
and emits `setup_intent.succeeded`. A card that declines on attach fails the setup
(`setup_intent.setup_failed`, 402 `card_error`) and returns the intent to
requires_payment_method; the 3-D Secure cards ask for authentication, answered through the
control API or the sandbox's challenge page.
"""

from __future__ import annotations

import copy

import stripe
from stripe.params import (
    SetupIntentCancelParams,
    SetupIntentConfirmParams,
    SetupIntentCreateParams,
    SetupIntentListParams,
    SetupIntentRetrieveParams,
    SetupIntentUpdateParams,
)

from stripe_sandbox import cards, errors, shapes
from stripe_sandbox.resources import payment_methods
from stripe_sandbox.resources.common import (
    apply_changes,
    live,
    paginate,
    picked,
    require_authentication,
    select,
)
from stripe_sandbox.routing import Call, JsonObject, Router
from stripe_sandbox.store import random_token

router = Router()

CONFIRMABLE = frozenset({"requires_payment_method", "requires_confirmation", "requires_action"})
CANCELABLE = CONFIRMABLE
AUTHENTICATION_FAILED_MESSAGE = (
    "The latest attempt to set up the payment method has failed because authentication failed."
)


def _require_status(setup_intent: JsonObject, action: str, allowed: frozenset[str]) -> None:
    if setup_intent["status"] not in allowed:
        raise errors.unexpected_state(
            f"You cannot {action} this SetupIntent because it has a status of "
            f"{setup_intent['status']}. Only a SetupIntent with one of the following statuses "
            f"allows it: {', '.join(sorted(allowed))}.",
            code="setup_intent_unexpected_state",
            extra={"setup_intent": copy.deepcopy(setup_intent)},
        )


def create_from(call: Call, params: JsonObject) -> JsonObject:
    """A SetupIntent from create parameters (also what Checkout and Subscriptions create)."""
    if params.get("customer"):
        live(call.store, "customer", params["customer"], param="customer")
    payment_method = (
        payment_methods.resolve(call, params["payment_method"])
        if params.get("payment_method")
        else None
    )
    automatic = params.get(
        "automatic_payment_methods", {"enabled": "payment_method_types" not in params}
    )
    intent_id = call.store.new_id("setup_intent")
    setup_intent = shapes.build(
        stripe.SetupIntent,
        id=intent_id,
        automatic_payment_methods=shapes.nested(
            stripe.SetupIntent.AutomaticPaymentMethods,
            enabled=True,
            allow_redirects=automatic.get("allow_redirects", "always"),
        )
        if automatic.get("enabled")
        else None,
        client_secret=f"{intent_id}_secret_{random_token(25)}",
        created=call.now(),
        customer=params.get("customer") or None,
        description=params.get("description"),
        livemode=False,
        metadata=dict(params.get("metadata") or {}),
        payment_method=payment_method["id"] if payment_method else None,
        payment_method_options={
            "card": {
                "mandate_options": None,
                "network": None,
                "request_three_d_secure": "automatic",
            }
        },
        payment_method_types=params.get("payment_method_types", ["card"]),
        status="requires_confirmation" if payment_method else "requires_payment_method",
        usage=params.get("usage", "off_session"),
    )
    call.store.add(setup_intent)
    call.emit("setup_intent.created", setup_intent)
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
    _require_status(setup_intent, "update", CONFIRMABLE)
    fields = picked(call.params, ("description", "metadata", "payment_method_types"))
    if call.params.get("customer"):
        fields["customer"] = live(call.store, "customer", call.params["customer"])["id"]
    if call.params.get("payment_method"):
        fields["payment_method"] = payment_methods.resolve(call, call.params["payment_method"])[
            "id"
        ]
        fields["status"] = "requires_confirmation"
    apply_changes(setup_intent, fields)
    return setup_intent


@router.post("/v1/setup_intents/{id}/confirm", SetupIntentConfirmParams)
def confirm_route(call: Call) -> JsonObject:
    return confirm(call, call.store.get("setup_intent", call.path["id"]), call.params)


def confirm(call: Call, setup_intent: JsonObject, params: JsonObject) -> JsonObject:
    _require_status(setup_intent, "confirm", CONFIRMABLE)
    if params.get("payment_method"):
        setup_intent["payment_method"] = payment_methods.resolve(call, params["payment_method"])[
            "id"
        ]
    if setup_intent["payment_method"] is None:
        raise errors.unexpected_state(
            "You cannot confirm this SetupIntent because it's missing a payment method. To "
            "confirm the SetupIntent with a PaymentMethod, provide the payment_method parameter.",
            code="setup_intent_unexpected_state",
            extra={"param": "payment_method", "setup_intent": copy.deepcopy(setup_intent)},
        )
    payment_method = call.store.get("payment_method", setup_intent["payment_method"])
    card = cards.for_payment_method(payment_method)
    if card.authentication is not cards.Authentication.NEVER:
        return require_authentication(
            call, setup_intent, resource=stripe.SetupIntent, return_url=params.get("return_url")
        )
    return _save(call, setup_intent, payment_method, card)


def complete_authentication(call: Call, setup_intent: JsonObject, *, approved: bool) -> JsonObject:
    _require_status(setup_intent, "authenticate", frozenset({"requires_action"}))
    setup_intent["next_action"] = None
    payment_method = call.store.get("payment_method", setup_intent["payment_method"])
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
        raise errors.card_error(
            decline.message,
            code=decline.code,
            decline_code=decline.decline_code,
            extra={
                "payment_method": copy.deepcopy(payment_method),
                "setup_intent": copy.deepcopy(setup_intent),
            },
        )
    if setup_intent["customer"]:
        payment_methods.attach_to(call, payment_method["id"], setup_intent["customer"])
    setup_intent.update(status="succeeded", last_setup_error=None, next_action=None)
    call.emit("setup_intent.succeeded", setup_intent)
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
        last_setup_error=shapes.nested(
            stripe.SetupIntent.LastSetupError,
            code=code,
            decline_code=decline_code,
            doc_url=f"{errors.DOCS}#{code.replace('_', '-')}",
            message=message,
            payment_method=copy.deepcopy(payment_method),
            payment_method_type="card",
            type=error_type,
        ),
    )
    call.emit("setup_intent.setup_failed", setup_intent)


@router.post("/v1/setup_intents/{id}/cancel", SetupIntentCancelParams)
def cancel(call: Call) -> JsonObject:
    setup_intent = call.store.get("setup_intent", call.path["id"])
    _require_status(setup_intent, "cancel", CANCELABLE)
    setup_intent.update(
        status="canceled",
        cancellation_reason=call.params.get("cancellation_reason"),
        next_action=None,
    )
    call.emit("setup_intent.canceled", setup_intent)
    return setup_intent


@router.get("/v1/setup_intents", SetupIntentListParams)
def list_setup_intents(call: Call) -> JsonObject:
    found = select(
        call,
        "setup_intent",
        customer=call.params.get("customer"),
        payment_method=call.params.get("payment_method"),
    )
    return paginate(call, found, "/v1/setup_intents")
