"""What Stripe says of a payment, recorded: every path to the truth is this path.

API answers, webhooks, reads that refresh from Stripe and reconciliation all hand a frozen
`IntentState` (or `ChargeState`) to these services, which move the payment forward only, under
its row lock, through `payments.transitions`.
"""

import logging
import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from payments import transitions
from payments.errors import GatewayUnavailable, PaymentUnknown
from payments.gateway import ChargeState, IntentState, PaymentGateway
from payments.models import OPEN_STATUSES, Payment, PaymentEvent, PaymentStatus
from payments.transitions import Actor

logger = logging.getLogger(__name__)

PAYMENT_METADATA_KEY = "coursepay_payment_id"
UNSETTLED_STATUSES = (*OPEN_STATUSES, PaymentStatus.PROCESSING)
"""Statuses Stripe may have moved on from without our hearing of it."""


def payment_id_of(metadata: Any) -> str:
    """Our payment id from a Stripe object's metadata, or "" when it is not one of ours."""
    try:
        return str(uuid.UUID(metadata.get(PAYMENT_METADATA_KEY, "")))
    except ValueError:
        return ""


def payment_record_outcome(*, intent: IntentState, actor: Actor) -> Payment | None:
    """Move a payment to what Stripe says of its PaymentIntent: forward only, under a row lock.

    Returns None for an intent that is not ours. Raises `PaymentUnknown` for an intent that names
    a payment we do not have yet, so that the webhook is retried rather than lost.
    """
    payment_id = payment_id_of(intent.metadata)
    if not payment_id and not intent.id:
        return None
    with transaction.atomic():
        payments = Payment.objects.select_for_update(of=("self",)).select_related("course")
        if payment_id:
            # get(), not first(): ordering one row by the model's ordering doubled the cost of
            # building this query, which every recorded outcome runs.
            try:
                payment = payments.get(pk=payment_id)
            except Payment.DoesNotExist:
                raise PaymentUnknown(f"payment {payment_id} of intent {intent.id}") from None
        else:
            found = payments.filter(stripe_payment_intent_id=intent.id).first()
            if found is None:
                return None
            payment = found
        _apply(payment, intent, actor)
    return payment


def payment_record_charge(*, charge: ChargeState, actor: Actor) -> Payment | None:
    """Keep what paid (charge id, card) on the payment its intent backs; moves no status.

    The payment is found by our id in the charge's metadata (Stripe copies the intent's metadata
    onto the charge it makes) when there is one: a Checkout payment learns its intent only from
    a later event, which may even be processed at the same time as this one. A payment backed by
    another intent is left alone.
    """
    if not charge.payment_intent_id:
        return None
    payment_id = payment_id_of(charge.metadata)
    if payment_id:
        ours = Payment.objects.filter(
            pk=payment_id, stripe_payment_intent_id__in=("", charge.payment_intent_id)
        )
    else:
        ours = Payment.objects.filter(stripe_payment_intent_id=charge.payment_intent_id)
    ours.update(**_charge_facts(charge))
    return ours.first()


def payment_refresh_if_stale(*, payment: Payment, gateway: PaymentGateway) -> Payment:
    """Ask Stripe once about an unsettled payment we have heard nothing of for a while.

    A lost webhook must not leave a paying learner without the course: reads call this. Of
    concurrent readers only one asks (a conditional update claims the check). When Stripe is
    unavailable the ledger is answered as it stands.
    """
    if payment.status not in UNSETTLED_STATUSES or not payment.stripe_payment_intent_id:
        return payment
    now = timezone.now()
    last_news = max(payment.updated, payment.stripe_checked_at or payment.updated)
    if now - last_news < timedelta(seconds=settings.PAYMENT_REFRESH_AFTER_SECONDS):
        return payment
    claimed = Payment.objects.filter(
        pk=payment.pk, stripe_checked_at=payment.stripe_checked_at
    ).update(stripe_checked_at=now)
    if not claimed:
        return payment
    return _read_from_stripe(payment, gateway)


