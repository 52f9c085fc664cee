"""A PaymentMethod saved to one Customer serves that Customer only, as on Stripe."""

from __future__ import annotations

import pytest
import stripe

from tests.sandbox.support import error_of


@pytest.fixture
def owner(client: stripe.StripeClient) -> stripe.Customer:
    return client.v1.customers.create({"email": "owner@example.com"})


@pytest.fixture
def stranger(client: stripe.StripeClient) -> stripe.Customer:
    return client.v1.customers.create({"email": "stranger@example.com"})


@pytest.fixture
def saved_card(client: stripe.StripeClient, owner: stripe.Customer) -> stripe.PaymentMethod:
    return client.v1.payment_methods.attach("pm_card_visa", {"customer": owner.id})


def assert_not_the_customers_card(raised: pytest.ExceptionInfo[stripe.InvalidRequestError]):
    error = error_of(raised.value)
    assert raised.value.http_status == 400
    assert (error["type"], error["code"], error["param"]) == (
        "invalid_request_error",
        "resource_missing",
        "payment_method",
    )


def test_the_owner_pays_with_its_saved_card(client, owner, saved_card) -> None:
    intent = client.v1.payment_intents.create(
        {
            "amount": 1000,
            "currency": "usd",
            "customer": owner.id,
            "payment_method": saved_card.id,
            "confirm": True,
        }
    )

    assert intent.status == "succeeded"


def test_another_customers_card_cannot_create_a_payment_intent(
    client, stranger, saved_card
) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.payment_intents.create(
            {
                "amount": 1000,
                "currency": "usd",
                "customer": stranger.id,
                "payment_method": saved_card.id,
                "confirm": True,
            }
        )

    assert_not_the_customers_card(raised)
    assert client.v1.payment_intents.list().data == []
    assert client.v1.charges.list().data == []


def test_another_customers_card_cannot_confirm_a_payment_intent(
    client, stranger, saved_card
) -> None:
    intent = client.v1.payment_intents.create(
        {"amount": 1000, "currency": "usd", "customer": stranger.id}
    )

    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.payment_intents.confirm(intent.id, {"payment_method": saved_card.id})

    assert_not_the_customers_card(raised)
    unchanged = client.v1.payment_intents.retrieve(intent.id)
    assert (unchanged.status, unchanged.payment_method) == ("requires_payment_method", None)
    assert client.v1.charges.list().data == []


def test_another_customers_card_cannot_be_set_on_a_payment_intent(
    client, stranger, saved_card
) -> None:
    intent = client.v1.payment_intents.create(
        {"amount": 1000, "currency": "usd", "customer": stranger.id}
    )

    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.payment_intents.update(intent.id, {"payment_method": saved_card.id})

    assert_not_the_customers_card(raised)
    assert client.v1.payment_intents.retrieve(intent.id).payment_method is None


def test_an_intent_moved_to_another_customer_cannot_keep_the_card(
    client, owner, stranger, saved_card
) -> None:
    intent = client.v1.payment_intents.create(
        {"amount": 1000, "currency": "usd", "customer": owner.id, "payment_method": saved_card.id}
    )

    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.payment_intents.update(intent.id, {"customer": stranger.id})

    assert_not_the_customers_card(raised)
    assert client.v1.payment_intents.retrieve(intent.id).customer == owner.id


def test_a_saved_card_without_its_customer_is_refused(client, saved_card) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.payment_intents.create(
            {"amount": 1000, "currency": "usd", "payment_method": saved_card.id, "confirm": True}
        )

    assert error_of(raised.value)["param"] == "customer"
    assert client.v1.payment_intents.list().data == []


def test_another_customers_card_cannot_create_a_setup_intent(client, stranger, saved_card) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.setup_intents.create(
            {"customer": stranger.id, "payment_method": saved_card.id, "confirm": True}
        )

    assert_not_the_customers_card(raised)
    assert client.v1.setup_intents.list().data == []


def test_another_customers_card_cannot_confirm_a_setup_intent(client, stranger, saved_card) -> None:
    intent = client.v1.setup_intents.create({"customer": stranger.id})

    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.setup_intents.confirm(intent.id, {"payment_method": saved_card.id})

    assert_not_the_customers_card(raised)
    unchanged = client.v1.setup_intents.retrieve(intent.id)
    assert (unchanged.status, unchanged.payment_method) == ("requires_payment_method", None)
    assert client.v1.payment_methods.retrieve(saved_card.id).customer != stranger.id


def test_another_customers_card_cannot_pay_a_checkout_session(
    client, raw, stranger, saved_card
) -> None:
    session = client.v1.checkout.sessions.create(
        {
            "mode": "payment",
            "customer": stranger.id,
            "line_items": [
                {
                    "price_data": {
                        "currency": "usd",
                        "unit_amount": 4900,
                        "product_data": {"name": "Course"},
                    }
                }
            ],
            "success_url": "https://shop.test/done",
        }
    )

    answered = raw(
        "POST",
        f"/_sandbox/checkout/sessions/{session.id}/complete",
        body=f'{{"payment_method": "{saved_card.id}"}}',
        headers={"Authorization": "", "Content-Type": "application/json"},
    )

    assert (answered.status, answered.body["error"]["code"]) == (400, "resource_missing")
    assert client.v1.checkout.sessions.retrieve(session.id).status == "open"
    assert client.v1.charges.list().data == []
