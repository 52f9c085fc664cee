"""The mobile PaymentSheet (seed 001): a PaymentIntent for an amount, on the learner's Customer,
with an ephemeral key for the mobile SDK.

The payment (of no course) is written first and names the intent's idempotency key, so a retry
of our code never creates a second intent; the learner's Customer is the one of every other
purchase, created once. A client's retry with its `Idempotency-Key` (after an answer that was
lost, or a 503 once Stripe had made the intent) finds the payment its first attempt opened,
whose id that key names, and so gets the same intent back. The outcome arrives as for any intent
(`payment_intent.*` webhooks).
"""

import uuid
from dataclasses import dataclass

from django.db import transaction

from accounts.models import User
from payments import transitions
from payments.gateway import PaymentGateway
from payments.models import Payment, PaymentEvent
from payments.services.customers import stripe_customer_get_or_create
from payments.services.outcomes import PAYMENT_METADATA_KEY, payment_record_outcome

DESCRIPTION = "Mobile app payment"
REQUEST_KEY_NAMESPACE = uuid.UUID("5b0f6d1e-3c3a-4f43-9d0e-6f1d3c2a7b10")
"""Payment ids named by a learner's Idempotency-Key (uuid5 in this namespace)."""


@dataclass(frozen=True)
class PaymentSheet:
    client_secret: str
    customer_id: str
    ephemeral_key: str


def payment_sheet_start(
    *,
    learner: User,
    amount: int,
    currency: str,
    api_version: str,
    gateway: PaymentGateway,
    request_key: str = "",
) -> PaymentSheet:
    """Open a payment of `amount` (minor units, already validated) for the learner; the one an
    earlier attempt with the same `request_key` (the client's Idempotency-Key) opened, if any.
    Raises `GatewayUnavailable` when Stripe cannot be reached (the payment then stays
    pending)."""
    customer_id = stripe_customer_get_or_create(user=learner, gateway=gateway)
    actor = transitions.Actor(PaymentEvent.Source.API, label=str(learner))
    payment_id = (
        uuid.uuid5(REQUEST_KEY_NAMESPACE, f"{learner.pk}:{amount}:{currency}:{request_key}")
        if request_key
        else None
    )
    with transaction.atomic():
        payment = Payment.objects.filter(pk=payment_id).first() if payment_id else None
        payment = payment or transitions.payment_open_for_amount(
            learner_id=learner.pk,
            amount=amount,
            currency=currency,
            description=DESCRIPTION,
            actor=actor,
            payment_id=payment_id,
        )
    intent = gateway.payment_intent_create(
        amount=amount,
        currency=currency,
        customer_id=customer_id,
        description=DESCRIPTION,
        metadata={PAYMENT_METADATA_KEY: str(payment.pk), "coursepay_learner_id": str(learner.pk)},
        payment_method="",
        idempotency_key=f"coursepay-payment-{payment.pk}-sheet",
    )
    payment_record_outcome(intent=intent, actor=actor)
    ephemeral_key = gateway.ephemeral_key_create(customer_id=customer_id, api_version=api_version)
    return PaymentSheet(
        client_secret=intent.client_secret, customer_id=customer_id, ephemeral_key=ephemeral_key
    )
