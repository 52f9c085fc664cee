"""Fixtures of the payments tests that receive Stripe's webhooks."""

import pytest
from django.core.management import call_command


@pytest.fixture
def webhooks_to_live_server(sandbox, live_server):
    """The sandbox delivers every event to this test's server, as Stripe would."""
    call_command("stripe_webhook_register", base_url=live_server.url, verbosity=0)
    return live_server


@pytest.fixture
def registered_endpoint(sandbox, db):
    """An endpoint nobody listens on: tests deliver its events themselves (`signed_post`)."""
    from djstripe.models import WebhookEndpoint

    call_command("stripe_webhook_register", base_url="http://127.0.0.1:9", verbosity=0)
    return WebhookEndpoint.objects.get()
