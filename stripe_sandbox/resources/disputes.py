"""Disputes, as Stripe's dispute test cards bring them on.

A little after a payment with `pm_card_createDispute` (4000000000000259, fraudulent),
`pm_card_createDisputeProductNotReceived` (4000000000002685) or `pm_card_createDisputeInquiry`
(4000000000001976) is captured, the Charge is `disputed` and a Dispute opens:
`charge.dispute.created`, then `charge.dispute.funds_withdrawn` (not for an inquiry, which
withdraws nothing). The merchant answers with `POST /v1/disputes/{id}` (`evidence`, `submit`):
submitted evidence puts it `under_review` (`charge.dispute.updated`), and the test texts
`winning_evidence` / `losing_evidence` in `evidence[uncategorized_text]` have it decided a
little later: `won` (`charge.dispute.closed`, `charge.dispute.funds_reinstated`) or `lost`
(`charge.dispute.closed`). `POST /v1/disputes/{id}/close` accepts the loss at once. Inquiries
use the `warning_*` statuses and close as `warning_closed`.

"A little later" is on the sandbox clock: advancing it runs what is due at once.
"""

from __future__ import annotations

import stripe
from stripe.params import (
    DisputeCloseParams,
    DisputeListParams,
    DisputeRetrieveParams,
    DisputeUpdateParams,
)

from stripe_sandbox import cards, errors, shapes
from stripe_sandbox.resource import Resource
from stripe_sandbox.resources import charges
from stripe_sandbox.resources.common import (
    apply_changes,
    paginate,
    picked,
    select_matching,
)
from stripe_sandbox.routing import Call, JsonObject, Router

DISPUTE = Resource(stripe.Dispute, "dp_", 24)
router = Router((DISPUTE,))

OPENS_AFTER_SECONDS = 2
"""How long after its capture a dispute test card's payment is disputed."""
DECIDED_AFTER_SECONDS = 2
"""How long after `winning_evidence`/`losing_evidence` is submitted the dispute closes."""
RESPONSE_WINDOW_SECONDS = 7 * 24 * 60 * 60
DISPUTE_FEE = 1500
WINNING_EVIDENCE = "winning_evidence"
LOSING_EVIDENCE = "losing_evidence"

AWAITING_RESPONSE = frozenset({"needs_response", "warning_needs_response"})
UNDER_REVIEW = frozenset({"under_review", "warning_under_review"})
CLOSED = frozenset({"won", "lost", "warning_closed"})


def is_inquiry(dispute: JsonObject) -> bool:
    return str(dispute["status"]).startswith("warning_")


def open_for_test_card(call: Call, charge: JsonObject) -> None:
    """A captured Charge: schedule the dispute its test card brings on, if any."""
    payment_method = call.store.find(charge["payment_method"] or "")
    kind = cards.for_payment_method(payment_method).dispute if payment_method else None
    if kind is None:
        return
    charge_id = charge["id"]
    call.later(OPENS_AFTER_SECONDS, lambda later: open_dispute(later, charge_id, kind))


def open_dispute(call: Call, charge_id: str, kind: cards.DisputeKind) -> JsonObject | None:
    """Dispute the Charge's captured amount (once: a disputed Charge is left alone)."""
    charge = call.store.get("charge", charge_id)
    if charge["disputed"]:
        return None
    amount = charge["amount_captured"] - charge["amount_refunded"]
    now = call.now()
    dispute = DISPUTE.build(
        id=DISPUTE.new_id(),
        amount=amount,
        charge=charge["id"],
        created=now,
        currency=charge["currency"],
        enhanced_eligibility_types=[],
        evidence=shapes.nested(stripe.Dispute.Evidence, enhanced_evidence={}),
        evidence_details=shapes.nested(
            stripe.Dispute.EvidenceDetails,
            due_by=now + RESPONSE_WINDOW_SECONDS,
            enhanced_eligibility={},
        ),
        is_charge_refundable=kind.inquiry,
        livemode=False,
        metadata={},
        network_reason_code=kind.network_reason_code,
        payment_intent=charge["payment_intent"],
        payment_method_details=shapes.nested(
            stripe.Dispute.PaymentMethodDetails,
            type="card",
            card=shapes.nested(
                stripe.Dispute.PaymentMethodDetails.Card,
                brand=charge["payment_method_details"]["card"]["brand"],
                case_type="inquiry" if kind.inquiry else "chargeback",
                network_reason_code=kind.network_reason_code,
            ),
        ),
        reason=kind.reason,
        status="warning_needs_response" if kind.inquiry else "needs_response",
    )
    if not kind.inquiry:
        withdrawal = charges.create_balance_transaction(
            call,
            source=dispute,
            amount=-amount,
            fee=DISPUTE_FEE,
            kind="adjustment",
            category="dispute",
            fee_description="Dispute fee",
        )
        dispute["balance_transactions"] = [withdrawal]
    call.store.add(dispute)
    charge["disputed"] = True
    call.emit("charge.dispute.created", dispute)
    if not kind.inquiry:
        call.emit("charge.dispute.funds_withdrawn", dispute)
    return dispute


