"""Checkout of a product that is not a course (seed contracts 002 and 004), into the same ledger.

Each request opens a new payment of no course and its Checkout Session (the contracts' clients
ask for a fresh session each time), written before Stripe is called: the session's idempotency
key names the payment, so a retry of our code gets the same session back. The outcome arrives as
for any Checkout payment (`checkout.session.completed`, reads that refresh from Stripe).
"""

from collections.abc import Mapping
from contextlib import suppress

from django.db import transaction

from accounts.models import User
from payments import transitions
from payments.errors import PaymentUnknown
from payments.gateway import PaymentGateway
from payments.models import CatalogProduct, CheckoutSession, PaymentEvent
from payments.services.checkout_sessions import checkout_session_create, checkout_session_record
from payments.services.outcomes import payment_record_outcome


def product_checkout_start(
    *,
    product: CatalogProduct,
    ui_mode: str,
    gateway: PaymentGateway,
    actor_label: str,
    learner: User | None = None,
    customer_id: str = "",
    customer_email: str = "",
    metadata: Mapping[str, str] | None = None,
    success_url: str = "",
    cancel_url: str = "",
    return_url: str = "",
) -> CheckoutSession:
    """Open a Checkout Session selling the product once: on `customer_id` if given, else on the
    learner's Customer, else for a guest (`customer_email`, if known). Raises
    `GatewayUnavailable` when Stripe cannot be reached (the payment stays pending)."""
    actor = transitions.Actor(PaymentEvent.Source.API, label=actor_label[:255])
    with transaction.atomic():
        payment = transitions.payment_open_for_amount(
            learner_id=learner.pk if learner else None,
            amount=product.amount,
            currency=product.currency,
            description=product.name[:200],
            actor=actor,
        )
        session = CheckoutSession.objects.create(
            payment=payment,
            ui_mode=ui_mode,
            success_url=success_url,
            cancel_url=cancel_url,
            return_url=return_url,
            stripe_price_id=product.stripe_price_id,
            stripe_customer_id=customer_id,
            customer_email=customer_email,
            extra_metadata=dict(metadata or {}),
        )
    checkout_session_create(session=session, gateway=gateway)
    session.refresh_from_db()
    return session


def stripe_payment_status(*, object_id: str, gateway: PaymentGateway) -> str:
    """The current status of a Checkout Session (`cs_`: open, complete, expired) or of a
    PaymentIntent (`pi_`: requires_payment_method ... succeeded), read from Stripe; when it is
    one of our payments, the ledger records what Stripe said (as any refresh does); one naming a
    payment this ledger lacks (another environment's, on the same Stripe account) is answered
    all the same. Raises `StripeObjectMissing` for an id Stripe does not know."""
    if object_id.startswith("cs_"):
        session = gateway.checkout_session_state(session_id=object_id)
        with suppress(PaymentUnknown):
            checkout_session_record(session=session, actor=transitions.REFRESH, gateway=gateway)
        return session.status
    intent = gateway.payment_intent_state(intent_id=object_id)
    with suppress(PaymentUnknown):
        payment_record_outcome(intent=intent, actor=transitions.REFRESH)
    return intent.status
