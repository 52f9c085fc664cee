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
from typing import Any

from django.db import IntegrityError, transaction

from accounts.models import User
from courses.models import Course, Enrollment
from payments import transitions
from payments.errors import (
    AlreadyEnrolled,
    CourseUnavailable,
    IntentStateConflict,
    PaymentNotFinished,
    SavedCardNotFound,
)
from payments.gateway import PaymentGateway
from payments.models import CheckoutSession, Payment, PaymentStatus, SavedCard, StripeCustomer
from payments.services.checkout_sessions import checkout_session_expire
from payments.services.outcomes import UNSETTLED_STATUSES, payment_record_outcome


@dataclass(frozen=True)
class PurchaseSlot:
    payment: Payment
    created: bool
    customer_id: str
    """The learner's Stripe Customer, read with the course; "" before their first purchase."""


def purchase_slot(
    *,
    learner: User,
    course_slug: str,
    fits: Callable[[Payment], bool],
    gateway: PaymentGateway,
    on_open: Callable[[Payment], object] = lambda payment: None,
    card: str = "",
) -> PurchaseSlot:
    """The learner's unsettled payment for the course if `fits` says this request can use it;
    else that one is retired and a new one opened (`on_open` runs in the transaction that opens
    it, so the way it is bought is written with it). The returned payment is `succeeded` when
    the one being retired turned out to be paid: the caller answers with it.

    `card`, a PaymentMethod id the request names, is refused before anything else when it is
    another learner's saved card (`SavedCardNotFound`); other card ids are for Stripe to judge.
    """
    payment, created, customer_id = _open_or_reuse(
        learner=learner, course_slug=course_slug, on_open=on_open, card=card
    )
    if created or (fits(payment) and not _price_changed_since_opened(payment)):
        return PurchaseSlot(payment=payment, created=created, customer_id=customer_id)
    retired = payment_retire(payment=payment, gateway=gateway)
    if retired.status == PaymentStatus.SUCCEEDED:
        return PurchaseSlot(payment=retired, created=False, customer_id=customer_id)
    payment, created, customer_id = _open_or_reuse(
        learner=learner, course_slug=course_slug, on_open=on_open
    )
    return PurchaseSlot(payment=payment, created=created, customer_id=customer_id)


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
    *, learner: User, course_slug: str, on_open: Callable[[Payment], object], card: str = ""
) -> tuple[Payment, bool, str]:
    """The learner's unsettled payment for the course, or a new one. Two requests racing to
    open one meet at the database's one-open-payment constraint: the loser reuses the winner's."""
    for_sale = _course_for_sale(learner=learner, course_slug=course_slug, card=card)
    course, unsettled_id = for_sale.course, for_sale.unsettled_id
    if unsettled_id is None:
        try:
            with transaction.atomic():
                payment = transitions.payment_open(
                    learner_id=learner.pk, course=course, actor=transitions.API
                )
                on_open(payment)
                return payment, True, for_sale.customer_id
        except IntegrityError:
            for_sale = _course_for_sale(learner=learner, course_slug=course_slug)
            course, unsettled_id = for_sale.course, for_sale.unsettled_id
            if unsettled_id is None:
                raise  # not the race the constraint is there for: our bug
    unsettled = Payment.objects.get(pk=unsettled_id)
    unsettled.course = course
    return unsettled, False, for_sale.customer_id


@dataclass(frozen=True)
class _ForSale:
    course: Course
    unsettled_id: uuid.UUID | None
    customer_id: str


# Table and column names come from the models; every value is a parameter.
_FOR_SALE_SQL = f"""
SELECT
    EXISTS (SELECT 1 FROM {SavedCard._meta.db_table} card
            WHERE card.stripe_id = %s AND card.learner_id <> %s) AS card_is_anothers,
    (SELECT customer.customer_id FROM {StripeCustomer._meta.db_table} customer
     WHERE customer.user_id = %s) AS learner_customer_id,
    EXISTS (SELECT 1 FROM {Enrollment._meta.db_table} enrollment
            WHERE enrollment.learner_id = %s AND enrollment.course_id = course.id
            AND enrollment.status = %s) AS owned,
    (SELECT payment.id FROM {Payment._meta.db_table} payment
     WHERE payment.learner_id = %s AND payment.course_id = course.id
     AND payment.status IN ({", ".join(["%s"] * len(UNSETTLED_STATUSES))}) LIMIT 1) AS unsettled_id,
    {", ".join(f"course.{f.column} AS {f.attname}" for f in Course._meta.concrete_fields)}
FROM (SELECT 1 AS one) learner
LEFT JOIN {Course._meta.db_table} course ON course.slug = %s AND course.active
"""  # noqa: S608


def _course_for_sale(*, learner: User, course_slug: str, card: str = "") -> _ForSale:
    """The course for sale, the learner's unsettled payment of it (its id) and their Stripe
    Customer, in one query; `SavedCardNotFound` when `card` is another learner's saved card,
    then `CourseUnavailable`, or `AlreadyEnrolled` if the learner owns the course.

    Hand-written: every purchase runs it, and building its subqueries with the ORM cost more
    than the database's answer.
    """
    params = [
        card,
        learner.pk,
        learner.pk,
        learner.pk,
        Enrollment.Status.ACTIVE,
        learner.pk,
        *UNSETTLED_STATUSES,
        course_slug,
    ]
    row: Any  # a Course with the query's other columns as attributes
    (row,) = Course.objects.raw(_FOR_SALE_SQL, params)
    if card and row.card_is_anothers:
        raise SavedCardNotFound()
    if row.pk is None:
        raise CourseUnavailable(course_slug)
    if row.owned:
        raise AlreadyEnrolled()
    unsettled_id = row.unsettled_id
    return _ForSale(
        course=row,
        unsettled_id=None if unsettled_id is None else uuid.UUID(str(unsettled_id)),
        customer_id=row.learner_customer_id or "",
    )


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
