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


def test_a_customer_retrieves_its_own_payment_method(client) -> None:
    customer = client.v1.customers.create()
    attached = client.v1.payment_methods.attach("pm_card_visa", {"customer": customer.id})

    found = client.v1.customers.payment_methods.retrieve(customer.id, attached.id)

    assert found.id == attached.id


def test_another_customers_payment_method_is_not_found_under_a_customer(client) -> None:
    owner = client.v1.customers.create()
    stranger = client.v1.customers.create()
    attached = client.v1.payment_methods.attach("pm_card_visa", {"customer": owner.id})

    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.customers.payment_methods.retrieve(stranger.id, attached.id)

    assert raised.value.http_status == 404
    assert raised.value.code == "resource_missing"


def test_attach_and_detach_announce_the_customer_change(client) -> None:
    customer = client.v1.customers.create()
    attached = client.v1.payment_methods.attach("pm_card_visa", {"customer": customer.id})
    client.v1.payment_methods.detach(attached.id)

    events = client.v1.events.list({"type": "payment_method.*"}).data

    assert [(e.type, e.data.object["customer"]) for e in reversed(events)] == [
        ("payment_method.attached", customer.id),
        ("payment_method.detached", None),
    ]
    assert events[0].data.previous_attributes["customer"] == customer.id


def test_update_announces_payment_method_updated(client) -> None:
    customer = client.v1.customers.create()
    attached = client.v1.payment_methods.attach("pm_card_visa", {"customer": customer.id})

    client.v1.payment_methods.update(attached.id, {"metadata": {"label": "work"}})

    updated = client.v1.events.list({"type": "payment_method.updated"}).data
    assert len(updated) == 1
    assert updated[0].data.object["metadata"].to_dict() == {"label": "work"}
    assert updated[0].data.previous_attributes["metadata"].to_dict() == {}


def test_a_saved_card_becomes_the_default_for_invoices(client) -> None:
    customer = client.v1.customers.create()
    attached = client.v1.payment_methods.attach("pm_card_visa", {"customer": customer.id})

    updated = client.v1.customers.update(
        customer.id, {"invoice_settings": {"default_payment_method": attached.id}}
    )

    assert updated.invoice_settings.default_payment_method == attached.id
    event = client.v1.events.list({"type": "customer.updated"}).data[0]
    assert event.data.previous_attributes["invoice_settings"]["default_payment_method"] is None


@pytest.mark.parametrize("whose", ["nobody", "another customer"])
def test_the_default_must_be_a_card_of_the_customer(client, whose) -> None:
    customer = client.v1.customers.create()
    card = client.v1.payment_methods.retrieve("pm_card_visa")
    if whose == "another customer":
        other = client.v1.customers.create()
        card = client.v1.payment_methods.attach(card.id, {"customer": other.id})

    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.customers.update(
            customer.id, {"invoice_settings": {"default_payment_method": card.id}}
        )

    assert (raised.value.code, raised.value.param) == (
        "resource_missing",
        "invoice_settings[default_payment_method]",
    )
    unchanged = client.v1.customers.retrieve(customer.id)
    assert unchanged.invoice_settings.default_payment_method is None


def test_detaching_the_default_card_unsets_the_default(client) -> None:
    customer = client.v1.customers.create()
    attached = client.v1.payment_methods.attach("pm_card_visa", {"customer": customer.id})
    client.v1.customers.update(
        customer.id, {"invoice_settings": {"default_payment_method": attached.id}}
    )

    client.v1.payment_methods.detach(attached.id)

    assert client.v1.customers.retrieve(customer.id).invoice_settings.default_payment_method is None
    assert len(client.v1.events.list({"type": "customer.updated"}).data) == 2


def test_a_customer_created_with_a_card_can_default_to_it(client) -> None:
    customer = client.v1.customers.create(
        {
            "payment_method": "pm_card_visa",
            "invoice_settings": {"default_payment_method": "pm_card_visa"},
        }
    )

    default = str(customer.invoice_settings.default_payment_method)
    assert default != "pm_card_visa"
    assert client.v1.payment_methods.retrieve(default).customer == customer.id
