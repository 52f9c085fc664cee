"""Refunds: full, several partial, and the over-refund errors."""

import pytest
import stripe

from tests.sandbox.support import previous_attributes


@pytest.fixture
def paid(client) -> stripe.PaymentIntent:
    return client.v1.payment_intents.create(
        {"amount": 5000, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
    )


def test_a_full_refund_marks_the_charge_refunded(client, paid) -> None:
    refund = client.v1.refunds.create({"payment_intent": paid.id})

    charge = client.v1.charges.retrieve(paid.latest_charge)
    assert refund.id.startswith("re_")
    assert (refund.status, refund.amount) == ("succeeded", 5000)
    assert (charge.amount_refunded, charge.refunded) == (5000, True)


def test_partial_refunds_add_up(client, paid) -> None:
    client.v1.refunds.create({"payment_intent": paid.id, "amount": 1000})
    client.v1.refunds.create({"charge": paid.latest_charge, "amount": 1500})

    charge = client.v1.charges.retrieve(paid.latest_charge)
    assert (charge.amount_refunded, charge.refunded) == (2500, False)


def test_refunding_more_than_is_left_answers_amount_too_large(client, paid) -> None:
    client.v1.refunds.create({"payment_intent": paid.id, "amount": 4000})

    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.refunds.create({"payment_intent": paid.id, "amount": 1001})

    assert (raised.value.code, raised.value.param) == ("amount_too_large", "amount")


def test_refunding_a_refunded_charge_answers_charge_already_refunded(client, paid) -> None:
    client.v1.refunds.create({"payment_intent": paid.id})

    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.refunds.create({"payment_intent": paid.id})

    assert raised.value.code == "charge_already_refunded"


def test_a_refund_writes_a_negative_balance_transaction(client, paid) -> None:
    refund = client.v1.refunds.create(
        {"payment_intent": paid.id, "amount": 700, "expand": ["balance_transaction"]}
    )

    assert refund.balance_transaction.amount == -700
    assert refund.balance_transaction.type == "refund"


def test_refunds_list_by_payment_intent(client, paid) -> None:
    first = client.v1.refunds.create({"payment_intent": paid.id, "amount": 100})
    second = client.v1.refunds.create({"payment_intent": paid.id, "amount": 200})

    found = client.v1.refunds.list({"payment_intent": paid.id})

    assert [r.id for r in found.data] == [second.id, first.id]


def test_a_charge_expands_its_refunds(client, paid) -> None:
    refund = client.v1.refunds.create({"payment_intent": paid.id, "amount": 100})

    charge = client.v1.charges.retrieve(paid.latest_charge, {"expand": ["refunds"]})

    assert [r.id for r in charge.refunds.data] == [refund.id]


def test_an_unpaid_intent_cannot_be_refunded(client) -> None:
    intent = client.v1.payment_intents.create({"amount": 1000, "currency": "usd"})

    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.refunds.create({"payment_intent": intent.id})

    assert raised.value.param == "payment_intent"


def pay_with(client: stripe.StripeClient, payment_method: str) -> stripe.PaymentIntent:
    return client.v1.payment_intents.create(
        {"amount": 5000, "currency": "usd", "payment_method": payment_method, "confirm": True}
    )


def events_of(client: stripe.StripeClient, pattern: str) -> list[stripe.Event]:
    return list(reversed(client.v1.events.list({"type": pattern, "limit": 100}).data))


def test_a_refund_made_outside_the_app_announces_itself_with_reason_and_metadata(
    client, paid
) -> None:
    refund = client.v1.refunds.create(
        {
            "payment_intent": paid.id,
            "amount": 2000,
            "reason": "requested_by_customer",
            "metadata": {"ticket": "T-9"},
        }
    )

    created = events_of(client, "refund.created")
    refunded = events_of(client, "charge.refunded")
    assert [e.data.object["id"] for e in created] == [refund.id]
    assert created[0].data.object["reason"] == "requested_by_customer"
    assert created[0].data.object["metadata"].to_dict() == {"ticket": "T-9"}
    assert created[0]["request"]["id"] is not None
    charge = refunded[0].data.object
    assert (charge["amount_refunded"], charge["refunded"]) == (2000, False)
    assert previous_attributes(refunded[0])["amount_refunded"] == 0


def test_updating_a_refunds_metadata_emits_refund_updated(client, paid) -> None:
    refund = client.v1.refunds.create({"payment_intent": paid.id})

    client.v1.refunds.update(refund.id, {"metadata": {"note": "dashboard"}})

    [updated] = events_of(client, "refund.updated")
    assert updated.data.object["metadata"].to_dict() == {"note": "dashboard"}


def test_refunds_stop_at_the_amount_captured(client) -> None:
    intent = client.v1.payment_intents.create(
        {
            "amount": 4000,
            "currency": "usd",
            "payment_method": "pm_card_visa",
            "capture_method": "manual",
            "confirm": True,
        }
    )
    client.v1.payment_intents.capture(intent.id, {"amount_to_capture": 3000})

    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.refunds.create({"payment_intent": intent.id, "amount": 3500})
    refund = client.v1.refunds.create({"payment_intent": intent.id})

    assert raised.value.code == "amount_too_large"
    assert refund.amount == 3000


def test_a_refund_fail_card_refund_succeeds_then_fails(client, control, wait_until) -> None:
    intent = pay_with(client, "pm_card_refundFail")
    refund = client.v1.refunds.create({"payment_intent": intent.id})
    assert refund.status == "succeeded"

    control("/_sandbox/clock/advance", {"seconds": 5})
    wait_until(lambda: client.v1.refunds.retrieve(refund.id).status == "failed")

    failed = client.v1.refunds.retrieve(refund.id)
    assert failed.failure_reason == "expired_or_canceled_card"
    reversal = client.v1.balance_transactions.retrieve(str(failed.failure_balance_transaction))
    assert (reversal.type, reversal.amount) == ("refund_failure", 5000)
    charge = client.v1.charges.retrieve(str(intent.latest_charge))
    assert (charge.amount_refunded, charge.refunded) == (0, False)
    [failure] = events_of(client, "refund.failed")
    assert previous_attributes(failure)["status"] == "succeeded"
    assert failure["request"]["id"] is None
    assert [e.data.object["status"] for e in events_of(client, "refund.updated")] == ["failed"]


def test_the_refund_fail_card_number_fails_on_its_own_in_real_time(client, wait_until) -> None:
    card = client.v1.payment_methods.create(
        {"type": "card", "card": {"number": "4000000000005126", "exp_month": 12, "exp_year": 2034}}
    )
    intent = pay_with(client, card.id)
    refund = client.v1.refunds.create({"payment_intent": intent.id})

    wait_until(lambda: client.v1.refunds.retrieve(refund.id).status == "failed", timeout=6)


def test_a_pending_refund_card_refund_pends_then_succeeds(client, control, wait_until) -> None:
    intent = pay_with(client, "pm_card_pendingRefund")
    refund = client.v1.refunds.create({"payment_intent": intent.id, "amount": 1000})

    assert (refund.status, refund.pending_reason) == ("pending", "processing")
    assert client.v1.charges.retrieve(str(intent.latest_charge)).amount_refunded == 1000
    control("/_sandbox/clock/advance", {"seconds": 5})
    wait_until(lambda: client.v1.refunds.retrieve(refund.id).status == "succeeded")
    [updated] = events_of(client, "refund.updated")
    assert previous_attributes(updated)["status"] == "pending"


def test_the_control_api_fails_a_pending_refund_with_a_reason(client, control) -> None:
    intent = pay_with(client, "pm_card_pendingRefund")
    refund = client.v1.refunds.create({"payment_intent": intent.id})

    answered = control(f"/_sandbox/refunds/{refund.id}/fail", {"failure_reason": "declined"})

    assert (answered["status"], answered["failure_reason"]) == ("failed", "declined")
    assert [e.type for e in events_of(client, "refund.*")] == [
        "refund.created",
        "refund.updated",
        "refund.failed",
    ]


def test_the_control_api_settles_a_pending_refund(client, control) -> None:
    intent = pay_with(client, "pm_card_pendingRefund")
    refund = client.v1.refunds.create({"payment_intent": intent.id})

    assert control(f"/_sandbox/refunds/{refund.id}/succeed", {})["status"] == "succeeded"


def test_a_failed_refund_cannot_fail_again_and_its_scheduled_failure_does_nothing(
    client, control, raw, wait_until, sandbox
) -> None:
    intent = pay_with(client, "pm_card_refundFail")
    refund = client.v1.refunds.create({"payment_intent": intent.id})
    control(f"/_sandbox/refunds/{refund.id}/fail", {})

    again = raw(
        "POST",
        f"/_sandbox/refunds/{refund.id}/fail",
        body="{}",
        headers={"Authorization": "", "Content-Type": "application/json"},
    )
    control("/_sandbox/clock/advance", {"seconds": 5})
    wait_until(lambda: sandbox.sandbox.timers.pending() == 0)

    assert again.status == 400
    assert len(events_of(client, "refund.failed")) == 1
    assert client.v1.charges.retrieve(str(intent.latest_charge)).amount_refunded == 0


@pytest.mark.parametrize("reason", ["", "bogus", 7])
def test_the_control_api_refuses_an_unknown_failure_reason(client, raw, paid, reason) -> None:
    refund = client.v1.refunds.create({"payment_intent": paid.id})

    answered = raw(
        "POST",
        f"/_sandbox/refunds/{refund.id}/fail",
        body=f'{{"failure_reason": {reason!r}}}'.replace("'", '"'),
        headers={"Authorization": "", "Content-Type": "application/json"},
    )

    assert (answered.status, answered.body["error"]["param"]) == (400, "failure_reason")
    assert client.v1.refunds.retrieve(refund.id).status == "succeeded"
