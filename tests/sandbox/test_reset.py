"""Reset is a barrier between tests: nothing of the state before it, webhooks included, reaches
anyone after it returns."""

from __future__ import annotations

import threading
import time

import stripe


def create_endpoint(client: stripe.StripeClient, url: str) -> stripe.WebhookEndpoint:
    return client.v1.webhook_endpoints.create({"url": url, "enabled_events": ["*"]})


def test_reset_cancels_the_retries_still_to_come(client, control, webhook_receiver) -> None:
    webhook_receiver.statuses = [500]
    create_endpoint(client, webhook_receiver.url)
    client.v1.customers.create()
    webhook_receiver.wait_for(1)

    control("/_sandbox/reset", {})
    time.sleep(1.0)  # the test schedule retries after 0.2, 0.4 and 0.8 s

    assert len(webhook_receiver.received) == 1


def test_reset_returns_once_the_delivery_in_flight_is_answered(
    client, control, webhook_receiver
) -> None:
    entered, finished = threading.Event(), threading.Event()

    def slow_receiver(event: dict) -> None:
        entered.set()
        time.sleep(0.3)
        finished.set()

    webhook_receiver.on_receive = slow_receiver
    create_endpoint(client, webhook_receiver.url)
    client.v1.customers.create()
    assert entered.wait(5)

    control("/_sandbox/reset", {})

    assert finished.is_set()
    assert client.v1.events.list().data == []


def test_a_delivery_answered_during_reset_is_not_recorded(
    client, control, raw, webhook_receiver
) -> None:
    entered = threading.Event()

    def slow_receiver(event: dict) -> None:
        entered.set()
        time.sleep(0.2)

    webhook_receiver.on_receive = slow_receiver
    create_endpoint(client, webhook_receiver.url)
    client.v1.customers.create()
    assert entered.wait(5)

    control("/_sandbox/reset", {})

    deliveries = raw("GET", "/_sandbox/deliveries", headers={"Authorization": ""})
    assert deliveries.body["data"] == []


def test_a_receiver_calling_back_during_reset_does_not_deadlock(
    client, control, webhook_receiver
) -> None:
    """dj-stripe re-fetches the object while Stripe waits: reset must not hold the store lock
    while it waits for that delivery."""
    entered = threading.Event()
    fetched: list[str] = []

    def refetching_receiver(event: dict) -> None:
        entered.set()
        time.sleep(0.1)
        fetched.append(client.v1.events.retrieve(event["id"]).id)

    webhook_receiver.on_receive = refetching_receiver
    create_endpoint(client, webhook_receiver.url)
    client.v1.customers.create()
    assert entered.wait(5)

    started = time.monotonic()
    control("/_sandbox/reset", {})

    assert time.monotonic() - started < 3
    assert len(fetched) == 1


def test_the_wait_is_bounded(client, sandbox, webhook_receiver) -> None:
    entered, release = threading.Event(), threading.Event()

    def hanging_receiver(event: dict) -> None:
        entered.set()
        release.wait(5)

    webhook_receiver.on_receive = hanging_receiver
    create_endpoint(client, webhook_receiver.url)
    client.v1.customers.create()
    assert entered.wait(5)

    try:
        started = time.monotonic()
        drained = sandbox.sandbox.dispatcher.reset(wait=0.2)
        waited = time.monotonic() - started
    finally:
        release.set()

    assert drained is False
    assert waited < 1
    assert sandbox.sandbox.dispatcher.reset() is True


def test_reset_drops_what_the_sandbox_would_do_later(client, control, sandbox) -> None:
    intent = client.v1.payment_intents.create(
        {"amount": 5000, "currency": "usd", "payment_method": "pm_card_refundFail", "confirm": True}
    )
    client.v1.refunds.create({"payment_intent": intent.id})
    assert sandbox.sandbox.timers.pending() == 1

    control("/_sandbox/reset", {})

    assert sandbox.sandbox.timers.pending() == 0
