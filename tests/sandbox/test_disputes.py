"""Disputes as Stripe's dispute test cards bring them on, and the merchant's answers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import stripe

from tests.sandbox.support import error_of

Control = Callable[[str, dict[str, Any]], dict[str, Any]]


def pay_with(client: stripe.StripeClient, payment_method: str) -> stripe.PaymentIntent:
    return client.v1.payment_intents.create(
        {"amount": 5000, "currency": "usd", "payment_method": payment_method, "confirm": True}
    )


def event_types(client: stripe.StripeClient, pattern: str = "charge.dispute.*") -> list[str]:
    events = client.v1.events.list({"type": pattern, "limit": 100}).data
    return [event.type for event in reversed(events)]


@pytest.fixture
def dispute_of(
    client: stripe.StripeClient, control: Control, wait_until
) -> Callable[[stripe.PaymentIntent], stripe.Dispute]:
    """The dispute a test card's payment brings on, once the sandbox clock has moved on."""

    def opened(intent: stripe.PaymentIntent) -> stripe.Dispute:
        control("/_sandbox/clock/advance", {"seconds": 5})
        wait_until(lambda: client.v1.disputes.list({"payment_intent": intent.id}).data != [])
        return client.v1.disputes.list({"payment_intent": intent.id}).data[0]

    return opened


def settle(client: stripe.StripeClient, control: Control, wait_until, dispute_id: str, status: str):
    control("/_sandbox/clock/advance", {"seconds": 5})
    wait_until(lambda: client.v1.disputes.retrieve(dispute_id).status == status)
    return client.v1.disputes.retrieve(dispute_id)


def test_a_dispute_card_payment_succeeds_and_is_disputed_a_little_later(client, dispute_of) -> None:
    intent = pay_with(client, "pm_card_createDispute")
    assert intent.status == "succeeded"
    assert client.v1.disputes.list().data == []

    dispute = dispute_of(intent)

    assert dispute.id.startswith("dp_")
    assert (dispute.status, dispute.reason, dispute.amount, dispute.currency) == (
        "needs_response",
        "fraudulent",
        5000,
        "usd",
    )
    assert (dispute.charge, dispute.payment_intent) == (intent.latest_charge, intent.id)
    assert dispute.evidence_details.due_by > dispute.created
    [withdrawal] = dispute.balance_transactions
    assert (withdrawal.amount, withdrawal.fee, withdrawal.reporting_category) == (
        -5000,
        1500,
        "dispute",
    )
    assert client.v1.charges.retrieve(str(intent.latest_charge)).disputed is True
    assert event_types(client) == ["charge.dispute.created", "charge.dispute.funds_withdrawn"]


def test_the_product_not_received_card_says_so(client, dispute_of) -> None:
    dispute = dispute_of(pay_with(client, "pm_card_createDisputeProductNotReceived"))

    assert (dispute.reason, dispute.status) == ("product_not_received", "needs_response")


def test_an_inquiry_withdraws_nothing_and_leaves_the_charge_refundable(client, dispute_of) -> None:
    intent = pay_with(client, "pm_card_createDisputeInquiry")
    dispute = dispute_of(intent)

    refund = client.v1.refunds.create({"payment_intent": intent.id})

    assert (dispute.status, dispute.is_charge_refundable) == ("warning_needs_response", True)
    assert dispute.balance_transactions == []
    assert event_types(client) == ["charge.dispute.created"]
    assert refund.status == "succeeded"


def test_the_dispute_card_number_works_as_its_payment_method(client, dispute_of) -> None:
    card = client.v1.payment_methods.create(
        {"type": "card", "card": {"number": "4000000000000259", "exp_month": 12, "exp_year": 2034}}
    )

    assert dispute_of(pay_with(client, card.id)).reason == "fraudulent"


def test_an_ordinary_card_is_never_disputed(client, control, sandbox, wait_until) -> None:
    pay_with(client, "pm_card_visa")

    control("/_sandbox/clock/advance", {"seconds": 60})
    wait_until(lambda: sandbox.sandbox.timers.pending() == 0)

    assert client.v1.disputes.list().data == []


