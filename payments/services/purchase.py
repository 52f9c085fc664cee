"""Buying a course with a PaymentIntent.

One open payment per learner and course, backed by one PaymentIntent. The card charged is always
the one the current request names:

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

from django.db import transaction
from django.db.models import Exists, F, OuterRef

from accounts.models import User
from courses.models import Course, Enrollment
from payments import transitions
from payments.errors import (
    AlreadyEnrolled,
    CourseUnavailable,
    GatewayKeyReused,
    GatewayUnavailable,
    IntentStateConflict,
    PaymentDeclined,
    PaymentNotFinished,
)
from payments.gateway import IntentState, PaymentGateway
from payments.models import Payment, PaymentStatus
from payments.services.customers import stripe_customer_get_or_create
from payments.services.outcomes import (
    PAYMENT_METADATA_KEY,
    UNSETTLED_STATUSES,
    payment_record_outcome,
    payment_refresh_if_stale,
)

logger = logging.getLogger(__name__)

FIND_SLACK_SECONDS = 300
"""Clock skew allowed between us and Stripe when looking up an intent by its creation time."""


@dataclass(frozen=True)
class PaymentStarted:
    payment: Payment
    created: bool


def payment_start(
    *, learner: User, course_slug: str, payment_method: str, gateway: PaymentGateway
) -> PaymentStarted:
    """Open (or reuse) the learner's payment for a course and back it with a PaymentIntent.

    The amount is the catalog's. With `payment_method` the intent is confirmed at once with that
    card; a decline is recorded on the payment and raised as `PaymentDeclined`. Without one, the
    client confirms with Stripe.js; an existing payment is brought up to date from Stripe if we
    have heard nothing of it for a while.
    """
    payment, created = _open_or_reuse(learner=learner, course_slug=course_slug)
    if _price_changed_since_opened(payment):
        payment = _retire_stale_quote(payment, gateway=gateway)
        if payment.status == PaymentStatus.SUCCEEDED:  # it was paid meanwhile, at the old price
            return PaymentStarted(payment=payment, created=False)
        payment, created = _open_or_reuse(learner=learner, course_slug=course_slug)
    if payment.stripe_payment_intent_id and (
        not payment_method or payment.status == PaymentStatus.PROCESSING
    ):
        payment = payment_refresh_if_stale(payment=payment, gateway=gateway)
        if payment.status == PaymentStatus.PROCESSING:
            raise PaymentNotFinished(payment.status)
        if not payment_method or payment.status not in UNSETTLED_STATUSES:
            return PaymentStarted(payment=payment, created=created)
    customer_id = stripe_customer_get_or_create(user=learner, gateway=gateway)
    try:
        intent = _intent_confirmed_with(
            payment, customer_id=customer_id, payment_method=payment_method, gateway=gateway
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


def _open_or_reuse(*, learner: User, course_slug: str) -> tuple[Payment, bool]:
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
            learner=learner, course=course, status__in=UNSETTLED_STATUSES
        ).first()
        if unsettled:
            unsettled.course = course
            return unsettled, False
        return transitions.payment_open(
            learner_id=learner.pk, course=course, actor=transitions.API
        ), True


def _intent_confirmed_with(
    payment: Payment, *, customer_id: str, payment_method: str, gateway: PaymentGateway
) -> IntentState:
    """The payment's intent, confirmed with `payment_method` if one is named (see the module's
    docstring for why this never charges a card the current request did not name)."""
    if not payment.stripe_payment_intent_id:
        intent, created_now = _intent_create(
            payment, customer_id=customer_id, payment_method=payment_method, gateway=gateway
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
            ),
        )
    except IntentStateConflict:
        # Already paid (or processing) by an earlier attempt whose answer we missed: read it.
        return gateway.payment_intent_state(intent_id=payment.stripe_payment_intent_id)


def _intent_create(
    payment: Payment, *, customer_id: str, payment_method: str, gateway: PaymentGateway
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
            recorded = payment_record_outcome(intent=intent, actor=transitions.API) or payment
            if recorded.status == PaymentStatus.PROCESSING:
                raise PaymentNotFinished(recorded.status) from None
            if recorded.status not in UNSETTLED_STATUSES:
                return recorded
    _abandon(payment, reason="The course was repriced while the payment was open")
    return payment


def _abandon(payment: Payment, *, reason: str) -> None:
    """Close an open payment, so that a new purchase of the course starts afresh."""
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if transitions.can_move(locked.status, PaymentStatus.CANCELED):
            transitions.payment_move(
                locked, PaymentStatus.CANCELED, actor=transitions.API, detail={"reason": reason}
            )
