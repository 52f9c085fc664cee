"""The payment state machine, and the ONLY writer of a payment's status.

    pending -> requires_action -> processing -> succeeded -> partially_refunded -> refunded
    pending | requires_action | failed | processing -> failed | canceled

A refund that Stripe reported succeeded and later failed (the bank sent the money back) is not
an older event but a newer fact: `payment_refund_reversed` moves a refunded payment back by the
separate `REFUND_REVERSALS` table, which payment intent events never consult.

`failed` is a declined attempt, not an end: the learner may try another card on the same
PaymentIntent, so a later attempt can still take it to requires_action, processing or succeeded.
Nothing ever leaves succeeded except a refund, and nothing leaves refunded or canceled: an older
or duplicated event can therefore never move a payment back.

`payment_open` writes a new payment and `payment_move` changes one; each writes the
`PaymentEvent` that says who did it, in the same transaction, and runs the side effects of
reaching a status (granting the course and telling receipts; a full refund revokes the course).
Nothing else sets `status` or writes audit rows.
"""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from courses.models import Course, Enrollment
from courses.services import enrollment_grant, enrollment_restore, enrollment_revoke
from payments.gateway import IntentState
from payments.models import Payment, PaymentEvent
from payments.models import PaymentStatus as S
from payments.rollups import rollup_add, rollup_track
from payments.signals import payment_succeeded

ALLOWED: dict[str, frozenset[str]] = {
    S.PENDING: frozenset({S.REQUIRES_ACTION, S.PROCESSING, S.SUCCEEDED, S.FAILED, S.CANCELED}),
    S.REQUIRES_ACTION: frozenset({S.PROCESSING, S.SUCCEEDED, S.FAILED, S.CANCELED}),
    S.FAILED: frozenset({S.REQUIRES_ACTION, S.PROCESSING, S.SUCCEEDED, S.FAILED, S.CANCELED}),
    S.PROCESSING: frozenset({S.SUCCEEDED, S.FAILED, S.CANCELED}),
    S.SUCCEEDED: frozenset({S.PARTIALLY_REFUNDED, S.REFUNDED}),
    S.PARTIALLY_REFUNDED: frozenset({S.PARTIALLY_REFUNDED, S.REFUNDED}),
    S.REFUNDED: frozenset(),
    S.CANCELED: frozenset(),
}
"""Each status's possible next statuses. A move to the same status is allowed only where a
repeat means something new (another declined attempt, another partial refund)."""

REFUND_REVERSALS: dict[str, frozenset[str]] = {
    S.REFUNDED: frozenset({S.PARTIALLY_REFUNDED, S.SUCCEEDED}),
    S.PARTIALLY_REFUNDED: frozenset({S.SUCCEEDED}),
}
"""Where a payment goes back to when a refund Stripe had reported succeeded fails."""


@dataclass(frozen=True)
class Actor:
    """Who or what moves a payment, as the audit trail records it."""

    source: str
    """A `PaymentEvent.Source`."""
    label: str = ""
    stripe_event_id: str = ""
    stripe_event_type: str = ""

    @classmethod
    def webhook(cls, *, event_id: str, event_type: str) -> "Actor":
        return cls(
            PaymentEvent.Source.WEBHOOK,
            label=event_id,
            stripe_event_id=event_id,
            stripe_event_type=event_type,
        )

    @classmethod
    def admin(cls, *, user_label: str) -> "Actor":
        return cls(PaymentEvent.Source.ADMIN, label=user_label)

    @classmethod
    def task(cls, *, name: str) -> "Actor":
        return cls(PaymentEvent.Source.TASK, label=name)

    def outside_the_app(self) -> "Actor":
        """The same event, as what Stripe did on its own (a dashboard refund, a chargeback)."""
        return Actor(
            PaymentEvent.Source.STRIPE,
            label="Stripe",
            stripe_event_id=self.stripe_event_id,
            stripe_event_type=self.stripe_event_type,
        )


API = Actor(PaymentEvent.Source.API)
REFRESH = Actor(PaymentEvent.Source.REFRESH)
STAFF_API = Actor(PaymentEvent.Source.API, label="staff API")


class IllegalTransition(Exception):
    """A move the state machine forbids: our bug, never a client's."""


def can_move(current: str, new: str) -> bool:
    return new in ALLOWED[current]


def status_of(intent: IntentState) -> S:
    """Our status for a PaymentIntent as Stripe reports it."""
    match intent.status:
        case "succeeded":
            return S.SUCCEEDED
        case "processing":
            return S.PROCESSING
        case "requires_action":
            return S.REQUIRES_ACTION
        case "canceled":
            return S.CANCELED
        case "requires_payment_method" if intent.failure_code:
            return S.FAILED
        case _:
            return S.PENDING


