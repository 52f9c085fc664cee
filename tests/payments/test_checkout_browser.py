"""A learner pays in a real headless Chromium, on the sandbox's hosted Checkout page and in an
embedded Checkout mounted by a frontend on its own origin; the webhooks settle the ledger."""

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from courses.models import Enrollment
from payments.models import Payment
from tests.factories import CourseFactory, UserFactory
from tests.payments.live_stripe import (  # noqa: F401
    _live_webhooks,
    client_for,
    wait_for,
)
from tests.sandbox.browser.conftest import (  # noqa: F401
    TIMEOUT_MS,
    MerchantSite,
    chromium_launched,
    merchant,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def embedded_page(sandbox_url: str, client_secret: str) -> str:
    """A frontend's page: it got the client secret from our API and mounts Checkout."""
    return f"""<!doctype html><html><body>
<div id="checkout"></div>
<script src="{sandbox_url}/v3/"></script>
<script>
  Stripe("pk_test_sandbox").initEmbeddedCheckout({{
    fetchClientSecret: async () => "{client_secret}",
  }}).then((checkout) => checkout.mount("#checkout"));
</script>
</body></html>"""


@pytest.fixture(scope="module")
def chromium(django_db_setup) -> Iterator[Browser]:
    """Chromium, started once the test database exists."""
    yield from chromium_launched(allow_sync_orm=True)


@pytest.fixture
def page(chromium: Browser) -> Iterator[Page]:
    context = chromium.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    opened = context.new_page()
    yield opened
    context.close()


def test_hosted_checkout_paid_in_the_browser_grants_the_course(
    sandbox,
    live_webhooks,
    settings,
    page: Page,
) -> None:
    settings.CHECKOUT_REDIRECT_ORIGINS = [live_webhooks.url]
    learner, course = UserFactory.create(), CourseFactory.create(price_amount=4900)
    session = (
        client_for(learner)
        .post(
            "/api/v1/checkout-sessions/",
            # A client's own page (the store's /checkout/success/ would ask this browser to log in).
            {"course": course.slug, "success_url": f"{live_webhooks.url}/thanks"},
            format="json",
        )
        .json()
    )

    page.goto(session["url"])
    expect(page.locator("#total")).to_contain_text("$49.00")
    page.click("#pay")

    page.wait_for_url(re.compile(re.escape(f"{live_webhooks.url}/thanks")))
    assert page.url == f"{live_webhooks.url}/thanks?session_id={session['id']}"
    wait_for(lambda: Payment.objects.get(pk=session["payment"]["id"]).status == "succeeded")
    assert Enrollment.objects.filter(learner=learner, course=course).count() == 1


def test_embedded_checkout_declined_then_paid_reads_complete(
    sandbox,
    live_webhooks,
    settings,
    merchant: MerchantSite,  # noqa: F811
    page: Page,
) -> None:
    settings.CHECKOUT_REDIRECT_ORIGINS = [merchant.url]
    learner, course = UserFactory.create(), CourseFactory.create()
    client = client_for(learner)
    session = client.post(
        "/api/v1/checkout-sessions/",
        {"course": course.slug, "ui_mode": "embedded", "return_url": f"{merchant.url}/success"},
        format="json",
    ).json()
    merchant.pages["/checkout"] = embedded_page(sandbox.url, session["client_secret"])

    page.goto(f"{merchant.url}/checkout")
    page.fill("#card-number", "4000 0000 0000 0002")
    page.click("#pay")
    expect(page.locator("#error")).to_have_text("Your card was declined.")
    page.fill("#card-number", "4242 4242 4242 4242")
    page.click("#pay")

    page.wait_for_url(re.compile(re.escape(f"{merchant.url}/success")))
    assert page.url == f"{merchant.url}/success?session_id={session['id']}"
    status_url = f"/api/v1/checkout-sessions/{session['id']}/"
    wait_for(lambda: client.get(status_url).json()["status"] == "complete")
    status = client.get(status_url).json()
    assert (status["payment_status"], status["payment"]["status"]) == ("paid", "succeeded")
    assert Enrollment.objects.filter(learner=learner).count() == 1
