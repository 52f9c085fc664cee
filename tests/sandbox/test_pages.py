"""The browser-facing routes without a browser: what they serve and to whom."""

from __future__ import annotations

import json
from http.client import HTTPConnection
from urllib.parse import urlsplit

import stripe

from stripe_sandbox.testing import RunningSandbox


def get(sandbox: RunningSandbox, path: str, method: str = "GET") -> tuple[int, dict[str, str], str]:
    parts = urlsplit(sandbox.url)
    connection = HTTPConnection(parts.hostname or "", parts.port, timeout=5)
    try:
        connection.request(method, path)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode()
    finally:
        connection.close()


def test_v3_serves_the_stripe_js_stand_in_pointing_at_the_sandbox(sandbox) -> None:
    status, headers, body = get(sandbox, "/v3/")

    assert status == 200
    assert headers["Content-Type"].startswith("application/javascript")
    assert f'const SANDBOX = "{sandbox.url}";' in body
    assert "initEmbeddedCheckout" in body
    assert "createEmbeddedCheckoutPage" in body


def test_the_hosted_url_serves_a_checkout_page(client, sandbox) -> None:
    session = client.v1.checkout.sessions.create(
        {
            "mode": "payment",
            "line_items": [
                {
                    "price_data": {
                        "currency": "usd",
                        "unit_amount": 500,
                        "product_data": {"name": "Course"},
                    }
                }
            ],
        }
    )

    status, headers, body = get(sandbox, urlsplit(str(session.url)).path)

    assert status == 200
    assert headers["Content-Type"].startswith("text/html")
    assert f'StripeSandbox.hostedCheckout("{session.id}")' in body
    # Its own icon: a browser asking for /favicon.ico would log the 404 as a console error.
    assert '<link rel="icon" href="data:,">' in body


def test_an_unknown_session_page_is_404(sandbox) -> None:
    assert get(sandbox, "/c/pay/cs_test_nope")[0] == 404


def test_the_3ds_redirect_url_is_a_page_a_browser_can_get(client, sandbox) -> None:
    intent = client.v1.payment_intents.create(
        {
            "amount": 1000,
            "currency": "usd",
            "payment_method": "pm_card_authenticationRequired",
            "confirm": True,
            "return_url": "https://shop.test/back",
        }
    )
    assert intent.next_action is not None
    assert intent.next_action.redirect_to_url is not None

    status, headers, body = get(sandbox, urlsplit(intent.next_action.redirect_to_url.url).path)

    assert status == 200
    assert headers["Content-Type"].startswith("text/html")
    assert '"return_url": "https://shop.test/back"' in body


def test_preflight_requests_are_allowed_from_any_origin(sandbox) -> None:
    status, headers, _ = get(sandbox, "/_sandbox/checkout/sessions/cs_x/complete", "OPTIONS")

    assert status == 204
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert "Content-Type" in headers["Access-Control-Allow-Headers"]


def test_the_browser_confirm_route_checks_the_client_secret(client, raw) -> None:
    intent = client.v1.payment_intents.create({"amount": 1000, "currency": "usd"})

    wrong = raw(
        "POST",
        f"/_sandbox/payment_intents/{intent.id}/confirm",
        body='{"client_secret": "pi_x_secret_y"}',
        headers={"Content-Type": "application/json"},
    )
    right = raw(
        "POST",
        f"/_sandbox/payment_intents/{intent.id}/confirm",
        body=f'{{"client_secret": "{intent.client_secret}"}}',
        headers={"Content-Type": "application/json"},
    )

    assert wrong.status == 400
    assert right.status == 200
    assert right.body["status"] == "succeeded"
    assert isinstance(client.v1.payment_intents.retrieve(intent.id), stripe.PaymentIntent)


def test_the_stripe_js_stand_in_knows_each_currencys_decimals(sandbox) -> None:
    status, _, script = get(sandbox, "/v3/")

    table = json.loads(script.split("const CURRENCY_DECIMALS = ", 1)[1].split(";", 1)[0])
    assert status == 200
    assert (table["jpy"], table["kwd"]) == (0, 3)
    assert "usd" not in table
