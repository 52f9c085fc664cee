"""Events: what each change emits, and how they are listed."""

import pytest


def types_of(client) -> list[str]:
    """Event types oldest first."""
    return [e.type for e in client.v1.events.list({"limit": 100}).data][::-1]


def test_customer_changes_emit_created_updated_deleted(client) -> None:
    customer = client.v1.customers.create()
    client.v1.customers.update(customer.id, {"name": "Ada"})
    client.v1.customers.delete(customer.id)

    assert types_of(client) == ["customer.created", "customer.updated", "customer.deleted"]


def test_an_update_event_carries_previous_attributes(client) -> None:
    customer = client.v1.customers.create({"name": "Before"})
    client.v1.customers.update(customer.id, {"name": "After"})

    [event] = client.v1.events.list({"type": "customer.updated"}).data

    assert event.data.previous_attributes.name == "Before"
    assert event.data.object.name == "After"


def test_a_successful_payment_emits_its_events(client) -> None:
    client.v1.payment_intents.create(
        {"amount": 1000, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
    )

    assert types_of(client) == [
        "payment_intent.created",
        "charge.succeeded",
        "payment_intent.succeeded",
    ]


def test_a_declined_payment_emits_failure_events(client) -> None:
    with pytest.raises(Exception, match="declined"):
        client.v1.payment_intents.create(
            {
                "amount": 1000,
                "currency": "usd",
                "payment_method": "pm_card_visa_chargeDeclined",
                "confirm": True,
            }
        )

    assert types_of(client) == [
        "payment_intent.created",
        "charge.failed",
        "payment_intent.payment_failed",
    ]


def test_three_d_secure_emits_requires_action(client) -> None:
    client.v1.payment_intents.create(
        {
            "amount": 1000,
            "currency": "usd",
            "payment_method": "pm_card_authenticationRequired",
            "confirm": True,
        }
    )

    assert types_of(client)[-1] == "payment_intent.requires_action"


def test_cancel_emits_canceled(client) -> None:
    intent = client.v1.payment_intents.create({"amount": 1000, "currency": "usd"})
    client.v1.payment_intents.cancel(intent.id)

    assert types_of(client)[-1] == "payment_intent.canceled"


def test_a_refund_emits_refund_created_and_charge_refunded(client) -> None:
    intent = client.v1.payment_intents.create(
        {"amount": 1000, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
    )
    client.v1.refunds.create({"payment_intent": intent.id})

    assert types_of(client)[-2:] == ["refund.created", "charge.refunded"]


def test_attach_and_detach_emit_payment_method_events(client) -> None:
    customer = client.v1.customers.create()
    attached = client.v1.payment_methods.attach("pm_card_visa", {"customer": customer.id})
    client.v1.payment_methods.detach(attached.id)

    assert types_of(client)[-2:] == ["payment_method.attached", "payment_method.detached"]


def test_catalog_changes_emit_product_and_price_events(client) -> None:
    product = client.v1.products.create({"name": "A"})
    price = client.v1.prices.create({"currency": "usd", "unit_amount": 1, "product": product.id})
    client.v1.prices.update(price.id, {"active": False})

    assert types_of(client) == ["product.created", "price.created", "price.updated"]


def test_an_event_records_its_request_and_idempotency_key(client) -> None:
    customer = client.v1.customers.create({}, {"idempotency_key": "ik-1"})

    [event] = client.v1.events.list().data

    assert event["request"]["id"] == customer.last_response.request_id
    assert event["request"]["idempotency_key"] == "ik-1"


def test_retrieve_answers_the_event(client) -> None:
    client.v1.customers.create()
    [listed] = client.v1.events.list().data

    assert client.v1.events.retrieve(listed.id).type == "customer.created"


def test_list_filters_by_a_type_wildcard(client) -> None:
    client.v1.customers.create()
    client.v1.payment_intents.create({"amount": 1000, "currency": "usd"})

    found = client.v1.events.list({"type": "payment_intent.*"})

    assert [e.type for e in found.data] == ["payment_intent.created"]


def test_list_filters_by_created(client, control) -> None:
    client.v1.customers.create()
    now = control("/_sandbox/clock/advance", {"seconds": 100})["now"]
    client.v1.products.create({"name": "Later"})

    found = client.v1.events.list({"created": {"gte": now}})

    assert [e.type for e in found.data] == ["product.created"]
