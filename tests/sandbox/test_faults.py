"""Injected faults change exactly the requests they target, and the SDK's own retries get
through them as they get through Stripe's."""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import stripe
from stripe._http_client import HTTPClient

from stripe_sandbox.testing import TEST_SECRET_KEY


@pytest.fixture
def fault(control) -> Any:
    def add(**spec: Any) -> dict[str, Any]:
        return control("/_sandbox/faults", spec)

    return add


@pytest.fixture
def retrying_client(sandbox, monkeypatch) -> stripe.StripeClient:
    """The SDK with retries on, as the app runs it; its backoff shortened for the test."""
    monkeypatch.setattr(HTTPClient, "INITIAL_DELAY", 0.01)
    return stripe.StripeClient(
        TEST_SECRET_KEY, base_addresses={"api": sandbox.url}, max_network_retries=2
    )


def statuses(raw, method: str, path: str, times: int) -> list[int]:
    body = "" if method == "GET" else "email=a@example.com"
    return [raw(method, path, body=body).status for _ in range(times)]


@pytest.mark.parametrize(("status", "error_type"), [(500, "api_error"), (503, "api_error")])
def test_a_5xx_fault_answers_once_with_should_retry(raw, fault, status, error_type) -> None:
    fault(method="POST", path="/v1/customers", count=1, status=status)

    first = raw("POST", "/v1/customers", body="email=a@example.com")
    second = raw("POST", "/v1/customers", body="email=a@example.com")

    assert first.status == status
    assert first.body["error"]["type"] == error_type
    assert first.headers["Stripe-Should-Retry"] == "true"
    assert second.status == 200
    assert len(raw("GET", "/v1/customers").body["data"]) == 1


def test_a_429_fault_is_stripes_rate_limit_error(client, fault) -> None:
    fault(method="POST", path="/v1/customers", count=1, status=429)

    with pytest.raises(stripe.RateLimitError) as raised:
        client.v1.customers.create()

    assert raised.value.http_status == 429
    body = raised.value.json_body
    assert isinstance(body, dict)
    error = body["error"]
    assert (error["type"], error["code"]) == ("invalid_request_error", "rate_limit")
    assert "Stripe-Should-Retry" not in (raised.value.headers or {})
    assert client.v1.customers.list().data == []


def test_a_fault_targets_only_its_method(raw, fault) -> None:
    fault(method="POST", path="/v1/customers", count=2, status=500)

    assert statuses(raw, "GET", "/v1/customers", 2) == [200, 200]
    assert statuses(raw, "POST", "/v1/customers", 3) == [500, 500, 200]


def test_a_path_glob_targets_only_matching_paths(client, raw, fault) -> None:
    intent = client.v1.payment_intents.create({"amount": 1000, "currency": "usd"})
    fault(method="*", path="/v1/payment_intents*", count=2, status=503)

    assert raw("GET", "/v1/customers").status == 200
    assert raw("GET", f"/v1/payment_intents/{intent.id}").status == 503
    assert raw("GET", "/v1/payment_intents").status == 503
    assert raw("GET", f"/v1/payment_intents/{intent.id}").status == 200


def test_rate_one_faults_every_matching_request_and_rate_zero_none(raw, fault) -> None:
    fault(method="GET", path="/v1/customers", rate=1.0, status=500)
    fault(method="GET", path="/v1/products", rate=0.0, status=500)

    assert statuses(raw, "GET", "/v1/customers", 4) == [500] * 4
    assert statuses(raw, "GET", "/v1/products", 4) == [200] * 4


def test_a_seeded_rate_is_repeatable(raw, fault, control) -> None:
    def pattern() -> list[int]:
        control("/_sandbox/reset", {})
        fault(method="GET", path="/v1/customers", rate=0.5, status=500, seed=7)
        return statuses(raw, "GET", "/v1/customers", 12)

    first, second = pattern(), pattern()

    assert first == second
    assert 200 in first
    assert 500 in first


