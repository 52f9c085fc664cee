"""Helpers for tests that let the sandbox act as Stripe does: signed webhooks to a live server,
events replayed by hand, and a count of the calls the app makes to Stripe.

Fixtures are defined under private names and requested by their `name`, so test modules import
them without shadowing (`from tests.payments.live_stripe import _live_webhooks  # noqa: F401`).
"""

import json
import time

import pytest
import stripe
from django.core.management import call_command
from django.test import Client, TestCase
from rest_framework.test import APIClient

from stripe_sandbox.testing import TEST_SECRET_KEY
from tests.celery_worker import wait_for

__all__ = ["client_for", "events_about", "signed_post", "stripe_api", "wait_for"]


def stripe_api(sandbox) -> stripe.StripeClient:
    """Stripe as seen by someone else than the app: Stripe.js, the dashboard, a test."""
    return stripe.StripeClient(TEST_SECRET_KEY, base_addresses={"api": sandbox.url})


def client_for(user) -> APIClient:
    # Django's test client re-raises any request's exception, even one raised by the live
    # server's thread for a delivery: this client only reports its own answers.
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(user)
    return client


@pytest.fixture(name="live_webhooks")
def _live_webhooks(sandbox, live_server):
    """The sandbox delivers every event to this test's server, as Stripe would."""
    call_command("stripe_webhook_register", base_url=live_server.url, verbosity=0)
    return live_server


@pytest.fixture(name="endpoint")
def _endpoint(sandbox, db):
    """A registered endpoint nobody delivers to: the test posts signed events itself."""
    from djstripe.models import WebhookEndpoint

    call_command("stripe_webhook_register", base_url="http://127.0.0.1:9", verbosity=0)
    return WebhookEndpoint.objects.get()


def signed_post(endpoint, event: dict, client: Client | None = None):
    """Deliver an event as Stripe signs it; the inbox processes it (after commit) before this
    returns."""
    payload = json.dumps(event)
    timestamp = int(time.time())
    signature = stripe.WebhookSignature._compute_signature(
        f"{timestamp}.{payload}", endpoint.secret
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        return (client or Client(raise_request_exception=False)).post(
            f"/stripe/webhook/{endpoint.djstripe_uuid}/",
            data=payload,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=f"t={timestamp},v1={signature}",
        )


def events_about(sandbox, object_id: str, event_type: str = "") -> list[dict]:
    """The sandbox's events whose object is `object_id`, oldest first."""
    events = stripe_api(sandbox).v1.events.list(params={"limit": 100})
    return [
        e.to_dict()
        for e in reversed(events.data)
        if e.data.object.get("id") == object_id and e.type.startswith(event_type)
    ]


@pytest.fixture(name="stripe_calls")
def _stripe_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every HTTP request the stripe SDK sends, as 'METHOD /v1/path' (no query string)."""
    calls: list[str] = []
    send = stripe.RequestsClient.request

    def counting(self, method, url, headers, post_data=None):
        path = url.split("/v1/", 1)[1].split("?", 1)[0]
        calls.append(f"{method.upper()} /v1/{path}")
        return send(self, method, url, headers, post_data)

    monkeypatch.setattr(stripe.RequestsClient, "request", counting)
    return calls
