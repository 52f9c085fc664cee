"""Stripe's events, as a table: event type -> (the mirrored object, a mapper, a service).

dj-stripe verifies the signature, stores the event (a duplicate event id is a no-op) and
re-fetches the object from Stripe before its signal fires, all in one transaction; our one
receiver then maps the object as dj-stripe now mirrors it (so a late or reordered event carries
today's state) to a frozen state and hands it to the row's service, with the event as the actor.
A service that raises rolls it all back and answers 500, so Stripe delivers the event again.

A new event family is a row here, never a new receiver.
"""

import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from djstripe import models as djstripe_models
from djstripe.event_handlers import djstripe_receiver

from payments.errors import PaymentUnknown
from payments.gateway import WebhookEndpointCreated, get_gateway
from payments.services import (
    checkout_sessions,
    disputes,
    outcomes,
    payment_methods,
    refunds,
    subscriptions,
)
from payments.stripe_gateway import (
    card_state,
    charge_state,
    checkout_state,
    customer_state,
    dispute_state,
    intent_state,
    refund_state,
    setup_state,
    subscription_state,
)
from payments.transitions import Actor

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Route:
    mirror: type[djstripe_models.StripeModel]
    """dj-stripe's model of the event's object, whose fresh copy is preferred to the payload."""
    mapper: Callable[[Mapping[str, Any]], Any]
    """From the Stripe object (a dict) to the frozen state the service takes."""
    service: Callable[..., Any]
    """Called as `service(state, actor=Actor)`; idempotent and safe in any order."""
    mirrored_by_djstripe: bool = True
    """False where dj-stripe has the model but does not sync it on these events (refunds): we
    mirror the payload for the back office, and the service gets the payload (it moves forward
    only, so an older copy changes nothing)."""


def _record_intent(state: Any, *, actor: Actor) -> Any:
    return outcomes.payment_record_outcome(intent=state, actor=actor)


def _record_charge(state: Any, *, actor: Actor) -> Any:
    return outcomes.payment_record_charge(charge=state, actor=actor)


def _record_checkout(state: Any, *, actor: Actor) -> Any:
    return checkout_sessions.checkout_session_record(
        session=state, actor=actor, gateway=get_gateway()
    )


def _record_card(state: Any, *, actor: Actor) -> Any:
    return payment_methods.saved_card_record(card=state)


def _record_setup(state: Any, *, actor: Actor) -> Any:
    return payment_methods.saved_card_record_setup(setup=state, gateway=get_gateway())


def _record_default_card(state: Any, *, actor: Actor) -> Any:
    return payment_methods.saved_card_record_default(customer=state)


def _record_refund(state: Any, *, actor: Actor) -> Any:
    return refunds.refund_record(refund=state, actor=actor)


def _record_charge_refunds(state: Any, *, actor: Actor) -> Any:
    return refunds.refunds_record_for_charge(charge=state, actor=actor, gateway=get_gateway())


def _record_dispute(state: Any, *, actor: Actor) -> Any:
    return disputes.dispute_record(dispute=state, actor=actor)


def _record_subscription(state: Any, *, actor: Actor) -> Any:
    return subscriptions.subscription_record(subscription=state)


INTENT = Route(djstripe_models.PaymentIntent, intent_state, _record_intent)
CHARGE = Route(djstripe_models.Charge, charge_state, _record_charge)
CHECKOUT = Route(djstripe_models.Session, checkout_state, _record_checkout)
CARD = Route(djstripe_models.PaymentMethod, card_state, _record_card)
SETUP = Route(djstripe_models.SetupIntent, setup_state, _record_setup)
CUSTOMER = Route(djstripe_models.Customer, customer_state, _record_default_card)
REFUND = Route(djstripe_models.Refund, refund_state, _record_refund, mirrored_by_djstripe=False)
CHARGE_REFUNDED = Route(djstripe_models.Charge, charge_state, _record_charge_refunds)
DISPUTE = Route(djstripe_models.Dispute, dispute_state, _record_dispute)
SUBSCRIPTION = Route(djstripe_models.Subscription, subscription_state, _record_subscription)

TABLE: dict[str, Route] = {
    "payment_intent.succeeded": INTENT,
    "payment_intent.payment_failed": INTENT,
    "payment_intent.canceled": INTENT,
    "payment_intent.processing": INTENT,
    "payment_intent.requires_action": INTENT,
    "charge.succeeded": CHARGE,
    "checkout.session.completed": CHECKOUT,
    "checkout.session.expired": CHECKOUT,
    "checkout.session.async_payment_succeeded": CHECKOUT,
    "checkout.session.async_payment_failed": CHECKOUT,
    "payment_method.attached": CARD,
    "payment_method.detached": CARD,
    "payment_method.updated": CARD,
    "setup_intent.succeeded": SETUP,
    "customer.updated": CUSTOMER,
    "refund.created": REFUND,
    "refund.updated": REFUND,
    "refund.failed": REFUND,
    "charge.refunded": CHARGE_REFUNDED,
    "charge.dispute.created": DISPUTE,
    "charge.dispute.updated": DISPUTE,
    "charge.dispute.closed": DISPUTE,
    "charge.dispute.funds_withdrawn": DISPUTE,
    "charge.dispute.funds_reinstated": DISPUTE,
    "customer.subscription.created": SUBSCRIPTION,
    "customer.subscription.updated": SUBSCRIPTION,
    "customer.subscription.deleted": SUBSCRIPTION,
}

ENABLED_EVENTS = sorted(
    {
        *TABLE,
        # Mirrored by dj-stripe for the admin; no service of ours acts on them (yet).
        "payment_intent.created",
        "charge.failed",
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
    }
)
"""What the app's webhook endpoint subscribes to."""

UNKNOWN_PAYMENT_PATIENCE = timedelta(hours=1)
"""How long an event naming a payment we lack is refused (so Stripe redelivers it) before it is
taken for another environment's and acknowledged, rather than failing until Stripe disables
the endpoint."""


@djstripe_receiver(list(TABLE))
def on_event(sender: Any, event: djstripe_models.Event, **kwargs: Any) -> None:
    route = TABLE[event.type]
    actor = Actor.webhook(event_id=event.id, event_type=event.type)
    try:
        route.service(route.mapper(_current_object(event, route)), actor=actor)
    except PaymentUnknown:
        if timezone.now() - event.created < UNKNOWN_PAYMENT_PATIENCE:
            raise
        logger.warning("Acknowledging %s for a payment we never had: %s", event.type, event.id)


def _current_object(event: djstripe_models.Event, route: Route) -> Mapping[str, Any]:
    """The object as dj-stripe just re-fetched it, falling back on the event's own copy."""
    payload: Mapping[str, Any] = event.data["object"]
    if not route.mirrored_by_djstripe:
        _mirror(route.mirror, payload)
        return payload
    mirrored = route.mirror.objects.filter(id=payload["id"]).first()
    return mirrored.stripe_data if mirrored is not None and mirrored.stripe_data else payload


def _mirror(model: type[djstripe_models.StripeModel], payload: Mapping[str, Any]) -> None:
    """Keep dj-stripe's copy for the back office. It is only a view: if it cannot be synced (it
    fetches related objects from Stripe), the ledger still moves and the failure is logged."""
    try:
        with transaction.atomic():
            model.sync_from_stripe_data(dict(payload))
    except Exception:  # the mirror must never block the ledger
        logger.warning("Could not mirror %s %s", model.__name__, payload.get("id"), exc_info=True)


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
