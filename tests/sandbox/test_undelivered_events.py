"""Deliveries that never arrive: endpoints deleted or disabled, deliveries dropped by chaos.
Events still accrue, and `GET /v1/events?delivery_success=false` finds them."""

from __future__ import annotations

import time

import stripe


def create_endpoint(client: stripe.StripeClient, url: str) -> stripe.WebhookEndpoint:
    return client.v1.webhook_endpoints.create({"url": url, "enabled_events": ["customer.created"]})


def undelivered(client: stripe.StripeClient) -> list[str]:
    return [event.id for event in client.v1.events.list({"delivery_success": False}).data]


def test_a_deleted_endpoint_gets_no_retry_and_nothing_new(client, webhook_receiver) -> None:
    webhook_receiver.statuses = [500] * 10
    endpoint = create_endpoint(client, webhook_receiver.url)
    # Deleted while its first delivery waits for the answer, before any retry is due.
    webhook_receiver.on_receive = lambda event: client.v1.webhook_endpoints.delete(endpoint.id)
    client.v1.customers.create()
    webhook_receiver.wait_for(1)

    client.v1.customers.create()
    time.sleep(1.0)  # past every retry of the test schedule (0.2, 0.4, 0.8 s)

    assert len(webhook_receiver.received) == 1
    events = client.v1.events.list({"type": "customer.created"}).data
    assert len(events) == 2
    assert undelivered(client) == [events[1].id]


def test_a_disabled_endpoint_gets_no_retry_and_resumes_when_enabled(
    client, webhook_receiver
) -> None:
    webhook_receiver.statuses = [500] * 10
    endpoint = create_endpoint(client, webhook_receiver.url)

    def disable_once(event: dict) -> None:
        webhook_receiver.on_receive = None
        client.v1.webhook_endpoints.update(endpoint.id, {"disabled": True})

    webhook_receiver.on_receive = disable_once
    first = client.v1.customers.create()
    webhook_receiver.wait_for(1)

    client.v1.customers.create()
    time.sleep(1.0)
    received_while_disabled = len(webhook_receiver.received)
    webhook_receiver.statuses = []
    client.v1.webhook_endpoints.update(endpoint.id, {"disabled": False})
    third = client.v1.customers.create()
    [_, resumed] = webhook_receiver.wait_for(2)

    assert received_while_disabled == 1
    assert resumed.event["data"]["object"]["id"] == third.id
    assert first.id not in [w.event["data"]["object"]["id"] for w in webhook_receiver.received[1:]]
    assert len(client.v1.events.list({"type": "customer.created"}).data) == 3


def test_chaos_can_drop_every_delivery_for_good(client, control, raw, webhook_receiver) -> None:
    create_endpoint(client, webhook_receiver.url)
    control("/_sandbox/webhooks/chaos", {"drop_rate": 1.0})

    for _ in range(3):
        client.v1.customers.create()
    time.sleep(1.0)

    assert webhook_receiver.received == []
    assert len(undelivered(client)) == 3
    attempts = raw("GET", "/_sandbox/deliveries", headers={"Authorization": ""}).body["data"]
    assert [attempt["error"] for attempt in attempts] == ["dropped by webhook chaos"] * 3


def test_dropped_deliveries_are_exactly_the_undelivered_events(
    client, control, raw, webhook_receiver, wait_until
) -> None:
    create_endpoint(client, webhook_receiver.url)
    control("/_sandbox/webhooks/chaos", {"drop_rate": 0.5, "seed": 3})

    for _ in range(20):
        client.v1.customers.create()
    events = {event.id for event in client.v1.events.list({"limit": 100}).data}
    attempts = raw("GET", "/_sandbox/deliveries", headers={"Authorization": ""}).body["data"]
    dropped = {a["event_id"] for a in attempts if a["error"] == "dropped by webhook chaos"}
    wait_until(lambda: len(webhook_receiver.received) == len(events - dropped))
    wait_until(lambda: len(undelivered(client)) == len(dropped))

    delivered = {webhook.event["id"] for webhook in webhook_receiver.received}
    assert 0 < len(dropped) < 20
    assert delivered == events - dropped
    assert set(undelivered(client)) == dropped