def _require_status(dispute: JsonObject, allowed: frozenset[str], action: str) -> None:
    if dispute["status"] not in allowed:
        raise errors.invalid_request(
            f"This dispute cannot be {action} because its status is {dispute['status']}.",
            code="dispute_already_closed" if dispute["status"] in CLOSED else None,
        )


@router.get("/v1/disputes/{id}", DisputeRetrieveParams)
def retrieve(call: Call) -> JsonObject:
    return call.store.get("dispute", call.path["id"])


@router.post("/v1/disputes/{id}", DisputeUpdateParams)
def update(call: Call) -> JsonObject:
    """Add evidence and metadata; evidence is submitted (`under_review`) unless `submit` is
    false. The test texts in `uncategorized_text` decide the dispute a little later."""
    dispute = call.store.get("dispute", call.path["id"])
    params = call.params
    changes = picked(params, ("metadata",))
    evidence = {
        name: value
        for name, value in (params.get("evidence") or {}).items()
        if name != "enhanced_evidence"
    }
    if evidence:
        _require_status(dispute, AWAITING_RESPONSE, "updated")
        changes["evidence"] = {**dispute["evidence"], **evidence}
        changes["evidence_details"] = {**dispute["evidence_details"], "has_evidence": True}
    submitting = bool(evidence) and params.get("submit", True)
    if submitting:
        changes["status"] = "warning_under_review" if is_inquiry(dispute) else "under_review"
        details = changes["evidence_details"]
        details["submission_count"] = details["submission_count"] + 1
    previous = apply_changes(dispute, changes)
    if previous:
        call.emit("charge.dispute.updated", dispute, previous)
    if submitting:
        outcome = {WINNING_EVIDENCE: "won", LOSING_EVIDENCE: "lost"}.get(
            evidence.get("uncategorized_text", "")
        )
        if outcome:
            dispute_id = dispute["id"]
            call.later(DECIDED_AFTER_SECONDS, lambda later: decide(later, dispute_id, outcome))
    return dispute


def decide(call: Call, dispute_id: str, outcome: str) -> JsonObject:
    """Close a dispute under review as `won` or `lost` (an inquiry as `warning_closed`); money
    withdrawn comes back when won."""
    dispute = call.store.get("dispute", dispute_id)
    _require_status(dispute, UNDER_REVIEW, "decided")
    return _close(call, dispute, outcome)


def _close(call: Call, dispute: JsonObject, outcome: str) -> JsonObject:
    inquiry = is_inquiry(dispute)
    previous = apply_changes(dispute, {"status": "warning_closed" if inquiry else outcome})
    reinstated = outcome == "won" and not inquiry
    if reinstated:
        transaction = charges.create_balance_transaction(
            call,
            source=dispute,
            amount=dispute["amount"],
            fee=0,
            kind="adjustment",
            category="dispute_reversal",
        )
        previous["balance_transactions"] = list(dispute["balance_transactions"])
        dispute["balance_transactions"] = [*dispute["balance_transactions"], transaction]
    call.emit("charge.dispute.closed", dispute, previous)
    if reinstated:
        call.emit("charge.dispute.funds_reinstated", dispute)
    return dispute


@router.post("/v1/disputes/{id}/close", DisputeCloseParams)
def close(call: Call) -> JsonObject:
    """The merchant accepts the dispute: it is lost (an inquiry: closed)."""
    dispute = call.store.get("dispute", call.path["id"])
    _require_status(dispute, AWAITING_RESPONSE, "closed")
    return _close(call, dispute, "lost")


@router.get("/v1/disputes", DisputeListParams)
def list_disputes(call: Call) -> JsonObject:
    found = select_matching(call, "dispute", ("charge", "payment_intent"))
    return paginate(call, found, "/v1/disputes")
