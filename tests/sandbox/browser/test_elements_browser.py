"""The stripe.js stand-in's Elements flows in a real headless Chromium: confirmPayment with a
redirect (and the 3-D Secure page on the way), confirmCardSetup with the challenge overlay."""

from __future__ import annotations

import re

import pytest
import stripe
from playwright.sync_api import Page, expect

from stripe_sandbox.testing import RunningSandbox
from tests.sandbox.browser.conftest import MerchantSite

pytestmark = pytest.mark.browser


def payment_page(sandbox_url: str, client_secret: str, return_url: str) -> str:
    return f"""<!doctype html><html><body>
<form id="payment-form"><div id="payment-element"></div><button id="submit">Pay</button></form>
<p id="message"></p>
<script src="{sandbox_url}/v3/"></script>
<script>
  const stripe = Stripe("pk_test_sandbox");
  const elements = stripe.elements({{clientSecret: "{client_secret}"}});
  elements.create("payment").mount("#payment-element");
  document.getElementById("payment-form").addEventListener("submit", async (event) => {{
    event.preventDefault();
    const {{error}} = await stripe.confirmPayment({{
      elements, confirmParams: {{return_url: "{return_url}"}},
    }});
    if (error) document.getElementById("message").textContent = error.message;
  }});
</script></body></html>"""


def setup_page(sandbox_url: str, client_secret: str) -> str:
    return f"""<!doctype html><html><body>
<div id="card-element"></div><button id="save">Save</button><p id="message"></p>
<script src="{sandbox_url}/v3/"></script>
<script>
  const stripe = Stripe("pk_test_sandbox");
  const card = stripe.elements().create("card");
  card.mount("#card-element");
  document.getElementById("save").addEventListener("click", async () => {{
    const result = await stripe.confirmCardSetup("{client_secret}", {{payment_method: {{card}}}});
    document.getElementById("message").textContent =
      result.error ? "error: " + result.error.message : "saved: " + result.setupIntent.status;
  }});
</script></body></html>"""


@pytest.mark.parametrize("card", ["4242 4242 4242 4242", "4000 0027 6000 3184"])
def test_confirm_payment_redirects_to_the_return_url(
    client: stripe.StripeClient,
    merchant: MerchantSite,
    page: Page,
    sandbox: RunningSandbox,
    card: str,
) -> None:
    intent = client.v1.payment_intents.create({"amount": 2500, "currency": "usd"})
    merchant.pages["/pay"] = payment_page(
        sandbox.url, str(intent.client_secret), f"{merchant.url}/success"
    )

    page.goto(f"{merchant.url}/pay")
    page.fill("#card-number", card)
    page.click("#submit")
    if card.startswith("4000"):
        page.wait_for_url(re.compile(re.escape(f"{sandbox.url}/_sandbox/payment_intents/")))
        page.click("#approve")

    page.wait_for_url(re.compile(re.escape(f"{merchant.url}/success")))
    assert f"payment_intent={intent.id}" in page.url
    assert "redirect_status=succeeded" in page.url
    assert client.v1.payment_intents.retrieve(intent.id).status == "succeeded"


def test_confirm_payment_shows_a_decline(
    client: stripe.StripeClient, merchant: MerchantSite, page: Page, sandbox: RunningSandbox
) -> None:
    intent = client.v1.payment_intents.create({"amount": 2500, "currency": "usd"})
    merchant.pages["/pay"] = payment_page(
        sandbox.url, str(intent.client_secret), f"{merchant.url}/success"
    )

    page.goto(f"{merchant.url}/pay")
    page.fill("#card-number", "4000 0000 0000 0002")
    page.click("#submit")

    expect(page.locator("#message")).to_have_text("Your card was declined.")
    assert client.v1.payment_intents.retrieve(intent.id).status == "requires_payment_method"


@pytest.mark.parametrize(
    ("button", "expected"), [("#approve", "saved: succeeded"), ("#fail", "error")]
)
def test_confirm_card_setup_with_the_3ds_overlay(
    client: stripe.StripeClient,
    merchant: MerchantSite,
    page: Page,
    sandbox: RunningSandbox,
    button: str,
    expected: str,
) -> None:
    customer = client.v1.customers.create()
    intent = client.v1.setup_intents.create({"customer": customer.id})
    merchant.pages["/save"] = setup_page(sandbox.url, str(intent.client_secret))

    page.goto(f"{merchant.url}/save")
    page.fill("#card-number", "4000 0027 6000 3184")
    page.click("#save")
    page.frame_locator("#stripe-sandbox-challenge iframe").locator(button).click()

    expect(page.locator("#message")).to_contain_text(expected)
    saved = client.v1.setup_intents.retrieve(intent.id)
    assert (saved.status == "succeeded") == (button == "#approve")
