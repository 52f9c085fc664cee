"""Buying a course with a PaymentIntent.

One open payment per learner and course (`open_purchase` says which), backed by one
PaymentIntent. The card charged is always the one the current request names:

- The intent is created under a key that names the payment (`...-create-N`), with the current
  request's card. A retry of the same request sends the same parameters and gets Stripe's first
  answer back. A request naming another card sends other parameters under that key: if Stripe
  never stored the first attempt, this one runs (with the card named now); if it did, Stripe
  refuses the key (`GatewayKeyReused`) and we look the intent up and confirm it instead (or,
  when the stored attempt created nothing, move on to key N+1).
- Once the intent is known, each request confirms it with its own card, under a key naming the
  attempt and the card. An intent already paid refuses a second confirmation, so a learner is
  never charged twice for one payment.
"""

import logging
from dataclasses import dataclass, replace

from django.db.models import F

from accounts.models import User
from payments import transitions
from payments.errors import (
    GatewayKeyReused,
    GatewayUnavailable,
    IntentStateConflict,
    PaymentDeclined,
    PaymentNotFinished,
)
from payments.gateway import IntentState, PaymentGateway
from payments.models import Payment, PaymentStatus
from payments.services.customers import stripe_customer_get_or_create
from payments.services.open_purchase import bought_by_checkout, purchase_slot
from payments.services.outcomes import (
    PAYMENT_METADATA_KEY,
    UNSETTLED_STATUSES,
    payment_record_outcome,
    payment_refresh_if_stale,
)
from payments.services.payment_methods import SAVE_CARD_USAGE

logger = logging.getLogger(__name__)

FIND_SLACK_SECONDS = 300
"""Clock skew allowed between us and Stripe when looking up an intent by its creation time."""


@dataclass(frozen=True)
class PaymentStarted:
    payment: Payment
    created: bool


def payment_start(
    *,
    learner: User,
    course_slug: str,
    payment_method: str,
    gateway: PaymentGateway,
    save_payment_method: bool = False,
) -> PaymentStarted:
    """Open (or reuse) the learner's payment for a course and back it with a PaymentIntent.

    The amount is the catalog's. With `payment_method` (a card id from Stripe.js, or one of the
    learner's saved cards) the intent is confirmed at once with that card; a decline is recorded
    on the payment and raised as `PaymentDeclined`. Another learner's saved card is refused
    (`SavedCardNotFound`) before anything else. Without a card, the client confirms with
    Stripe.js; an existing payment is brought up to date from Stripe if we have heard nothing of
    it for a while. `save_payment_method` keeps the card on the learner's Customer once it pays.
    An open Checkout purchase of the course is retired first (`open_purchase`).
    """
    slot = purchase_slot(
        learner=learner,
        course_slug=course_slug,
        fits=lambda payment: not bought_by_checkout(payment),
        gateway=gateway,
        card=payment_method,
    )
    payment, created = slot.payment, slot.created
    if payment.status == PaymentStatus.SUCCEEDED:  # it was paid meanwhile, at the old terms
        return PaymentStarted(payment=payment, created=False)
    if payment.stripe_payment_intent_id and (
        not payment_method or payment.status == PaymentStatus.PROCESSING
    ):
        payment = payment_refresh_if_stale(payment=payment, gateway=gateway)
        if payment.status == PaymentStatus.PROCESSING:
            raise PaymentNotFinished(payment.status)
        if not payment_method or payment.status not in UNSETTLED_STATUSES:
            return PaymentStarted(payment=payment, created=created)
    customer_id = slot.customer_id or stripe_customer_get_or_create(user=learner, gateway=gateway)
    try:
        intent = _intent_confirmed_with(
            payment,
            customer_id=customer_id,
            payment_method=payment_method,
            setup_future_usage=SAVE_CARD_USAGE if save_payment_method else "",
            gateway=gateway,
        )
    except PaymentDeclined as declined:
        ours = {PAYMENT_METADATA_KEY: str(payment.pk)}
        intent = declined.intent
        payment_record_outcome(
            intent=intent if intent.metadata else replace(intent, metadata=ours),
            actor=transitions.API,
        )
        declined.extra["payment"] = str(payment.pk)
        raise
    payment = payment_record_outcome(intent=intent, actor=transitions.API) or payment
    return PaymentStarted(payment=payment, created=created)


def _intent_confirmed_with(
    payment: Payment,
    *,
    customer_id: str,
    payment_method: str,
    setup_future_usage: str,
    gateway: PaymentGateway,
) -> IntentState:
    """The payment's intent, confirmed with `payment_method` if one is named (see the module's
    docstring for why this never charges a card the current request did not name)."""
    if not payment.stripe_payment_intent_id:
        intent, created_now = _intent_create(
            payment,
            customer_id=customer_id,
            payment_method=payment_method,
            setup_future_usage=setup_future_usage,
            gateway=gateway,
        )
        if created_now or not payment_method:
            return intent
        payment = payment_record_outcome(intent=intent, actor=transitions.API) or payment
    try:
        return gateway.payment_intent_confirm(
            intent_id=payment.stripe_payment_intent_id,
            payment_method=payment_method,
            # A new key after each known failure; the same one for a retry of an unknown outcome.
            idempotency_key=(
                f"coursepay-payment-{payment.pk}-confirm-{payment.failed_attempts}-{payment_method}"
                + ("-save" if setup_future_usage else "")
            ),
            setup_future_usage=setup_future_usage,
        )
    except IntentStateConflict:
        # Already paid (or processing) by an earlier attempt whose answer we missed: read it.
        return gateway.payment_intent_state(intent_id=payment.stripe_payment_intent_id)


def _intent_create(
    payment: Payment,
    *,
    customer_id: str,
    payment_method: str,
    setup_future_usage: str,
    gateway: PaymentGateway,
) -> tuple[IntentState, bool]:
    """Create the payment's intent, confirmed with `payment_method` (True), or find the one an
    earlier attempt created under our key with other parameters (False).

    A key Stripe refuses although no intent exists was spent on an attempt Stripe rejected (an
    unusable card): the next key is used, so one bad card never blocks the payment.
    """
    for _ in range(2):
        key = f"coursepay-payment-{payment.pk}-create-{payment.create_key_serial}"
        try:
            intent = gateway.payment_intent_create(
                amount=payment.amount,
                currency=payment.currency,
                customer_id=customer_id,
                description=payment.description,
                metadata={
                    PAYMENT_METADATA_KEY: str(payment.pk),
                    "coursepay_course_id": str(payment.course_id),
                    "coursepay_learner_id": str(payment.learner_id),
                },
                payment_method=payment_method,
                idempotency_key=key,
                setup_future_usage=setup_future_usage,
            )
            return intent, True
        except GatewayKeyReused:
            existing = gateway.payment_intent_find(
                customer_id=customer_id,
                metadata_key=PAYMENT_METADATA_KEY,
                metadata_value=str(payment.pk),
                created_since=int(payment.created.timestamp()) - FIND_SLACK_SECONDS,
            )
            if existing is not None:
                return existing, False
            payment.create_key_serial += 1
            Payment.objects.filter(pk=payment.pk).update(
                create_key_serial=F("create_key_serial") + 1
            )
    logger.error("Stripe refused two create keys of payment %s without an intent", payment.pk)
    raise GatewayUnavailable()
