"""Webhook chaos: deliveries duplicated, delayed or reordered on request."""

from __future__ import annotations

import time

import pytest


@pytest.fixture
def endpoint(client, webhook_receiver):
    client.v1.webhook_endpoints.create(
        {"url": webhook_receiver.url, "enabled_events": ["customer.created"]}
    )
    return webhook_receiver


def test_duplicate_rate_one_delivers_every_event_twice(client, control, endpoint) -> None:
    control("/_sandbox/webhooks/chaos", {"duplicate_rate": 1.0})
    created = [client.v1.customers.create().id for _ in range(2)]

    received = endpoint.wait_for(4)

    ids = [webhook.event["data"]["object"]["id"] for webhook in received]
    assert sorted(ids) == sorted(created * 2)
    assert len({webhook.event["id"] for webhook in received}) == 2


def test_duplicate_rate_zero_delivers_once(client, control, endpoint) -> None:
    control("/_sandbox/webhooks/chaos", {"duplicate_rate": 0.0})
    client.v1.customers.create()
    endpoint.wait_for(1)

    time.sleep(0.3)

    assert len(endpoint.received) == 1


def test_delay_holds_deliveries(client, control, endpoint) -> None:
    control("/_sandbox/webhooks/chaos", {"delay_ms": 400})
    started = time.monotonic()
    client.v1.customers.create()

    time.sleep(0.2)
    assert endpoint.received == []
    endpoint.wait_for(1)

    assert time.monotonic() - started >= 0.4


def test_reorder_delivers_newest_first(client, control, endpoint) -> None:
    control("/_sandbox/webhooks/chaos", {"reorder": True, "delay_ms": 300})
    created = [client.v1.customers.create().id for _ in range(3)]

    received = endpoint.wait_for(3)

    assert [webhook.event["data"]["object"]["id"] for webhook in received] == created[::-1]


def test_without_chaos_events_arrive_once(client, endpoint) -> None:
    customer = client.v1.customers.create()

    received = endpoint.wait_for(1)
    time.sleep(0.2)

    assert [webhook.event["data"]["object"]["id"] for webhook in received] == [customer.id]
    assert len(endpoint.received) == 1


def test_reset_turns_chaos_off(raw, control) -> None:
    control("/_sandbox/webhooks/chaos", {"duplicate_rate": 1.0, "reorder": True})

    control("/_sandbox/reset", {})

    assert raw("GET", "/_sandbox/webhooks/chaos").body == {
        "duplicate_rate": 0.0,
        "delay_ms": 0,
        "reorder": False,
        "drop_rate": 0.0,
        "seed": None,
    }


@pytest.mark.parametrize(
    "body",
    [
        '{"duplicate_rate": 2}',
        '{"drop_rate": -0.1}',
        '{"drop_rate": true}',
        '{"delay_ms": -1}',
        '{"reorder": "yes"}',
        '{"colour": 1}',
    ],
)
def test_invalid_chaos_is_refused(raw, body) -> None:
    response = raw(
        "POST", "/_sandbox/webhooks/chaos", body=body, headers={"Content-Type": "application/json"}
    )

    assert response.status == 400
