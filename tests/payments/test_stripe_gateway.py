"""The Stripe adapter: Stripe's answers translated once, and the request's time budget kept."""

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import stripe

from config import deadline
from payments.errors import (
    GatewayKeyReused,
    GatewayUnavailable,
    PaymentDeclined,
    StripeObjectMissing,
    StripeRequestInFlight,
)
from payments.stripe_gateway import StripeGateway
from stripe_sandbox.testing import TEST_SECRET_KEY


class CannedStripe:
    """A server that answers every request with one canned Stripe answer."""

    def __init__(self) -> None:
        self.status, self.requests = 200, 0
        self.paths: list[str] = []
        self.body: dict[str, object] = {}
        self.raw: bytes | None = None  # a body that is not Stripe's JSON (a proxy's error page)
        canned = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.do_GET()

            def do_GET(self) -> None:
                canned.requests += 1
                canned.paths.append(self.path)
                payload = canned.raw if canned.raw is not None else json.dumps(canned.body).encode()
                self.send_response(canned.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Stripe-Should-Retry", "false")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def answer(self, status: int, error: dict) -> None:
        self.status, self.body = status, {"error": error}


@pytest.fixture
def canned(settings) -> Iterator[CannedStripe]:
    server = CannedStripe()
    settings.STRIPE_API_BASE = server.url
    yield server
    server.server.shutdown()
    server.server.server_close()


def confirm() -> None:
    StripeGateway().payment_intent_confirm(
        intent_id="pi_1", payment_method="pm_card_visa", idempotency_key="k"
    )


def test_stripes_409_means_the_same_request_is_still_running(canned) -> None:
    canned.answer(409, {"type": "idempotency_error", "message": "in use"})

    with pytest.raises(StripeRequestInFlight):
        confirm()


def test_a_stripe_5xx_is_unavailable(canned) -> None:
    canned.answer(500, {"type": "api_error", "message": "boom"})

    with pytest.raises(GatewayUnavailable):
        confirm()


def test_a_decline_without_an_intent_keeps_the_decline_code(canned) -> None:
    canned.answer(
        402,
        {
            "type": "card_error",
            "code": "card_declined",
            "decline_code": "lost_card",
            "message": "x",
        },
    )

    with pytest.raises(PaymentDeclined) as declined:
        confirm()

    assert (declined.value.intent.id, declined.value.intent.decline_code) == ("", "lost_card")


def test_an_invalid_request_of_ours_is_our_bug_and_surfaces(canned) -> None:
    canned.answer(400, {"type": "invalid_request_error", "param": "amount", "message": "bad"})

    with pytest.raises(stripe.InvalidRequestError):
        confirm()


def test_a_spent_budget_makes_no_call_at_all(canned) -> None:
    with deadline.within(0.05), pytest.raises(GatewayUnavailable):
        confirm()

    assert canned.requests == 0


def test_a_product_without_a_description_sends_none(sandbox) -> None:
    gateway = StripeGateway()
    product_id = gateway.product_create(
        name="Bare", description="", metadata={}, idempotency_key="p1"
    )
    gateway.product_update(product_id=product_id, name="Bare 2", description="", active=True)

    product = stripe.StripeClient(
        TEST_SECRET_KEY, base_addresses={"api": sandbox.url}
    ).v1.products.retrieve(product_id)
    assert (product.name, product.description) == ("Bare 2", None)


def test_finding_an_intent_skips_other_payments_intents(sandbox) -> None:
    gateway = StripeGateway()
    customer = gateway.customer_create(email="a@b.c", name="A", metadata={}, idempotency_key="c1")
    gateway.payment_intent_create(
        amount=100,
        currency="usd",
        customer_id=customer,
        description="other",
        metadata={"coursepay_payment_id": "other"},
        payment_method="",
        idempotency_key="i1",
    )

    found = gateway.payment_intent_find(
        customer_id=customer,
        metadata_key="coursepay_payment_id",
        metadata_value="mine",
        created_since=0,
    )

    assert found is None


def test_a_refused_key_is_our_bug_and_surfaces(canned) -> None:
    canned.answer(401, {"type": "invalid_request_error", "message": "Invalid API Key provided"})

    with pytest.raises(stripe.AuthenticationError):
        confirm()


def test_stripe_is_reached_through_the_proxy_the_environment_names(
    canned, settings, monkeypatch
) -> None:
    for name in ("http_proxy", "no_proxy", "NO_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", canned.url)
    settings.STRIPE_API_BASE = "http://stripe.invalid"
    canned.body = {"id": "pi_1", "status": "succeeded", "amount": 100, "currency": "usd"}

    state = StripeGateway().payment_intent_state(intent_id="pi_1")

    assert state.status == "succeeded"
    assert canned.paths[0].startswith("http://stripe.invalid/v1/payment_intents/pi_1?")


def test_an_id_is_sent_as_one_path_segment(canned) -> None:
    canned.body = {"id": "pi_1", "status": "succeeded", "amount": 100, "currency": "usd"}

    StripeGateway().payment_intent_state(intent_id="../customers/cus_1")

    assert canned.paths[0].startswith("/v1/payment_intents/..%2Fcustomers%2Fcus_1?")


# The purchase's calls answer as Stripe's JSON (`_answer`, raw_request): the same translations as
# the typed calls they replaced.


def test_a_decline_with_an_intent_reports_that_intent(canned) -> None:
    intent = {"id": "pi_9", "status": "requires_payment_method", "amount": 500, "currency": "usd"}
    error = {"code": "card_declined", "decline_code": "insufficient_funds", "message": "No."}
    canned.answer(
        402,
        {"type": "card_error", **error, "payment_intent": intent | {"last_payment_error": error}},
    )

    with pytest.raises(PaymentDeclined) as declined:
        confirm()

    assert (declined.value.intent.id, declined.value.intent.decline_code) == (
        "pi_9",
        "insufficient_funds",
    )


@pytest.mark.parametrize("status", [429, 502, 503])
def test_a_rate_limit_or_a_stripe_outage_is_unavailable(canned, status) -> None:
    canned.answer(status, {"type": "api_error", "message": "later"})

    with pytest.raises(GatewayUnavailable):
        confirm()


def test_a_proxys_error_page_instead_of_stripes_json_is_unavailable(canned) -> None:
    canned.status, canned.raw = 502, b"<html><body>Bad Gateway</body></html>"

    with pytest.raises(GatewayUnavailable):
        confirm()


def test_a_reused_idempotency_key_is_reported_as_such(canned) -> None:
    canned.answer(400, {"type": "idempotency_error", "message": "Keys are for one request."})

    with pytest.raises(GatewayKeyReused):
        confirm()


def test_a_missing_intent_or_session_is_stripe_object_missing(canned) -> None:
    canned.answer(404, {"type": "invalid_request_error", "code": "resource_missing"})

    with pytest.raises(StripeObjectMissing):
        StripeGateway().payment_intent_state(intent_id="pi_gone")
    with pytest.raises(StripeObjectMissing):
        StripeGateway().checkout_session_state(session_id="cs_gone")
    assert canned.paths[1].startswith("/v1/checkout/sessions/cs_gone?expand")


def test_no_proxy_naming_the_api_host_sends_stripe_calls_direct(canned, monkeypatch) -> None:
    for name in ("http_proxy", "https_proxy", "all_proxy", "ALL_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
    canned.body = {"id": "pi_1", "status": "succeeded", "amount": 100, "currency": "usd"}

    assert StripeGateway().payment_intent_state(intent_id="pi_1").status == "succeeded"
    assert canned.paths[0].startswith("/v1/payment_intents/pi_1?")  # not a proxy's absolute URL