def payment_open(*, learner_id: int, course: Course, actor: Actor) -> Payment:
    """A new pending payment for a course at its catalog price, with its first audit row."""
    payment = Payment.objects.create(
        learner_id=learner_id,
        course=course,
        amount=course.price_amount,
        currency=course.currency,
        description=course.title,
    )
    _audit(payment, from_status="", actor=actor, detail={})
    # Last: a popular course's purchases all meet on its running-total row, whose lock is held
    # until the caller commits.
    rollup_add(payment)
    return payment


def payment_open_for_amount(
    *,
    learner_id: int | None,
    amount: int,
    currency: str,
    description: str,
    actor: Actor,
    payment_id: uuid.UUID | None = None,
) -> Payment:
    """A new pending payment of no course (a seed contract's product or amount), for a learner
    or a guest (`learner_id` None), with its first audit row; `payment_id` if the caller chose
    it (else a random one)."""
    payment = Payment.objects.create(
        id=payment_id or uuid.uuid4(),
        learner_id=learner_id,
        amount=amount,
        currency=currency,
        description=description,
    )
    rollup_add(payment)
    _audit(payment, from_status="", actor=actor, detail={})
    return payment


def payment_move(
    payment: Payment,
    to: S,
    *,
    actor: Actor,
    detail: Mapping[str, Any] | None = None,
    changes: Mapping[str, Any] | None = None,
) -> None:
    """Move a payment (row-locked by the caller's transaction) to `to`, saving `changes` with it.

    Raises `IllegalTransition` for a move the table forbids; callers that receive facts in any
    order check `can_move` first and ignore what is not forward.
    """
    if not can_move(payment.status, to):
        raise IllegalTransition(f"payment {payment.pk}: {payment.status} -> {to}")
    _move(payment, to, actor=actor, detail=detail, changes=changes)


def payment_refund_reversed(
    payment: Payment,
    to: S,
    *,
    actor: Actor,
    detail: Mapping[str, Any] | None = None,
    changes: Mapping[str, Any] | None = None,
) -> None:
    """Move a (row-locked) refunded payment back when a refund Stripe had reported succeeded
    fails; access to the course comes back with the money."""
    if to not in REFUND_REVERSALS.get(payment.status, frozenset()):
        raise IllegalTransition(f"payment {payment.pk}: {payment.status} -> {to} (reversal)")
    was_refunded = payment.status == S.REFUNDED
    _move(payment, to, actor=actor, detail=detail, changes=changes)
    if was_refunded:
        enrollment_restore(payment_id=payment.pk, from_status=Enrollment.Status.REVOKED)


def _move(
    payment: Payment,
    to: S,
    *,
    actor: Actor,
    detail: Mapping[str, Any] | None,
    changes: Mapping[str, Any] | None,
) -> None:
    old = payment.status
    # The running totals are written last (on leaving the block): their rows are shared by all
    # the payments of a course and day, so their locks are held for as short a time as possible.
    with rollup_track(payment):
        for name, value in (changes or {}).items():
            setattr(payment, name, value)
        payment.status = to
        if to == S.SUCCEEDED:
            payment.paid_at = payment.paid_at or timezone.now()
        # Only what moves: an UPDATE of every column cost more to build than the database took.
        payment.save(update_fields=[*(changes or {}), "status", "paid_at", "updated"])
        _audit(payment, from_status=old, actor=actor, detail=detail or {})
        if to == S.SUCCEEDED and old not in REFUND_REVERSALS:  # first success, not a reversal
            if payment.course_id is not None and payment.learner_id is not None:
                enrollment_grant(
                    learner_id=payment.learner_id,
                    course_id=payment.course_id,
                    payment_id=payment.pk,
                )
            if payment.learner_id is not None:  # a receipt needs a buyer to send it to
                payment_succeeded.send(sender=Payment, payment_id=payment.pk)
        elif to == S.REFUNDED:
            enrollment_revoke(payment_id=payment.pk)


def _audit(payment: Payment, *, from_status: str, actor: Actor, detail: Mapping[str, Any]) -> None:
    PaymentEvent.objects.create(
        payment=payment,
        from_status=from_status,
        to_status=payment.status,
        source=actor.source,
        actor=actor.label,
        stripe_event_id=actor.stripe_event_id,
        stripe_event_type=actor.stripe_event_type,
        detail=dict(detail),
    )
