"""Refunds: full or several partial, of a PaymentIntent's charge or of a charge directly.

Card refunds succeed at once in test mode: each writes a negative balance transaction, adds
to the Charge's `amount_refunded` (`refunded` once it reaches the captured amount) and emits
`refund.created` and `charge.refunded`.
"""

from __future__ import annotations

import stripe
from stripe.params import (
    RefundCreateParams,
    RefundListParams,
    RefundRetrieveParams,
    RefundUpdateParams,
)

from stripe_sandbox import errors, shapes
from stripe_sandbox.resource import Resource
from stripe_sandbox.resources import charges
from stripe_sandbox.resources.common import (
    apply_changes,
    paginate,
    picked,
    select_matching,
    update_and_announce,
)
from stripe_sandbox.routing import Call, JsonObject, Router

REFUND = Resource(stripe.Refund, "re_", 24)
router = Router((REFUND,))


def _refundable_charge(call: Call, params: JsonObject) -> JsonObject:
    if "charge" in params:
        return call.store.get("charge", params["charge"], param="charge")
    if "payment_intent" not in params:
        raise errors.invalid_request(
            "One of the following params should be provided for this request: payment_intent "
            "or charge.",
            code="parameter_missing",
        )
    payment_intent = call.store.get(
        "payment_intent", params["payment_intent"], param="payment_intent"
    )
    if payment_intent["status"] != "succeeded" or payment_intent["latest_charge"] is None:
        raise errors.invalid_request(
            f"This PaymentIntent ({payment_intent['id']}) does not have a successful charge to "
            "refund.",
            param="payment_intent",
        )
    return call.store.get("charge", payment_intent["latest_charge"])


@router.post("/v1/refunds", RefundCreateParams)
def create(call: Call) -> JsonObject:
    params = call.params
    charge = _refundable_charge(call, params)
    if not charge["captured"]:
        raise errors.invalid_request(
            f"Charge {charge['id']} has not been captured; cancel its PaymentIntent instead.",
            code="charge_not_refundable",
        )
    remaining = charge["amount_captured"] - charge["amount_refunded"]
    if remaining <= 0:
        raise errors.invalid_request(
            f"Charge {charge['id']} has already been refunded.", code="charge_already_refunded"
        )
    amount = params.get("amount", remaining)
    if amount <= 0:
        raise errors.parameter_invalid("amount", "integer", "Invalid positive integer")
    if amount > remaining:
        raise errors.invalid_request(
            f"Refund amount ({amount}) is greater than unrefunded amount on charge ({remaining})",
            param="amount",
            code="amount_too_large",
        )
    refund = REFUND.build(
        id=REFUND.new_id(),
        amount=amount,
        charge=charge["id"],
        created=call.now(),
        currency=charge["currency"],
        destination_details=shapes.nested(
            stripe.Refund.DestinationDetails,
            type="card",
            card=shapes.nested(
                stripe.Refund.DestinationDetails.Card, reference_status="pending", type="refund"
            ),
        ),
        metadata=dict(params.get("metadata") or {}),
        payment_intent=charge["payment_intent"],
        payment_method=charge["payment_method"],
        reason=params.get("reason"),
        status="succeeded",
    )
    transaction = charges.create_balance_transaction(
        call, source=refund, amount=-amount, fee=0, kind="refund"
    )
    refund["balance_transaction"] = transaction["id"]
    call.store.add(refund)
    refunded_total = charge["amount_refunded"] + amount
    previous = apply_changes(
        charge,
        {
            "amount_refunded": refunded_total,
            "refunded": refunded_total >= charge["amount_captured"],
        },
    )
    call.emit("refund.created", refund)
    call.emit("charge.refunded", charge, previous)
    return refund


@router.get("/v1/refunds/{id}", RefundRetrieveParams)
def retrieve(call: Call) -> JsonObject:
    return call.store.get("refund", call.path["id"])


@router.post("/v1/refunds/{id}", RefundUpdateParams)
def update(call: Call) -> JsonObject:
    refund = call.store.get("refund", call.path["id"])
    return update_and_announce(call, refund, picked(call.params, ("metadata",)))


@router.get("/v1/refunds", RefundListParams)
def list_refunds(call: Call) -> JsonObject:
    found = select_matching(call, "refund", ("charge", "payment_intent"))
    return paginate(call, found, "/v1/refunds")
