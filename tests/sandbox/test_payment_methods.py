"""PaymentMethods saved on customers."""

import pytest
import stripe


def test_a_test_id_retrieves_a_fresh_card(client) -> None:
    payment_method = client.v1.payment_methods.retrieve("pm_card_visa")

    assert payment_method.id != "pm_card_visa"
    assert payment_method.card.last4 == "4242"


def test_attach_sets_the_customer(client) -> None:
    customer = client.v1.customers.create()

    attached = client.v1.payment_methods.attach("pm_card_visa", {"customer": customer.id})

    assert attached.customer == customer.id


def test_detach_clears_the_customer(client) -> None:
    customer = client.v1.customers.create()
    attached = client.v1.payment_methods.attach("pm_card_visa", {"customer": customer.id})

    detached = client.v1.payment_methods.detach(attached.id)

    assert detached.customer is None


def test_detaching_an_unattached_method_is_refused(client) -> None:
    payment_method = client.v1.payment_methods.retrieve("pm_card_visa")

    with pytest.raises(stripe.InvalidRequestError):
        client.v1.payment_methods.detach(payment_method.id)


def test_list_by_customer(client) -> None:
    customer = client.v1.customers.create()
    attached = client.v1.payment_methods.attach("pm_card_mastercard", {"customer": customer.id})
    client.v1.payment_methods.retrieve("pm_card_visa")

    found = client.v1.payment_methods.list({"customer": customer.id, "type": "card"})

    assert [p.id for p in found.data] == [attached.id]


def test_customer_payment_methods_route_lists_the_same(client) -> None:
    customer = client.v1.customers.create()
    attached = client.v1.payment_methods.attach("pm_card_visa", {"customer": customer.id})

    found = client.v1.customers.payment_methods.list(customer.id)

    assert [p.id for p in found.data] == [attached.id]


def test_setup_future_usage_saves_the_card_on_success(client) -> None:
    customer = client.v1.customers.create()

    intent = client.v1.payment_intents.create(
        {
            "amount": 1000,
            "currency": "usd",
            "customer": customer.id,
            "payment_method": "pm_card_visa",
            "setup_future_usage": "off_session",
            "confirm": True,
        }
    )

    assert client.v1.payment_methods.retrieve(intent.payment_method).customer == customer.id
