"""A real headless Chromium completes hosted and embedded Checkout against the sandbox."""

from __future__ import annotations

import re
from typing import cast

import pytest
import stripe
from playwright.sync_api import Page, expect
from stripe.params.checkout import SessionCreateParams

from tests.sandbox.browser.conftest import MerchantSite

pytestmark = pytest.mark.browser

PRICE_DATA = {"currency": "usd", "unit_amount": 4900, "product_data": {"name": "Django course"}}


def hosted_session(client: stripe.StripeClient, merchant: MerchantSite) -> stripe.checkout.Session:
    params = {
        "mode": "payment",
        "line_items": [{"price_data": PRICE_DATA, "quantity": 1}],
        "success_url": f"{merchant.url}/success?session_id={{CHECKOUT_SESSION_ID}}",
        "cancel_url": f"{merchant.url}/cancel",
    }
    return client.v1.checkout.sessions.create(cast(SessionCreateParams, params))


def test_hosted_checkout_pays_and_lands_on_the_success_url(
    client: stripe.StripeClient, merchant: MerchantSite, page: Page
) -> None:
    session = hosted_session(client, merchant)

    page.goto(str(session.url))
    expect(page.locator("#line-items")).to_contain_text("Django course")
    expect(page.locator("#total")).to_have_text("Total: $49.00")
    expect(page.locator("#card-number")).to_have_value("4242 4242 4242 4242")
    page.click("#pay")

    page.wait_for_url(re.compile(re.escape(f"{merchant.url}/success")))
    assert page.url == f"{merchant.url}/success?session_id={session.id}"
    done = client.v1.checkout.sessions.retrieve(session.id)
    assert (done.status, done.payment_status) == ("complete", "paid")


def test_a_declined_card_shows_stripes_message_and_can_retry(
    client: stripe.StripeClient, merchant: MerchantSite, page: Page
) -> None:
    session = hosted_session(client, merchant)
    page.goto(str(session.url))

    page.fill("#card-number", "4000 0000 0000 9995")
    page.click("#pay")
    expect(page.locator("#error")).to_have_text("Your card has insufficient funds.")
    page.fill("#card-number", "4242 4242 4242 4242")
    page.click("#pay")

    page.wait_for_url(re.compile(re.escape(f"{merchant.url}/success")))
    assert client.v1.checkout.sessions.retrieve(session.id).status == "complete"


def test_cancel_goes_to_the_cancel_url(
    client: stripe.StripeClient, merchant: MerchantSite, page: Page
) -> None:
    session = hosted_session(client, merchant)
    page.goto(str(session.url))

    page.click("#cancel")

    page.wait_for_url(f"{merchant.url}/cancel")
    assert client.v1.checkout.sessions.retrieve(session.id).status == "open"


def test_hosted_checkout_with_3d_secure_approved(
    client: stripe.StripeClient, merchant: MerchantSite, page: Page
) -> None:
    session = hosted_session(client, merchant)
    page.goto(str(session.url))

    page.fill("#card-number", "4000 0027 6000 3184")
    page.click("#pay")
    page.frame_locator("#stripe-sandbox-challenge iframe").locator("#approve").click()

    page.wait_for_url(re.compile(re.escape(f"{merchant.url}/success")))
    assert client.v1.checkout.sessions.retrieve(session.id).payment_status == "paid"


def embedded_page(sandbox_url: str, client_secret: str) -> str:
    return f"""<!doctype html><html><body>
<div id="checkout"></div>
<script src="{sandbox_url}/v3/"></script>
<script>
  const stripe = Stripe("pk_test_sandbox");
  stripe.initEmbeddedCheckout({{
    fetchClientSecret: async () => "{client_secret}",
  }}).then((checkout) => checkout.mount("#checkout"));
</script>
</body></html>"""


