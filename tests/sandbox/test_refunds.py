"""Refunds: full, several partial, and the over-refund errors."""

import pytest
import stripe


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
