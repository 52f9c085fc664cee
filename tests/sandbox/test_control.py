"""The control API under /_sandbox/."""

import pytest
import stripe

from stripe_sandbox.__main__ import parse_arguments


def test_reset_forgets_every_object(client, control) -> None:
    customer = client.v1.customers.create()

    control("/_sandbox/reset", {})

    with pytest.raises(stripe.InvalidRequestError):
        client.v1.customers.retrieve(customer.id)


def test_advancing_the_clock_moves_created(client, control) -> None:
    before = client.v1.customers.create().created

    control("/_sandbox/clock/advance", {"seconds": 3600})

    assert client.v1.customers.create().created >= before + 3600


def test_a_negative_advance_is_refused(raw) -> None:
    response = raw(
        "POST",
        "/_sandbox/clock/advance",
        body='{"seconds": -1}',
        headers={"Content-Type": "application/json"},
    )

    assert response.status == 400
    assert response.body["error"]["param"] == "seconds"


def test_deliveries_lists_each_attempt(client, raw, webhook_receiver, wait_until) -> None:
    webhook_receiver.statuses = [500]
    client.v1.webhook_endpoints.create({"url": webhook_receiver.url, "enabled_events": ["*"]})
    client.v1.customers.create()
    wait_until(lambda: len(raw("GET", "/_sandbox/deliveries").body["data"]) == 2)

    attempts = raw("GET", "/_sandbox/deliveries").body["data"]

    assert [(a["attempt"], a["status"]) for a in attempts[:2]] == [(1, 500), (2, 200)]


def test_the_command_line_takes_a_retry_schedule() -> None:
    arguments = parse_arguments(["--port", "9999", "--webhook-retry-schedule", "1,2,4.5"])

    assert (arguments.port, arguments.webhook_retry_schedule) == (9999, (1.0, 2.0, 4.5))


def test_the_command_line_defaults_to_port_12111_in_memory() -> None:
    arguments = parse_arguments([])

    assert (arguments.host, arguments.port, arguments.data) == ("127.0.0.1", 12111, None)
