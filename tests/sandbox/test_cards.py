"""Each test card and test PaymentMethod behaves as STRIPE_SEMANTICS.md documents."""

from typing import cast

import pytest
import stripe
from stripe.params import PaymentIntentCreateParams

from tests.sandbox.support import error_of

DECLINES = [
    ("pm_card_visa_chargeDeclined", "card_declined", "generic_decline"),
    ("pm_card_visa_chargeDeclinedInsufficientFunds", "card_declined", "insufficient_funds"),
    ("pm_card_visa_chargeDeclinedLostCard", "card_declined", "lost_card"),
    ("pm_card_visa_chargeDeclinedStolenCard", "card_declined", "stolen_card"),
    ("pm_card_chargeDeclinedExpiredCard", "expired_card", "expired_card"),
    ("pm_card_chargeDeclinedIncorrectCvc", "incorrect_cvc", "incorrect_cvc"),
    ("pm_card_chargeDeclinedProcessingError", "processing_error", "processing_error"),
    ("pm_card_chargeCustomerFail", "card_declined", "generic_decline"),
]


def pay(client: stripe.StripeClient, payment_method: str, **extra: object) -> stripe.PaymentIntent:
    params = {"amount": 1500, "currency": "usd", "payment_method": payment_method, "confirm": True}
    return client.v1.payment_intents.create(cast(PaymentIntentCreateParams, params | extra))


@pytest.mark.parametrize("payment_method", ["pm_card_visa", "pm_card_mastercard"])
def test_a_good_card_succeeds(client, payment_method) -> None:
    intent = pay(client, payment_method)

    assert intent.status == "succeeded"
    assert intent.amount_received == 1500


@pytest.mark.parametrize(("payment_method", "code", "decline_code"), DECLINES)
def test_a_declining_card_raises_card_error_with_its_codes(
    client, payment_method, code, decline_code
) -> None:
    with pytest.raises(stripe.CardError) as raised:
        pay(client, payment_method)

    assert raised.value.http_status == 402
    assert raised.value.code == code
    assert error_of(raised.value)["decline_code"] == decline_code


def test_a_decline_returns_the_intent_to_requires_payment_method(client) -> None:
    with pytest.raises(stripe.CardError) as raised:
        pay(client, "pm_card_visa_chargeDeclinedInsufficientFunds")

    intent = client.v1.payment_intents.retrieve(error_of(raised.value)["payment_intent"]["id"])
    assert intent.status == "requires_payment_method"
    assert intent.last_payment_error.decline_code == "insufficient_funds"
    assert intent.last_payment_error.type == "card_error"


def test_a_decline_records_a_failed_charge(client) -> None:
    with pytest.raises(stripe.CardError) as raised:
        pay(client, "pm_card_visa_chargeDeclined")

    charge = client.v1.charges.retrieve(error_of(raised.value)["charge"])
    assert (charge.status, charge.paid, charge.failure_code) == ("failed", False, "card_declined")
    assert charge.outcome.reason == "generic_decline"


@pytest.mark.parametrize(
    ("number", "brand"), [("4242424242424242", "visa"), ("5555555555554444", "mastercard")]
)
def test_a_card_number_creates_a_payment_method(client, number, brand) -> None:
    payment_method = client.v1.payment_methods.create(
        {"type": "card", "card": {"number": number, "exp_month": 12, "exp_year": 2034, "cvc": "1"}}
    )

    assert payment_method.id.startswith("pm_")
    assert (payment_method.card.brand, payment_method.card.last4) == (brand, number[-4:])


def test_a_payment_method_from_a_declining_number_declines_when_charged(client) -> None:
    payment_method = client.v1.payment_methods.create(
        {"type": "card", "card": {"number": "4000000000009995", "exp_month": 1, "exp_year": 2035}}
    )

    with pytest.raises(stripe.CardError) as raised:
        pay(client, payment_method.id)

    assert error_of(raised.value)["decline_code"] == "insufficient_funds"


def test_tok_visa_creates_a_visa(client) -> None:
    payment_method = client.v1.payment_methods.create(
        {"type": "card", "card": {"token": "tok_visa"}}
    )

    assert payment_method.card.last4 == "4242"


def test_an_invalid_card_number_is_a_card_error(client) -> None:
    with pytest.raises(stripe.CardError) as raised:
        client.v1.payment_methods.create(
            {
                "type": "card",
                "card": {"number": "4242424242424241", "exp_month": 1, "exp_year": 2035},
            }
        )

    assert raised.value.code == "incorrect_number"


def test_customer_fail_card_attaches_then_declines(client) -> None:
    customer = client.v1.customers.create()
    attached = client.v1.payment_methods.attach(
        "pm_card_chargeCustomerFail", {"customer": customer.id}
    )

    with pytest.raises(stripe.CardError) as raised:
        pay(client, attached.id, customer=customer.id)

    assert attached.customer == customer.id
    assert raised.value.code == "card_declined"


def test_a_declining_card_cannot_be_attached(client) -> None:
    customer = client.v1.customers.create()

    with pytest.raises(stripe.CardError) as raised:
        client.v1.payment_methods.attach("pm_card_visa_chargeDeclined", {"customer": customer.id})

    assert error_of(raised.value)["decline_code"] == "generic_decline"
