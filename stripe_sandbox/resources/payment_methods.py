"""Card PaymentMethods: test ids (`pm_card_visa`), card numbers and tokens of the test table;
retrieve, update, attach, detach, list.

Using a test id anywhere (a PaymentIntent's `payment_method`, attach, retrieve) creates a
fresh PaymentMethod for that card, as Stripe does.
"""

from __future__ import annotations

import copy
from typing import Any

import stripe
from stripe.params import (
    PaymentMethodAttachParams,
    PaymentMethodCreateParams,
    PaymentMethodDetachParams,
    PaymentMethodListParams,
    PaymentMethodRetrieveParams,
    PaymentMethodUpdateParams,
)

from stripe_sandbox import cards, errors, shapes
from stripe_sandbox.hooks import Hook
from stripe_sandbox.resource import Resource
from stripe_sandbox.resources.common import (
    apply_changes,
    live,
    paginate,
    picked,
    select_matching,
    update_and_announce,
)
from stripe_sandbox.routing import Call, JsonObject, Router

PAYMENT_METHOD = Resource(stripe.PaymentMethod, "pm_", 24)
router = Router((PAYMENT_METHOD,))

DETACHED: Hook[[Call, JsonObject, str]] = Hook("a PaymentMethod was detached from a Customer")
"""Fired after `payment_method.detached` with the PaymentMethod and the Customer it left."""

TEST_EXPIRY = (12, 2034)


def create_card(
    call: Call,
    number: str,
    *,
    exp_month: int = TEST_EXPIRY[0],
    exp_year: int = TEST_EXPIRY[1],
    billing_details: dict[str, Any] | None = None,
    metadata: dict[str, str] | None = None,
) -> JsonObject:
    details = billing_details or {}
    payment_method = PAYMENT_METHOD.build(
        id=PAYMENT_METHOD.new_id(),
        allow_redisplay="unspecified",
        billing_details=shapes.nested(
            stripe.PaymentMethod.BillingDetails,
            address=shapes.nested(
                stripe.PaymentMethod.BillingDetails.Address, **(details.get("address") or {})
            ),
            email=details.get("email") or None,
            name=details.get("name") or None,
            phone=details.get("phone") or None,
        ),
        card=cards.card_details(number, exp_month, exp_year),
        created=call.now(),
        livemode=False,
        metadata=dict(metadata or {}),
        type="card",
    )
    return call.store.add(payment_method)


def resolve(call: Call, payment_method_id: str, *, param: str = "payment_method") -> JsonObject:
    """A stored PaymentMethod, or a new one for a test id such as `pm_card_visa`."""
    test_card = cards.for_payment_method_id(payment_method_id)
    if test_card is not None:
        return create_card(call, test_card.number)
    return live(call.store, "payment_method", payment_method_id, param=param)


def attach_to(call: Call, payment_method_id: str, customer_id: str) -> JsonObject:
    customer = live(call.store, "customer", customer_id, param="customer")
    payment_method = resolve(call, payment_method_id, param="payment_method")
    if payment_method["customer"] == customer["id"]:
        return payment_method
    if payment_method["customer"] is not None:
        raise errors.invalid_request(
            "The payment method you provided has already been attached to a customer."
        )
    card = cards.for_payment_method(payment_method)
    if card.declines_on_attach and card.decline is not None:
        raise errors.card_error(
            card.decline.message,
            code=card.decline.code,
            decline_code=card.decline.decline_code,
            extra={"payment_method": copy.deepcopy(payment_method)},
        )
    previous = apply_changes(payment_method, {"customer": customer["id"]})
    call.emit("payment_method.attached", payment_method, previous)
    return payment_method


@router.post("/v1/payment_methods", PaymentMethodCreateParams)
def create(call: Call) -> JsonObject:
    params = call.params
    if params.get("type") != "card":
        raise errors.invalid_request(
            "The sandbox creates card PaymentMethods only: pass type=card.", param="type"
        )
    card = params.get("card")
    if not card:
        raise errors.parameter_missing("card")
    if "token" in card:
        test_card = cards.for_token(card["token"])
        if test_card is None:
            raise errors.resource_missing("token", card["token"], param="card[token]")
        number = test_card.number
    elif "number" in card:
        number = card["number"].replace(" ", "")
        for name in ("exp_month", "exp_year"):
            if name not in card:
                raise errors.parameter_missing(f"card[{name}]")
    else:
        raise errors.parameter_missing("card[number]")
    return create_card(
        call,
        number,
        exp_month=card.get("exp_month", TEST_EXPIRY[0]),
        exp_year=card.get("exp_year", TEST_EXPIRY[1]),
        billing_details=params.get("billing_details"),
        metadata=params.get("metadata"),
    )


@router.get("/v1/payment_methods/{id}", PaymentMethodRetrieveParams)
def retrieve(call: Call) -> JsonObject:
    return resolve(call, call.path["id"], param="id")


@router.post("/v1/payment_methods/{id}", PaymentMethodUpdateParams)
def update(call: Call) -> JsonObject:
    payment_method = live(call.store, "payment_method", call.path["id"])
    return update_and_announce(
        call, payment_method, picked(call.params, ("allow_redisplay", "metadata"))
    )


@router.post("/v1/payment_methods/{id}/attach", PaymentMethodAttachParams)
def attach(call: Call) -> JsonObject:
    if "customer" not in call.params:
        raise errors.parameter_missing("customer")
    return attach_to(call, call.path["id"], call.params["customer"])


@router.post("/v1/payment_methods/{id}/detach", PaymentMethodDetachParams)
def detach(call: Call) -> JsonObject:
    payment_method = live(call.store, "payment_method", call.path["id"])
    if payment_method["customer"] is None:
        raise errors.invalid_request(
            f"The payment method {payment_method['id']} is not attached to a customer so "
            "detachment is impossible."
        )
    customer_id = payment_method["customer"]
    previous = apply_changes(payment_method, {"customer": None})
    call.emit("payment_method.detached", payment_method, previous)
    DETACHED(call, payment_method, customer_id)
    return payment_method


@router.get("/v1/payment_methods", PaymentMethodListParams)
def list_payment_methods(call: Call) -> JsonObject:
    found = select_matching(call, "payment_method", ("customer", "type"))
    return paginate(call, found, "/v1/payment_methods")
