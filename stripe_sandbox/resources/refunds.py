"""Refunds: full or several partial, of a PaymentIntent's charge or of a charge directly.

A refund made through the API is what a refund from Stripe's dashboard looks like to the
merchant's webhooks: `refund.created` and `charge.refunded` (the Charge's `amount_refunded`
counts every refund not failed, `refunded` once that reaches the captured amount), whoever
asked for it. Card refunds succeed at once in test mode, except with two test cards:
`pm_card_pendingRefund` (4000000000007726) refunds stay `pending` and succeed a little later
(`refund.updated`); `pm_card_refundFail` (4000000000005126) refunds succeed, then fail a little
later (`refund.updated`, `refund.failed`, `failure_reason`), which gives the money back to the
Charge. The control API settles or fails a refund on demand. A disputed charge (not an inquiry)
cannot be refunded.

"A little later" is on the sandbox clock: advancing it runs what is due at once.
"""

from __future__ import annotations

import stripe
from stripe.params import (
    RefundCreateParams,
    RefundListParams,
    RefundRetrieveParams,
    RefundUpdateParams,
)

from stripe_sandbox import cards, errors, shapes
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

SETTLES_AFTER_SECONDS = 2
"""How long a pending test-card refund stays pending."""
FAILS_AFTER_SECONDS = 2
"""How long a `pm_card_refundFail` refund shows succeeded before it fails."""
TEST_CARD_FAILURE_REASON = "expired_or_canceled_card"
FAILURE_REASONS = (
    "charge_for_pending_refund_disputed",
    "declined",
    "expired_or_canceled_card",
    "insufficient_funds",
    "lost_or_stolen_card",
    "merchant_request",
    "unknown",
)
SETTLEABLE = frozenset({"pending"})
FAILABLE = frozenset({"pending", "succeeded"})


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


def _require_not_charged_back(call: Call, charge: JsonObject) -> None:
    if not charge["disputed"]:
        return
    disputes = [d for d in call.store.all("dispute") if d["charge"] == charge["id"]]
    if all(str(d["status"]).startswith("warning_") for d in disputes):
        return
    raise errors.invalid_request(
        f"Charge {charge['id']} has been charged back; cannot issue a refund.",
        code="charge_disputed",
    )


@router.post("/v1/refunds", RefundCreateParams)
def create(call: Call) -> JsonObject:
    params = call.params
    charge = _refundable_charge(call, params)
    if not charge["captured"]:
        raise errors.invalid_request(
            f"Charge {charge['id']} has not been captured; cancel its PaymentIntent instead.",
            code="charge_not_refundable",
        )
    _require_not_charged_back(call, charge)
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
    outcome = _outcome_for(call, charge)
    pending = outcome is cards.RefundOutcome.PENDS_THEN_SUCCEEDS
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
        pending_reason="processing" if pending else None,
        reason=params.get("reason"),
        status="pending" if pending else "succeeded",
    )
    transaction = charges.create_balance_transaction(
        call, source=refund, amount=-amount, fee=0, kind="refund"
    )
    refund["balance_transaction"] = transaction["id"]
    call.store.add(refund)
    previous = _count_refunded(charge, amount)
    call.emit("refund.created", refund)
    call.emit("charge.refunded", charge, previous)
    refund_id = refund["id"]
    if pending:
        call.later(SETTLES_AFTER_SECONDS, lambda later: settle(later, refund_id))
    elif outcome is cards.RefundOutcome.SUCCEEDS_THEN_FAILS:
        call.later(
            FAILS_AFTER_SECONDS, lambda later: fail(later, refund_id, TEST_CARD_FAILURE_REASON)
        )
    return refund


def _outcome_for(call: Call, charge: JsonObject) -> cards.RefundOutcome:
    payment_method = call.store.find(charge["payment_method"] or "")
    if payment_method is None:
        return cards.RefundOutcome.SUCCEEDS
    return cards.for_payment_method(payment_method).refund


def _count_refunded(charge: JsonObject, delta: int) -> JsonObject:
    """Add `delta` (negative when a refund fails) to the Charge's refunded amount; the
    previous values, for the event."""
    refunded_total = charge["amount_refunded"] + delta
    return apply_changes(
        charge,
        {
            "amount_refunded": refunded_total,
            "refunded": refunded_total >= charge["amount_captured"],
        },
    )


def settle(call: Call, refund_id: str) -> JsonObject:
    """A pending refund reaches the card: `succeeded`."""
    refund = call.store.get("refund", refund_id)
    _require_status(refund, SETTLEABLE, "succeed")
    previous = apply_changes(refund, {"status": "succeeded", "pending_reason": None})
    call.emit("refund.updated", refund, previous)
    return refund


def fail(call: Call, refund_id: str, failure_reason: str) -> JsonObject:
    """The card network returns a refund: `failed` with `failure_reason`, its money back on
    the merchant's balance and off the Charge's refunded amount."""
    refund = call.store.get("refund", refund_id)
    _require_status(refund, FAILABLE, "fail")
    reversal = charges.create_balance_transaction(
        call, source=refund, amount=refund["amount"], fee=0, kind="refund_failure"
    )
    previous = apply_changes(
        refund,
        {
            "status": "failed",
            "failure_reason": failure_reason,
            "failure_balance_transaction": reversal["id"],
            "pending_reason": None,
        },
    )
    charge = call.store.get("charge", refund["charge"])
    _count_refunded(charge, -refund["amount"])
    call.emit("refund.updated", refund, previous)
    call.emit("refund.failed", refund, previous)
    return refund


def _require_status(refund: JsonObject, allowed: frozenset[str], action: str) -> None:
    if refund["status"] not in allowed:
        raise errors.invalid_request(
            f"Refund {refund['id']} cannot {action}: its status is {refund['status']}.",
            code="refund_unexpected_state",
        )


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
