"""One open purchase per learner and course, whatever the way of paying: the way chosen last wins.

A learner buys a course with a PaymentIntent (`purchase`: Stripe.js, a card id, a saved card) or
with a Checkout Session (`checkout`: hosted or embedded). Either opens, or reuses, the learner's
one unsettled payment for the course. An unsettled payment the new request cannot use (bought the
other way, a Checkout Session of another mode or redirects, or that ended or is about to, or a
course repriced since) is retired first, at Stripe then here: its PaymentIntent canceled or its
Checkout Session expired, so that no old page can take money for it any more, and the payment
closed (canceled). If Stripe answers that it was paid meanwhile, that is recorded instead and the
paid payment returned (the learner owns the course); if it is processing, the request is refused
with 409 until it settles. A learner who owns the course gets 409 (`AlreadyEnrolled`).
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Subquery

from accounts.models import User
from courses.models import Course, Enrollment
from payments import transitions
from payments.errors import (
    AlreadyEnrolled,
    CourseUnavailable,
    IntentStateConflict,
    PaymentNotFinished,
)
from payments.gateway import PaymentGateway
from payments.models import CheckoutSession, Payment, PaymentStatus
from payments.services.checkout_sessions import checkout_session_expire
from payments.services.outcomes import UNSETTLED_STATUSES, payment_record_outcome


@dataclass(frozen=True)
class PurchaseSlot:
    payment: Payment
    created: bool


def purchase_slot(
    *,
    learner: User,
    course_slug: str,
    fits: Callable[[Payment], bool],
    gateway: PaymentGateway,
    on_open: Callable[[Payment], object] = lambda payment: None,
) -> PurchaseSlot:
    """The learner's unsettled payment for the course if `fits` says this request can use it;
    else that one is retired and a new one opened (`on_open` runs in the transaction that opens
    it, so the way it is bought is written with it). The returned payment is `succeeded` when
    the one being retired turned out to be paid: the caller answers with it.
    """
    payment, created = _open_or_reuse(learner=learner, course_slug=course_slug, on_open=on_open)
    if created or (fits(payment) and not _price_changed_since_opened(payment)):
        return PurchaseSlot(payment=payment, created=created)
    retired = payment_retire(payment=payment, gateway=gateway)
    if retired.status == PaymentStatus.SUCCEEDED:
        return PurchaseSlot(payment=retired, created=False)
    payment, created = _open_or_reuse(learner=learner, course_slug=course_slug, on_open=on_open)
    return PurchaseSlot(payment=payment, created=created)


def bought_by_checkout(payment: Payment) -> bool:
    return CheckoutSession.objects.filter(payment=payment).exists()


def payment_retire(*, payment: Payment, gateway: PaymentGateway) -> Payment:
    """Make sure nothing can pay this open payment any more, then close it (see the module's
    docstring). Raises `PaymentNotFinished` when Stripe is processing it."""
    payment.refresh_from_db(fields=["status", "stripe_payment_intent_id"])
    if payment.status not in UNSETTLED_STATUSES:  # settled while the request looked at it
        return payment
    session = CheckoutSession.objects.filter(payment=payment).select_related("payment").first()
    if session is not None:
        recorded = checkout_session_expire(session=session, gateway=gateway)
    elif payment.stripe_payment_intent_id:
        recorded = _payment_intent_cancel(payment, gateway=gateway)
    else:
        recorded = payment
    if recorded.status == PaymentStatus.PROCESSING:
        raise PaymentNotFinished(recorded.status)
    if recorded.status in UNSETTLED_STATUSES:
        _abandon(recorded)
    return recorded


def _open_or_reuse(
    *, learner: User, course_slug: str, on_open: Callable[[Payment], object]
) -> tuple[Payment, bool]:
    """The learner's unsettled payment for the course, or a new one. Two requests racing to
    open one meet at the database's one-open-payment constraint: the loser reuses the winner's."""
    course, unsettled_id = _course_for_sale(learner=learner, course_slug=course_slug)
    if unsettled_id is None:
        try:
            with transaction.atomic():
                payment = transitions.payment_open(
                    learner_id=learner.pk, course=course, actor=transitions.API
                )
                on_open(payment)
                return payment, True
        except IntegrityError:
            course, unsettled_id = _course_for_sale(learner=learner, course_slug=course_slug)
            if unsettled_id is None:
                raise  # not the race the constraint is there for: our bug
    unsettled = Payment.objects.get(pk=unsettled_id)
    unsettled.course = course
    return unsettled, False


def _course_for_sale(*, learner: User, course_slug: str) -> tuple[Course, uuid.UUID | None]:
    """The course for sale and the learner's unsettled payment of it (its id), in one query;
    `CourseUnavailable`, or `AlreadyEnrolled` if the learner owns it."""
    mine = {"learner": learner, "course": OuterRef("pk")}
    course = (
        Course.objects.filter(slug=course_slug, active=True)
        .annotate(
            owned=Exists(Enrollment.objects.filter(**mine, status=Enrollment.Status.ACTIVE)),
            unsettled_id=Subquery(
                Payment.objects.filter(**mine, status__in=UNSETTLED_STATUSES).values("pk")[:1]
            ),
        )
        .first()
    )
    if course is None:
        raise CourseUnavailable(course_slug)
    if course.owned:
        raise AlreadyEnrolled()
    return course, course.unsettled_id


def _price_changed_since_opened(payment: Payment) -> bool:
    course = payment.bought_course
    return (payment.amount, payment.currency) != (course.price_amount, course.currency)


def _payment_intent_cancel(payment: Payment, *, gateway: PaymentGateway) -> Payment:
    """Cancel the payment's intent at Stripe (so a stale Stripe.js page cannot pay it)."""
    try:
        gateway.payment_intent_cancel(
            intent_id=payment.stripe_payment_intent_id,
            idempotency_key=f"coursepay-payment-{payment.pk}-cancel",
        )
    except IntentStateConflict:  # paid or processing already: that is the truth to record
        intent = gateway.payment_intent_state(intent_id=payment.stripe_payment_intent_id)
        return payment_record_outcome(intent=intent, actor=transitions.API) or payment
    return payment


def _abandon(payment: Payment) -> None:
    """Close an open payment, so that a new purchase of the course starts afresh."""
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if transitions.can_move(locked.status, PaymentStatus.CANCELED):
            transitions.payment_move(
                locked,
                PaymentStatus.CANCELED,
                actor=transitions.API,
                detail={"reason": "A new purchase of the course replaced it"},
            )
