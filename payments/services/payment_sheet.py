"""The mobile PaymentSheet (seed 001): a PaymentIntent for an amount, on the learner's Customer,
with an ephemeral key for the mobile SDK.

The payment (of no course) is written first and names the intent's idempotency key, so a retry
of our code never creates a second intent; the learner's Customer is the one of every other
purchase, created once. The outcome arrives as for any intent (`payment_intent.*` webhooks).
"""

from dataclasses import dataclass

from django.db import transaction

from accounts.models import User
from payments import transitions
from payments.gateway import PaymentGateway
from payments.models import PaymentEvent
from payments.services.customers import stripe_customer_get_or_create
from payments.services.outcomes import PAYMENT_METADATA_KEY, payment_record_outcome

DESCRIPTION = "Mobile app payment"


@dataclass(frozen=True)
class PaymentSheet:
    client_secret: str
    customer_id: str
    ephemeral_key: str


def payment_sheet_start(
    *, learner: User, amount: int, currency: str, api_version: str, gateway: PaymentGateway
) -> PaymentSheet:
    """Open a payment of `amount` (minor units, already validated) for the learner. Raises
    `GatewayUnavailable` when Stripe cannot be reached (the payment then stays pending)."""
    customer_id = stripe_customer_get_or_create(user=learner, gateway=gateway)
    actor = transitions.Actor(PaymentEvent.Source.API, label=str(learner))
    with transaction.atomic():
        payment = transitions.payment_open_for_amount(
            learner_id=learner.pk,
            amount=amount,
            currency=currency,
            description=DESCRIPTION,
            actor=actor,
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
