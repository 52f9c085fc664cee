"""Register this app's webhook endpoint with Stripe and store it for dj-stripe.

dj-stripe's admin form refuses loopback URLs, so development (and any install that prefers
code to clicks) registers here: `manage.py stripe_webhook_register --base-url http://host:port`.
"""

import uuid
from typing import Any

from django.core.management.base import BaseCommand
from django.urls import reverse

from payments import webhooks
from payments.gateway import get_gateway


class Command(BaseCommand):
    help = "Create the Stripe webhook endpoint for this deployment and store its signing secret."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--base-url", required=True, help="Where Stripe reaches this app.")
        parser.add_argument(
            "--force", action="store_true", help="Register a new endpoint even if one is stored."
        )

    def handle(self, *args: Any, base_url: str, force: bool, **options: Any) -> None:
        base_url = base_url.rstrip("/")
        if not force and webhooks.webhook_endpoint_exists(base_url=base_url):
            self.stdout.write(f"Webhook endpoint for {base_url} already registered.")
            return
        endpoint_uuid = uuid.uuid4()
        path = reverse("stripe-webhook", kwargs={"uuid": endpoint_uuid})
        created = get_gateway().webhook_endpoint_create(
            url=f"{base_url}{path}",
            events=webhooks.ENABLED_EVENTS,
            metadata={"djstripe_uuid": str(endpoint_uuid)},
        )
        webhooks.webhook_endpoint_store(created=created, djstripe_uuid=endpoint_uuid)
        self.stdout.write(f"Webhook endpoint {created.id} registered for {created.url}")