def payment_refresh(*, payment: Payment, gateway: PaymentGateway) -> Payment:
    """Ask Stripe now about an unsettled payment, whatever we heard last: for a learner whom
    Stripe has just sent back from paying, its word is ahead of the webhook on its way. When
    Stripe is unavailable the ledger is answered as it stands."""
    if payment.status not in UNSETTLED_STATUSES or not payment.stripe_payment_intent_id:
        return payment
    Payment.objects.filter(pk=payment.pk).update(stripe_checked_at=timezone.now())
    return _read_from_stripe(payment, gateway)


def _read_from_stripe(payment: Payment, gateway: PaymentGateway) -> Payment:
    try:
        intent = gateway.payment_intent_state(intent_id=payment.stripe_payment_intent_id)
    except GatewayUnavailable:
        logger.warning("Could not refresh payment %s from Stripe", payment.pk)
        return payment
    return payment_record_outcome(intent=intent, actor=transitions.REFRESH) or payment


def _apply(payment: Payment, intent: IntentState, actor: Actor) -> None:
    if intent.id and payment.stripe_payment_intent_id not in ("", intent.id):
        # Two intents for one payment (a lost answer retried after Stripe forgot the key):
        # never let the second one overwrite the first; a person has to look.
        logger.error(
            "Payment %s is backed by %s but Stripe reports %s (%s) for it: needs review",
            payment.pk,
            payment.stripe_payment_intent_id,
            intent.id,
            intent.status,
        )
        return
    new_status = transitions.status_of(intent)
    facts = _intent_facts(payment, intent)
    failure = {
        "failure_code": intent.failure_code,
        "decline_code": intent.decline_code,
        "failure_message": intent.failure_message,
    }
    known_failure = all(getattr(payment, name) == value for name, value in failure.items())
    # A declined confirmation we made is a new attempt even when it reads like the last one.
    new_attempt = new_status == PaymentStatus.FAILED and (
        actor.source == PaymentEvent.Source.API or not known_failure
    )
    if new_status == payment.status and not new_attempt:
        _save_facts(payment, facts)  # a duplicate, or news of what paid
        return
    if not transitions.can_move(payment.status, new_status):
        logger.info(
            "Ignoring %s for payment %s: %s -> %s is not forward",
            actor.stripe_event_type or actor.source,
            payment.pk,
            payment.status,
            new_status,
        )
        _save_facts(payment, {k: v for k, v in facts.items() if k in _CHARGE_FIELDS})
        return
    if new_status == PaymentStatus.FAILED:
        facts |= failure | {"failed_attempts": payment.failed_attempts + 1}
    detail = {"payment_intent": intent.id}
    if intent.failure_code:
        detail["failure_code"] = intent.failure_code
    transitions.payment_move(payment, new_status, actor=actor, detail=detail, changes=facts)


_CHARGE_FIELDS = ("stripe_charge_id", "card_brand", "card_last4")


def _charge_facts(charge: ChargeState) -> dict[str, str]:
    facts = {"stripe_charge_id": charge.id}
    if charge.card_last4:
        facts |= {"card_brand": charge.card_brand, "card_last4": charge.card_last4}
    return facts


def _intent_facts(payment: Payment, intent: IntentState) -> dict[str, Any]:
    """What the intent tells us beyond its status, as changes to the payment's fields."""
    facts: dict[str, Any] = {
        "stripe_payment_intent_id": intent.id or payment.stripe_payment_intent_id,
        "client_secret": intent.client_secret or payment.client_secret,
        "next_action_url": intent.next_action_url,
    }
    if intent.charge is not None:
        facts |= _charge_facts(intent.charge)
    return {name: value for name, value in facts.items() if getattr(payment, name) != value}


def _save_facts(payment: Payment, facts: dict[str, Any]) -> None:
    if not facts:
        return
    for name, value in facts.items():
        setattr(payment, name, value)
    payment.save(update_fields=[*facts, "updated"])
