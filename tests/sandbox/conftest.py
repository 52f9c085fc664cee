"""Fixtures: one sandbox per test session (reset before each test), the official SDK pointed
at it, raw HTTP for what the SDK hides, and a webhook receiver."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.client import HTTPConnection
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest
import stripe

from stripe_sandbox.testing import TEST_SECRET_KEY, RunningSandbox


@pytest.fixture
def sandbox(sandbox_server: RunningSandbox) -> Iterator[RunningSandbox]:
    """The session's sandbox (tests/conftest.py), emptied before and after; no Django
    settings involved."""
    sandbox_server.reset()
    yield sandbox_server
    sandbox_server.reset()


@pytest.fixture
def client(sandbox: RunningSandbox) -> stripe.StripeClient:
    """The SDK as the app configures it, minus retries (tests want the first answer)."""
    return stripe.StripeClient(
        TEST_SECRET_KEY, base_addresses={"api": sandbox.url}, max_network_retries=0
    )


@dataclass(frozen=True)
class RawResponse:
    status: int
    headers: dict[str, str]
    body: dict[str, Any]


RawRequest = Callable[..., RawResponse]


@pytest.fixture
def raw(sandbox: RunningSandbox) -> RawRequest:
    """HTTP without the SDK: `raw("POST", "/v1/customers", body="email=a@b.c", headers={})`.
    Sends the test key unless `headers` carries an Authorization (empty to send none)."""

    def request(
        method: str, path: str, *, body: str | bytes = "", headers: dict[str, str] | None = None
    ) -> RawResponse:
        sent = {"Authorization": f"Bearer {TEST_SECRET_KEY}"}
        sent.update(headers or {})
        sent = {name: value for name, value in sent.items() if value}
        if body and "Content-Type" not in sent:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        parts = urlsplit(sandbox.url)
        connection = HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            payload = response.read()
            return RawResponse(response.status, dict(response.getheaders()), json.loads(payload))
        finally:
            connection.close()

    return request


@pytest.fixture
def control(raw: RawRequest) -> Callable[[str, dict[str, Any]], dict[str, Any]]:
    """POST a JSON body to the control API and return the answer (asserting a 200)."""

    def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = raw(
            "POST",
            path,
            body=json.dumps(body),
            headers={"Authorization": "", "Content-Type": "application/json"},
        )
        assert response.status == 200, response.body
        return response.body

    return post


@dataclass
class ReceivedWebhook:
    body: bytes
    signature: str

    @property
    def event(self) -> dict[str, Any]:
        return json.loads(self.body)


@dataclass
class WebhookReceiver:
    """A local endpoint that records every delivery and answers statuses from a script
    (then 200)."""

    url: str
    statuses: list[int] = field(default_factory=list)
    received: list[ReceivedWebhook] = field(default_factory=list)
    on_receive: Callable[[dict[str, Any]], None] | None = None
    """Runs before the answer, like a receiver that re-fetches the object."""
    _arrived: threading.Condition = field(default_factory=threading.Condition)

    def next_status(self) -> int:
        return self.statuses.pop(0) if self.statuses else 200

    def record(self, webhook: ReceivedWebhook) -> None:
        with self._arrived:
            self.received.append(webhook)
            self._arrived.notify_all()

    def wait_for(self, count: int, timeout: float = 5.0) -> list[ReceivedWebhook]:
        """The first `count` deliveries, waiting at most `timeout` seconds for them."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.received) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"got {len(self.received)} of {count} deliveries")
                self._arrived.wait(remaining)
            return list(self.received[:count])


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    receiver: WebhookReceiver

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if receiver.on_receive:
                receiver.on_receive(json.loads(body))
            status = receiver.next_status()
            receiver.record(ReceivedWebhook(body, self.headers.get("Stripe-Signature", "")))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver = WebhookReceiver(url=f"http://127.0.0.1:{server.server_address[1]}/hooks")
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield receiver
    server.shutdown()
    server.server_close()


@pytest.fixture
def wait_until() -> Callable[..., None]:
    """Poll a condition every few milliseconds until it holds, failing after `timeout` s."""

    def wait(condition: Callable[[], bool], timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError("condition not met in time")
            time.sleep(0.01)

    return wait