def test_a_disputed_charge_cannot_be_refunded(client, dispute_of) -> None:
    intent = pay_with(client, "pm_card_createDispute")
    dispute_of(intent)

    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.refunds.create({"payment_intent": intent.id})

    assert raised.value.code == "charge_disputed"


def test_winning_evidence_wins_and_reinstates_the_funds(
    client, control, wait_until, dispute_of
) -> None:
    dispute = dispute_of(pay_with(client, "pm_card_createDispute"))

    answered = client.v1.disputes.update(
        dispute.id, {"evidence": {"uncategorized_text": "winning_evidence"}}
    )
    won = settle(client, control, wait_until, dispute.id, "won")

    assert answered.status == "under_review"
    assert answered.evidence.uncategorized_text == "winning_evidence"
    assert (answered.evidence_details.has_evidence, answered.evidence_details.submission_count) == (
        True,
        1,
    )
    assert [t.amount for t in won.balance_transactions] == [-5000, 5000]
    assert event_types(client) == [
        "charge.dispute.created",
        "charge.dispute.funds_withdrawn",
        "charge.dispute.updated",
        "charge.dispute.closed",
        "charge.dispute.funds_reinstated",
    ]
    closed = client.v1.events.list({"type": "charge.dispute.closed"}).data[0]
    assert closed.data.object["status"] == "won"


def test_losing_evidence_loses(client, control, wait_until, dispute_of) -> None:
    dispute = dispute_of(pay_with(client, "pm_card_createDispute"))

    client.v1.disputes.update(dispute.id, {"evidence": {"uncategorized_text": "losing_evidence"}})
    lost = settle(client, control, wait_until, dispute.id, "lost")

    assert [t.amount for t in lost.balance_transactions] == [-5000]
    assert event_types(client)[-1] == "charge.dispute.closed"


def test_evidence_kept_without_submitting_stays_open(client, dispute_of) -> None:
    dispute = dispute_of(pay_with(client, "pm_card_createDispute"))

    kept = client.v1.disputes.update(
        dispute.id,
        {"evidence": {"uncategorized_text": "winning_evidence"}, "submit": False},
    )

    assert (kept.status, kept.evidence_details.submission_count) == ("needs_response", 0)
    assert kept.evidence_details.has_evidence is True


def test_an_inquiry_answered_closes_as_warning_closed(
    client, control, wait_until, dispute_of
) -> None:
    dispute = dispute_of(pay_with(client, "pm_card_createDisputeInquiry"))

    answered = client.v1.disputes.update(
        dispute.id, {"evidence": {"uncategorized_text": "winning_evidence"}}
    )

    assert answered.status == "warning_under_review"
    assert settle(client, control, wait_until, dispute.id, "warning_closed").status == (
        "warning_closed"
    )
    assert "charge.dispute.funds_reinstated" not in event_types(client)


def test_closing_accepts_the_loss_at_once(client, dispute_of) -> None:
    dispute = dispute_of(pay_with(client, "pm_card_createDispute"))

    closed = client.v1.disputes.close(dispute.id)

    assert closed.status == "lost"
    assert event_types(client)[-1] == "charge.dispute.closed"
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.disputes.close(dispute.id)
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.disputes.update(dispute.id, {"evidence": {"uncategorized_text": "late"}})
    assert error_of(raised.value)["code"] == "dispute_already_closed"


def test_metadata_can_change_after_the_dispute_closed(client, dispute_of) -> None:
    dispute = dispute_of(pay_with(client, "pm_card_createDispute"))
    client.v1.disputes.close(dispute.id)

    updated = client.v1.disputes.update(dispute.id, {"metadata": {"case": "C-1"}})

    assert updated.metadata.to_dict() == {"case": "C-1"}


def test_disputes_list_by_charge_and_retrieve(client, dispute_of) -> None:
    first = dispute_of(pay_with(client, "pm_card_createDispute"))
    second = dispute_of(pay_with(client, "pm_card_createDispute"))

    by_charge = client.v1.disputes.list({"charge": str(first.charge)}).data

    assert [d.id for d in by_charge] == [first.id]
    assert [d.id for d in client.v1.disputes.list().data] == [second.id, first.id]
    assert client.v1.disputes.retrieve(first.id).id == first.id
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.disputes.retrieve("dp_missing")
    assert raised.value.http_status == 404
