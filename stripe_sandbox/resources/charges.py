"""Charges and BalanceTransactions: written by PaymentIntent confirmations, captures, refunds
and disputes; read through retrieve and list."""

from __future__ import annotations

import stripe
from stripe.params import (
    BalanceTransactionListParams,
    BalanceTransactionRetrieveParams,
    ChargeListParams,
    ChargeRetrieveParams,
)

from stripe_sandbox import cards, shapes
from stripe_sandbox.hooks import Hook
from stripe_sandbox.resource import Resource
from stripe_sandbox.resources.common import paginate, select_matching
from stripe_sandbox.routing import Call, JsonObject, Router
from stripe_sandbox.store import Store, random_token

CHARGE = Resource(stripe.Charge, "ch_", 24, includable=frozenset({"refunds"}))
BALANCE_TRANSACTION = Resource(stripe.BalanceTransaction, "txn_", 24)
router = Router((CHARGE, BALANCE_TRANSACTION))

CAPTURED: Hook[[Call, JsonObject]] = Hook("a Charge was captured")
"""Fired once a Charge holds money (at once, or at a manual capture) and its event is out."""

SETTLEMENT_DELAY_SECONDS = 2 * 24 * 60 * 60
STATEMENT_DESCRIPTOR = "COURSEPAY"


def stripe_fee(amount: int) -> int:
    """Stripe's US card pricing: 2.9% + 30 (in the charge's minor unit)."""
    return round(amount * 0.029) + 30


def create_balance_transaction(
    call: Call,
    *,
    source: JsonObject,
    amount: int,
    fee: int,
    kind: str,
    category: str | None = None,
    fee_description: str = "Stripe processing fees",
) -> JsonObject:
    """The balance movement of a captured charge (`kind` charge), a refund (`refund`, or
    `refund_failure` when it fails) or a dispute (`adjustment`, `category` dispute or
    dispute_reversal); `category` defaults to `kind`."""
    now = call.now()
    transaction = BALANCE_TRANSACTION.build(
        id=BALANCE_TRANSACTION.new_id(),
        amount=amount,
        available_on=now + SETTLEMENT_DELAY_SECONDS,
        balance_type="payments",
        created=now,
        currency=source["currency"],
        description=source.get("description"),
        fee=fee,
        fee_details=[
            shapes.nested(
                stripe.BalanceTransaction.FeeDetail,
                amount=fee,
                currency=source["currency"],
                description=fee_description,
                type="stripe_fee",
            )
        ]
        if fee
        else [],
        net=amount - fee,
        reporting_category=category or kind,
        source=source["id"],
        status="pending",
        type=kind,
    )
    return call.store.add(transaction)


def create_charge(
    call: Call,
    payment_intent: JsonObject,
    payment_method: JsonObject,
    decline: cards.Decline | None,
) -> JsonObject:
    """A card charge for the PaymentIntent: failed with `decline`, else authorized and, unless
    the capture is manual, captured with its balance transaction."""
    card = payment_method["card"]
    captured = decline is None and payment_intent["capture_method"] != "manual"
    charge = CHARGE.build(
        id=CHARGE.new_id(),
        amount=payment_intent["amount"],
        amount_captured=payment_intent["amount"] if captured else 0,
        amount_refunded=0,
        billing_details=payment_method["billing_details"],
        calculated_statement_descriptor=STATEMENT_DESCRIPTOR,
        captured=captured,
        created=call.now(),
        currency=payment_intent["currency"],
        customer=payment_intent["customer"],
        description=payment_intent["description"],
        disputed=False,
        failure_code=decline.code if decline else None,
        failure_message=decline.message if decline else None,
        fraud_details={},
        livemode=False,
        metadata=dict(payment_intent["metadata"]),
        outcome=_outcome(decline),
        paid=decline is None,
        payment_intent=payment_intent["id"],
        payment_method=payment_method["id"],
        payment_method_details=shapes.nested(
            stripe.Charge.PaymentMethodDetails,
            type="card",
            card=shapes.nested(
                stripe.Charge.PaymentMethodDetails.Card,
                brand=card["brand"],
                checks=card["checks"],
                country=card["country"],
                exp_month=card["exp_month"],
                exp_year=card["exp_year"],
                fingerprint=card["fingerprint"],
                funding=card["funding"],
                last4=card["last4"],
                network=card["brand"],
                regulated_status=card["regulated_status"],
            ),
        ),
        receipt_email=payment_intent["receipt_email"],
        receipt_url=f"https://pay.stripe.com/receipts/sandbox/{random_token(24)}",
        refunded=False,
        status="failed" if decline else "succeeded",
    )
    call.store.add(charge)
    if captured:
        attach_balance_transaction(call, charge)
    return charge


def attach_balance_transaction(call: Call, charge: JsonObject) -> None:
    transaction = create_balance_transaction(
        call,
        source=charge,
        amount=charge["amount_captured"],
        fee=stripe_fee(charge["amount_captured"]),
        kind="charge",
    )
    charge["balance_transaction"] = transaction["id"]


def _outcome(decline: cards.Decline | None) -> JsonObject:
    if decline is None:
        return shapes.nested(
            stripe.Charge.Outcome,
            network_status="approved_by_network",
            risk_level="normal",
            risk_score=20,
            seller_message="Payment complete.",
            type="authorized",
        )
    return shapes.nested(
        stripe.Charge.Outcome,
        network_status="declined_by_network",
        reason=decline.decline_code,
        risk_level="normal",
        risk_score=20,
        seller_message="The bank did not return any further details with this decline.",
        type="issuer_declined",
    )


@router.get("/v1/charges/{id}", ChargeRetrieveParams)
def retrieve_charge(call: Call) -> JsonObject:
    return call.store.get("charge", call.path["id"])


@router.get("/v1/charges", ChargeListParams)
def list_charges(call: Call) -> JsonObject:
    found = select_matching(call, "charge", ("customer", "payment_intent"))
    return paginate(call, found, "/v1/charges")


@router.includable("charge", "refunds")
def _refunds(store: Store, charge: JsonObject) -> JsonObject:
    refunds = [refund for refund in store.all("refund") if refund["charge"] == charge["id"]]
    return shapes.list_object(f"/v1/charges/{charge['id']}/refunds", refunds)


@router.get("/v1/balance_transactions/{id}", BalanceTransactionRetrieveParams)
def retrieve_balance_transaction(call: Call) -> JsonObject:
    return call.store.get("balance_transaction", call.path["id"])


@router.get("/v1/balance_transactions", BalanceTransactionListParams)
def list_balance_transactions(call: Call) -> JsonObject:
    found = select_matching(call, "balance_transaction", ("currency", "source", "type"))
    return paginate(call, found, "/v1/balance_transactions")
