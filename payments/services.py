"""Payment use cases (writes). They own transactions, row locks and state checks.

Stripe is called outside of database transactions (no lock is held across the network), always
with an idempotency key derived from our rows and with parameters frozen on them, so any retry of
ours lands on the same Stripe object.
"""

import logging
import uuid
from dataclasses import dataclass, replace

from django.db import transaction
from django.db.models import Exists, OuterRef

from accounts.models import User
from courses.models import Course, Enrollment
from courses.services import enrollment_grant
from payments import transitions
from payments.errors import (
    AlreadyEnrolled,
    CourseUnavailable,
    IntentStateConflict,
    PaymentDeclined,
    PaymentMethodRejected,
    PaymentNotFinished,
)
from payments.gateway import IntentState, PaymentGateway
from payments.models import OPEN_STATUSES, Payment, PaymentEvent, PaymentStatus, StripeCustomer
from payments.signals import payment_succeeded

logger = logging.getLogger(__name__)

PAYMENT_METADATA_KEY = "coursepay_payment_id"


class PaymentUnknown(Exception):
    """An event names one of our payments that is not in the ledger (yet): retry it later."""


@dataclass(frozen=True)
class PaymentStarted:
    payment: Payment
    created: bool


def customer_id_for(*, user: User, gateway: PaymentGateway) -> str:
    """The learner's Stripe Customer id, created on first use."""
    existing = StripeCustomer.objects.filter(user=user).values_list("customer_id", flat=True)
    if customer_id := existing.first():
        return customer_id
    customer_id = gateway.customer_create(
        email=user.email,
        name=user.get_full_name(),
        metadata={"coursepay_user_id": str(user.pk), "djstripe_subscriber": str(user.pk)},
        idempotency_key=f"coursepay-user-{user.pk}-customer",
    )
    StripeCustomer.objects.get_or_create(user=user, defaults={"customer_id": customer_id})
    return customer_id


def payment_start(
    *, learner: User, course_slug: str, payment_method: str, gateway: PaymentGateway
) -> PaymentStarted:
    """Open (or reuse) the learner's payment for a course and back it with a PaymentIntent.

    The amount is the catalog's. With `payment_method` the intent is confirmed at once; a decline
    is recorded on the payment and raised as `PaymentDeclined`.
    """
    payment, created = _open_payment(learner=learner, course_slug=course_slug, pm=payment_method)
    if _price_changed_since_opened(payment):
        payment = _retire_stale_quote(payment, gateway=gateway)
        if payment.status == PaymentStatus.SUCCEEDED:  # it was paid meanwhile, at the old price
            return PaymentStarted(payment=payment, created=False)
        payment, created = _open_payment(
            learner=learner, course_slug=course_slug, pm=payment_method
        )
    customer_id = customer_id_for(user=learner, gateway=gateway)
    try:
        intent = _advance_intent(
            payment=payment, customer_id=customer_id, payment_method=payment_method, gateway=gateway
        )
    except PaymentDeclined as declined:
        ours = {PAYMENT_METADATA_KEY: str(payment.pk)}
        intent = declined.intent
        payment_record_outcome(
            intent=intent if intent.metadata else replace(intent, metadata=ours),
            source=PaymentEvent.Source.API,
        )
        declined.extra["payment"] = str(payment.pk)
        raise
    except PaymentMethodRejected:
        if not payment.stripe_payment_intent_id:
            _abandon(payment, reason="Stripe refused to create the PaymentIntent")
        raise
    payment = payment_record_outcome(intent=intent, source=PaymentEvent.Source.API) or payment
    return PaymentStarted(payment=payment, created=created)