def test_latency_delays_only_its_target_and_holds_no_lock(sandbox, raw, fault) -> None:
    fault(method="GET", path="/v1/customers", count=1, latency_ms=400)
    slow: dict[str, float] = {}

    def call_slow() -> None:
        started = time.monotonic()
        assert raw("GET", "/v1/customers").status == 200
        slow["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=call_slow)
    thread.start()
    time.sleep(0.05)
    started = time.monotonic()
    assert raw("POST", "/v1/customers", body="").status == 200
    fast = time.monotonic() - started
    thread.join(timeout=5)

    assert slow["seconds"] >= 0.4
    assert fast < 0.2
    started = time.monotonic()
    raw("GET", "/v1/customers")
    assert time.monotonic() - started < 0.2


def test_a_dropped_response_performs_the_request_but_never_answers(sandbox, raw, fault) -> None:
    fault(method="POST", path="/v1/customers", count=1, drop_response=True)
    parts = urlsplit(sandbox.url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=5)
    headers = {
        "Authorization": f"Bearer {TEST_SECRET_KEY}",
        "Content-Type": "application/x-www-form-urlencoded",
    }

    connection.request("POST", "/v1/customers", body="email=lost@example.com", headers=headers)
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        connection.getresponse()
    connection.close()

    customers = raw("GET", "/v1/customers").body["data"]
    assert [customer["email"] for customer in customers] == ["lost@example.com"]


def test_the_sdk_retries_through_a_counted_5xx_without_duplicates(retrying_client, fault) -> None:
    fault(method="POST", path="/v1/payment_intents", count=2, status=500)

    intent = retrying_client.v1.payment_intents.create(
        {"amount": 2000, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
    )

    assert intent.status == "succeeded"
    assert len(retrying_client.v1.payment_intents.list().data) == 1


def test_the_sdk_retry_replays_a_dropped_response(retrying_client, fault, control) -> None:
    fault(method="POST", path="/v1/payment_intents", count=1, drop_response=True)

    intent = retrying_client.v1.payment_intents.create(
        {"amount": 2000, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
    )

    assert intent.status == "succeeded"
    assert intent.last_response.headers["Idempotent-Replayed"] == "true"
    assert len(retrying_client.v1.payment_intents.list().data) == 1
    assert len(retrying_client.v1.charges.list().data) == 1


def test_the_sdk_does_not_retry_a_rate_limit(retrying_client, fault, control) -> None:
    fault(method="POST", path="/v1/customers", count=1, status=429)

    with pytest.raises(stripe.RateLimitError):
        retrying_client.v1.customers.create()

    assert retrying_client.v1.customers.list().data == []


def test_clearing_and_resetting_remove_faults(raw, fault, control) -> None:
    fault(method="GET", path="/v1/customers", rate=1.0, status=500)
    cleared = raw("DELETE", "/_sandbox/faults")
    assert cleared.status == 200
    assert raw("GET", "/v1/customers").status == 200

    fault(method="GET", path="/v1/customers", rate=1.0, status=500)
    control("/_sandbox/reset", {})
    assert raw("GET", "/v1/customers").status == 200


def test_the_control_api_is_never_faulted(raw, fault) -> None:
    fault(method="*", path="/*", rate=1.0, status=500)

    assert raw("GET", "/_sandbox/faults").status == 200
    assert raw("GET", "/v1/customers").status == 500


@pytest.mark.parametrize(
    "spec",
    [
        {"path": "/v1/customers", "status": 500},
        {"path": "/v1/customers", "count": 1, "rate": 0.5, "status": 500},
        {"path": "/v1/customers", "count": 1, "status": 404},
        {"path": "/v1/customers", "count": 1, "status": 500, "latency_ms": 10},
        {"path": "v1/customers", "count": 1, "status": 500},
        {"path": "/v1/customers", "rate": 2, "status": 500},
    ],
)
def test_an_invalid_fault_is_refused(raw, spec) -> None:
    response = raw(
        "POST",
        "/_sandbox/faults",
        body=json.dumps(spec),
        headers={"Content-Type": "application/json"},
    )

    assert response.status == 400


@pytest.fixture(autouse=True)
def _no_faults_left(raw) -> Iterator[None]:
    yield
    raw("DELETE", "/_sandbox/faults")


def test_rated_faults_split_one_draw_as_a_soak_asks(raw, fault) -> None:
    """20% errors (5xx or 429) and 10% lost answers on every API call, repeatable by seed."""
    errors = fault(path="/v1/*", rate=0.2, status=[500, 503, 429], seed=11)
    lost = fault(path="/v1/*", rate=0.1, drop_response=True)
    outcomes: list[int | str] = []
    for _ in range(400):
        try:
            outcomes.append(raw("GET", "/v1/customers").status)
        except (http.client.RemoteDisconnected, ConnectionError):
            outcomes.append("lost")

    failed = [outcome for outcome in outcomes if outcome in (500, 503, 429)]
    dropped = outcomes.count("lost")
    assert 0.15 < len(failed) / 400 < 0.25
    assert 0.06 < dropped / 400 < 0.14
    assert set(failed) == {500, 503, 429}
    assert outcomes.count(200) == 400 - len(failed) - dropped
    listed = {f["id"]: f["fired"] for f in raw("GET", "/_sandbox/faults").body["data"]}
    assert (listed[errors["id"]], listed[lost["id"]]) == (len(failed), dropped)


def test_a_timeout_closes_the_connection_without_running_the_request(sandbox, raw, fault) -> None:
    fault(method="POST", path="/v1/customers", count=1, timeout_ms=100)
    parts = urlsplit(sandbox.url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=5)
    headers = {
        "Authorization": f"Bearer {TEST_SECRET_KEY}",
        "Content-Type": "application/x-www-form-urlencoded",
    }

    started = time.monotonic()
    connection.request("POST", "/v1/customers", body="email=never@example.com", headers=headers)
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        connection.getresponse()
    connection.close()

    assert time.monotonic() - started >= 0.1
    assert raw("GET", "/v1/customers").body["data"] == []


@pytest.mark.parametrize(
    "spec",
    [
        {"path": "/v1/*", "rate": 0.2, "status": []},
        {"path": "/v1/*", "rate": 0.2, "status": [500, 404]},
        {"path": "/v1/*", "rate": 0.2, "timeout_ms": -5},
        {"path": "/v1/*", "rate": 0.2, "timeout_ms": 100, "status": 500},
    ],
)
def test_an_invalid_soak_fault_is_refused(raw, spec) -> None:
    response = raw(
        "POST",
        "/_sandbox/faults",
        body=json.dumps(spec),
        headers={"Content-Type": "application/json"},
    )

    assert response.status == 400
