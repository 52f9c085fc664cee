"""Webhook endpoints and signed deliveries with retries."""

import threading

import stripe

from stripe_sandbox.testing import TEST_SECRET_KEY


def create_endpoint(client, url: str, events: list[str] | None = None):
    return client.v1.webhook_endpoints.create({"url": url, "enabled_events": events or ["*"]})


def test_create_returns_the_secret_once(client, webhook_receiver) -> None:
    endpoint = create_endpoint(client, webhook_receiver.url)

    retrieved = client.v1.webhook_endpoints.retrieve(endpoint.id)

    assert endpoint.id.startswith("we_")
    assert endpoint.secret.startswith("whsec_")
    assert retrieved.secret is None


def test_a_delivery_is_signed_as_stripe_signs(client, webhook_receiver) -> None:
    endpoint = create_endpoint(client, webhook_receiver.url)
    customer = client.v1.customers.create()

    [delivery] = webhook_receiver.wait_for(1)
    event = stripe.Webhook.construct_event(delivery.body, delivery.signature, endpoint.secret)

    assert event.type == "customer.created"
    assert event.data.object.id == customer.id


def test_a_wrong_secret_does_not_verify(client, webhook_receiver) -> None:
    create_endpoint(client, webhook_receiver.url)
    client.v1.customers.create()

    [delivery] = webhook_receiver.wait_for(1)

    try:
        stripe.Webhook.construct_event(delivery.body, delivery.signature, "whsec_wrong")
    except stripe.SignatureVerificationError:
        return
    raise AssertionError("a signature made with another secret verified")


def test_only_enabled_events_are_delivered(client, webhook_receiver) -> None:
    create_endpoint(client, webhook_receiver.url, ["payment_intent.succeeded"])
    client.v1.customers.create()
    client.v1.payment_intents.create(
        {"amount": 1000, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
    )

    [delivery] = webhook_receiver.wait_for(1)

    assert delivery.event["type"] == "payment_intent.succeeded"


def test_a_delivery_answered_500_is_retried(client, webhook_receiver, wait_until) -> None:
    webhook_receiver.statuses = [500]
    create_endpoint(client, webhook_receiver.url)
    client.v1.customers.create()

    first, retry = webhook_receiver.wait_for(2)
    event_id = first.event["id"]
    wait_until(lambda: client.v1.events.retrieve(event_id).pending_webhooks == 0)

    assert retry.event["id"] == event_id


def test_undelivered_events_are_listed_by_delivery_success_false(
    client, webhook_receiver, wait_until
) -> None:
    create_endpoint(client, webhook_receiver.url, ["customer.created"])
    create_endpoint(client, "http://127.0.0.1:9/unreachable", ["product.created"])
    client.v1.customers.create()
    client.v1.products.create({"name": "Never delivered"})
    webhook_receiver.wait_for(1)
    wait_until(lambda: client.v1.events.list({"delivery_success": True}).data != [])

    failed = client.v1.events.list({"delivery_success": False})
    delivered = client.v1.events.list({"delivery_success": True})

    assert [e.type for e in failed.data] == ["product.created"]
    assert [e.type for e in delivered.data] == ["customer.created"]


def test_a_receiver_can_call_back_into_the_sandbox_during_delivery(
    sandbox, client, webhook_receiver
) -> None:
    """dj-stripe re-fetches the object while handling the event: no lock may be held."""
    fetched: list[str] = []
    callback_client = stripe.StripeClient(
        TEST_SECRET_KEY, base_addresses={"api": sandbox.url}, max_network_retries=0
    )
    webhook_receiver.on_receive = lambda event: fetched.append(
        callback_client.v1.customers.retrieve(event["data"]["object"]["id"]).id
    )
    create_endpoint(client, webhook_receiver.url, ["customer.created"])
    customer = client.v1.customers.create()

    webhook_receiver.wait_for(1)

    assert fetched == [customer.id]


def test_a_disabled_endpoint_receives_nothing(client, webhook_receiver, wait_until) -> None:
    disabled = create_endpoint(client, webhook_receiver.url, ["customer.created"])
    client.v1.webhook_endpoints.update(disabled.id, {"disabled": True})
    create_endpoint(client, webhook_receiver.url, ["product.created"])
    client.v1.customers.create()
    client.v1.products.create({"name": "Marker"})

    [delivery] = webhook_receiver.wait_for(1)

    assert delivery.event["type"] == "product.created"


def test_endpoints_can_be_listed_and_deleted(client) -> None:
    endpoint = create_endpoint(client, "http://127.0.0.1:9/hooks")

    deleted = client.v1.webhook_endpoints.delete(endpoint.id)

    assert deleted.deleted is True
    assert client.v1.webhook_endpoints.list().data == []


def test_a_request_does_not_wait_for_its_deliveries(client, webhook_receiver) -> None:
    receiving, release = threading.Event(), threading.Event()

    def stall(event: dict[str, object]) -> None:
        receiving.set()
        release.wait(timeout=5)

    webhook_receiver.on_receive = stall
    create_endpoint(client, webhook_receiver.url, ["customer.created", "customer.updated"])
    customer = client.v1.customers.create()
    assert receiving.wait(timeout=5)

    updated = client.v1.customers.update(customer.id, {"name": "Not blocked"})
    release.set()

    assert updated.name == "Not blocked"