def _open_payment(*, learner: User, course_slug: str, pm: str) -> tuple[Payment, bool]:
    with transaction.atomic():
        # One purchase decision at a time per learner: concurrent requests queue here.
        User.objects.select_for_update(no_key=True).filter(pk=learner.pk).values_list("pk").get()
        owned = Enrollment.objects.filter(
            learner=learner, course=OuterRef("pk"), status=Enrollment.Status.ACTIVE
        )
        course = (
            Course.objects.filter(slug=course_slug, active=True)
            .annotate(owned=Exists(owned))
            .first()
        )
        if course is None:
            raise CourseUnavailable(course_slug)
        if course.owned:
            raise AlreadyEnrolled()
        unsettled = Payment.objects.filter(
            learner=learner, course=course, status__in=(*OPEN_STATUSES, PaymentStatus.PROCESSING)
        ).first()
        if unsettled and unsettled.status == PaymentStatus.PROCESSING:
            raise PaymentNotFinished(unsettled.status)
        if unsettled:
            unsettled.course = course
            return unsettled, False
        payment = Payment.objects.create(
            learner=learner,
            course=course,
            amount=course.price_amount,
            currency=course.currency,
            description=course.title,
            initial_payment_method=pm,
        )
        PaymentEvent.objects.create(
            payment=payment, to_status=payment.status, source=PaymentEvent.Source.API
        )
        return payment, True


def _advance_intent(
    *, payment: Payment, customer_id: str, payment_method: str, gateway: PaymentGateway
) -> IntentState:
    if not payment.stripe_payment_intent_id:
        # Same payment, same parameters, same key: a retry after a lost answer gets the same
        # intent back from Stripe instead of a second one.
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
            payment_method=payment.initial_payment_method,
            idempotency_key=f"coursepay-payment-{payment.pk}-create",
        )
        if not payment_method or payment_method == payment.initial_payment_method:
            return intent
        if transitions.status_of(intent) not in OPEN_STATUSES:
            return intent
        payment.stripe_payment_intent_id = intent.id
    elif not payment_method:
        return _stored_intent(payment)
    try:
        return gateway.payment_intent_confirm(
            intent_id=payment.stripe_payment_intent_id,
            payment_method=payment_method,
            # A new key after each known failure; the same one for a retry of an unknown outcome.
            idempotency_key=(
                f"coursepay-payment-{payment.pk}-confirm-{payment.failed_attempts}-{payment_method}"
            ),
        )
    except IntentStateConflict:
        # Already paid (or processing) by an earlier attempt whose answer we missed: read it.
        return gateway.payment_intent_state(intent_id=payment.stripe_payment_intent_id)


def _price_changed_since_opened(payment: Payment) -> bool:
    course = payment.course
    return (payment.amount, payment.currency) != (course.price_amount, course.currency)


def _retire_stale_quote(payment: Payment, *, gateway: PaymentGateway) -> Payment:
    """The course was repriced while this payment was open: cancel its intent at Stripe (so a
    stale Stripe.js page cannot pay the old price) and close it; the caller opens a new one."""
    if payment.stripe_payment_intent_id:
        try:
            gateway.payment_intent_cancel(
                intent_id=payment.stripe_payment_intent_id,
                idempotency_key=f"coursepay-payment-{payment.pk}-cancel",
            )
        except IntentStateConflict:  # paid or processing already: that is the truth to record
            intent = gateway.payment_intent_state(intent_id=payment.stripe_payment_intent_id)
            recorded = payment_record_outcome(intent=intent, source=PaymentEvent.Source.API)
            if recorded is not None and recorded.status not in OPEN_STATUSES:
                if recorded.status == PaymentStatus.PROCESSING:
                    raise PaymentNotFinished(recorded.status) from None
                return recorded
    _abandon(payment, reason="The course was repriced while the payment was open")
    return payment


def _abandon(payment: Payment, *, reason: str) -> None:
    """Close an open payment, so that a new purchase of the course starts afresh."""
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.status not in OPEN_STATUSES:
            return
        old_status = locked.status
        locked.status = PaymentStatus.CANCELED
        locked.save(update_fields=["status", "updated"])
        PaymentEvent.objects.create(
            payment=locked,
            from_status=old_status,
            to_status=PaymentStatus.CANCELED,
            source=PaymentEvent.Source.API,
            detail={"reason": reason},
        )