def test_embedded_checkout_pays_and_returns_to_the_return_url(
    client: stripe.StripeClient, merchant: MerchantSite, page: Page, sandbox
) -> None:
    params = {
        "mode": "payment",
        "ui_mode": "embedded_page",
        "line_items": [{"price_data": PRICE_DATA, "quantity": 2}],
        "return_url": f"{merchant.url}/success?session_id={{CHECKOUT_SESSION_ID}}",
    }
    session = client.v1.checkout.sessions.create(cast(SessionCreateParams, params))
    merchant.pages["/checkout"] = embedded_page(sandbox.url, str(session.client_secret))

    page.goto(f"{merchant.url}/checkout")
    expect(page.locator("#total")).to_have_text("Total: $98.00")
    page.click("#pay")

    page.wait_for_url(re.compile(re.escape(f"{merchant.url}/success")))
    assert page.url == f"{merchant.url}/success?session_id={session.id}"
    expect(page.locator("#success")).to_be_visible()
    done = client.v1.checkout.sessions.retrieve(session.id)
    assert (done.status, done.payment_status) == ("complete", "paid")


def test_an_expired_session_says_so(
    client: stripe.StripeClient, merchant: MerchantSite, page: Page
) -> None:
    session = hosted_session(client, merchant)
    url = str(session.url)
    client.v1.checkout.sessions.expire(session.id)

    page.goto(url)

    expect(page.locator("#expired")).to_be_visible()


@pytest.mark.parametrize(
    ("currency", "unit_amount", "shown"),
    [
        ("usd", 4900, "$49.00"),
        ("jpy", 3000, "¥3,000"),
        ("eur", 1999, "€19.99"),
        ("kwd", 5120, "KWD\u00a05.120"),
    ],
)
def test_the_hosted_page_shows_amounts_in_the_currencys_own_format(
    client: stripe.StripeClient, merchant: MerchantSite, page: Page, currency, unit_amount, shown
) -> None:
    params = {
        "mode": "payment",
        "line_items": [
            {
                "price_data": {
                    "currency": currency,
                    "unit_amount": unit_amount,
                    "product_data": {"name": "Course"},
                },
            }
        ],
        "success_url": f"{merchant.url}/success",
    }
    session = client.v1.checkout.sessions.create(cast(SessionCreateParams, params))

    page.goto(str(session.url))

    expect(page.locator("#total")).to_have_text(f"Total: {shown}")
    expect(page.locator("#line-items")).to_have_text(f"Course \u00d7 1: {shown}")


def test_the_embedded_page_shows_a_zero_decimal_price_whole(
    client: stripe.StripeClient, merchant: MerchantSite, page: Page, sandbox
) -> None:
    params = {
        "mode": "payment",
        "ui_mode": "embedded_page",
        "line_items": [
            {
                "price_data": {
                    "currency": "jpy",
                    "unit_amount": 3000,
                    "product_data": {"name": "Course"},
                },
                "quantity": 2,
            }
        ],
        "return_url": f"{merchant.url}/success",
    }
    session = client.v1.checkout.sessions.create(cast(SessionCreateParams, params))
    merchant.pages["/checkout"] = embedded_page(sandbox.url, str(session.client_secret))

    page.goto(f"{merchant.url}/checkout")

    expect(page.locator("#total")).to_have_text("Total: ¥6,000")
    expect(page.locator("#line-items")).to_contain_text("Course \u00d7 2: ¥6,000")


def test_the_sessions_locale_formats_the_amount(
    client: stripe.StripeClient, merchant: MerchantSite, page: Page
) -> None:
    params = {
        "mode": "payment",
        "locale": "de",
        "line_items": [
            {
                "price_data": {
                    "currency": "eur",
                    "unit_amount": 123456,
                    "product_data": {"name": "Kurs"},
                },
            }
        ],
        "success_url": f"{merchant.url}/success",
    }
    session = client.v1.checkout.sessions.create(cast(SessionCreateParams, params))

    page.goto(str(session.url))

    expect(page.locator("#total")).to_have_text("Total: 1.234,56\u00a0€")
