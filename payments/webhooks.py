"""dj-stripe's side of webhooks: our signal receivers, and storing our endpoint.

dj-stripe verifies the signature, stores the event (a duplicate event id is a no-op) and
re-fetches the object from Stripe before the signals fire, all in one transaction; a receiver
that raises rolls it back and answers 500, so Stripe delivers the event again later.
Receivers are one line each: the service decides.
"""

import logging
import uuid
from datetime import timedelta
from typing import Any

from django.utils import timezone
from djstripe import models as djstripe_models
from djstripe.event_handlers import djstripe_receiver

from payments import services
from payments.gateway import IntentState, WebhookEndpointCreated
from payments.models import PaymentEvent
from payments.stripe_gateway import intent_state

logger = logging.getLogger(__name__)

PAYMENT_INTENT_EVENTS = [
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "payment_intent.canceled",
    "payment_intent.processing",
    "payment_intent.requires_action",
]
ENABLED_EVENTS = [
    *PAYMENT_INTENT_EVENTS,
    "payment_intent.created",
    "charge.succeeded",
    "charge.failed",
    "charge.refunded",
    "refund.created",
    "refund.updated",
    "refund.failed",
    "checkout.session.completed",
    "checkout.session.expired",
    "customer.created",
    "customer.updated",
    "product.created",
    "product.updated",
    "price.created",
    "price.updated",
    "payment_method.attached",
    "payment_method.detached",
    "setup_intent.succeeded",
]


UNKNOWN_PAYMENT_PATIENCE = timedelta(hours=1)
"""How long an event naming a payment we lack is refused (so Stripe redelivers it) before it is
taken for another environment's and acknowledged, rather than failing until Stripe disables
the endpoint."""


@djstripe_receiver(PAYMENT_INTENT_EVENTS)
def on_payment_intent_event(sender: Any, event: djstripe_models.Event, **kwargs: Any) -> None:
    try:
        services.payment_record_outcome(
            intent=_current_intent(event),
            source=PaymentEvent.Source.WEBHOOK,
            stripe_event_id=event.id,
            stripe_event_type=event.type,
        )
    except services.PaymentUnknown:
        if timezone.now() - event.created < UNKNOWN_PAYMENT_PATIENCE:
            raise
        logger.warning("Acknowledging %s for a payment we never had: %s", event.type, event.id)


def _current_intent(event: djstripe_models.Event) -> IntentState:
    """The intent as dj-stripe just re-fetched it (so a late event carries today's state),
    falling back on the event's own copy."""
    payload = event.data["object"]
    mirrored = djstripe_models.PaymentIntent.objects.filter(id=payload["id"]).first()
    return intent_state(mirrored.stripe_data if mirrored and mirrored.stripe_data else payload)


def webhook_endpoint_store(*, created: WebhookEndpointCreated, djstripe_uuid: uuid.UUID) -> None:
    """Keep the endpoint (and its signing secret) where dj-stripe's webhook view looks for it."""
    djstripe_models.WebhookEndpoint.objects.update_or_create(
        id=created.id,
        defaults={
            "secret": created.secret,
            "djstripe_uuid": djstripe_uuid,
            "url": created.url,
            "enabled_events": ENABLED_EVENTS,
            "livemode": False,
            "api_version": "",
            "status": "enabled",
        },
    )


def webhook_endpoint_exists(*, base_url: str) -> bool:
    return djstripe_models.WebhookEndpoint.objects.filter(
        url__startswith=f"{base_url}/stripe/webhook/"
    ).exists()