def _stored_intent(payment: Payment) -> IntentState:
    return IntentState(
        id=payment.stripe_payment_intent_id,
        status={
            PaymentStatus.REQUIRES_ACTION: "requires_action",
            PaymentStatus.FAILED: "requires_payment_method",
        }.get(PaymentStatus(payment.status), "requires_payment_method"),
        client_secret=payment.client_secret,
        amount=payment.amount,
        currency=payment.currency,
        metadata={PAYMENT_METADATA_KEY: str(payment.pk)},
        failure_code=payment.failure_code,
        decline_code=payment.decline_code,
        failure_message=payment.failure_message,
        next_action_url=payment.next_action_url,
    )


def payment_record_outcome(
    *,
    intent: IntentState,
    source: str,
    stripe_event_id: str = "",
    stripe_event_type: str = "",
) -> Payment | None:
    """Move a payment to what Stripe says of its PaymentIntent: forward only, under a row lock.

    Returns None for an intent that is not ours. Raises `PaymentUnknown` for an intent that names
    a payment we do not have yet, so that the webhook is retried rather than lost.
    """
    payment_id = _our_payment_id(intent)
    if not payment_id and not intent.id:
        return None
    with transaction.atomic():
        payments = Payment.objects.select_for_update(of=("self",)).select_related("course")
        if payment_id:
            payment = payments.filter(pk=payment_id).first()
        else:
            payment = payments.filter(stripe_payment_intent_id=intent.id).first()
        if payment is None:
            if payment_id:
                raise PaymentUnknown(f"payment {payment_id} of intent {intent.id}")
            return None
        _apply(payment, intent, source, stripe_event_id, stripe_event_type)
    return payment


def _our_payment_id(intent: IntentState) -> str:
    value = intent.metadata.get(PAYMENT_METADATA_KEY, "")
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return ""  # not one of ours


def _apply(
    payment: Payment, intent: IntentState, source: str, event_id: str, event_type: str
) -> None:
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
    failure = (intent.failure_code, intent.decline_code, intent.failure_message)
    old_failure = (payment.failure_code, payment.decline_code, payment.failure_message)
    known_intent = payment.stripe_payment_intent_id == intent.id
    # A declined confirmation we made is a new attempt even when it reads like the last one.
    new_attempt = source == PaymentEvent.Source.API and new_status == PaymentStatus.FAILED
    same_failure = new_status != PaymentStatus.FAILED or failure == old_failure
    if known_intent and new_status == payment.status and same_failure and not new_attempt:
        return  # a duplicate, or an event that tells us nothing new
    if new_status != payment.status and not transitions.can_move(payment.status, new_status):
        logger.info(
            "Ignoring %s for payment %s: %s -> %s is not forward",
            event_type or "update",
            payment.pk,
            payment.status,
            new_status,
        )
        return
    old_status = payment.status
    payment.stripe_payment_intent_id = intent.id or payment.stripe_payment_intent_id
    payment.client_secret = intent.client_secret or payment.client_secret
    payment.status = new_status
    payment.next_action_url = intent.next_action_url
    if new_status == PaymentStatus.FAILED:
        payment.failure_code, payment.decline_code, payment.failure_message = failure
        payment.failed_attempts += 1
    payment.save()
    PaymentEvent.objects.create(
        payment=payment,
        from_status=old_status,
        to_status=new_status,
        source=source,
        stripe_event_id=event_id,
        stripe_event_type=event_type,
        detail={"payment_intent": intent.id, "failure_code": intent.failure_code}
        if intent.failure_code
        else {"payment_intent": intent.id},
    )
    if new_status == PaymentStatus.SUCCEEDED and old_status != PaymentStatus.SUCCEEDED:
        enrollment_grant(payment=payment)
        payment_succeeded.send(sender=Payment, payment_id=payment.pk)
