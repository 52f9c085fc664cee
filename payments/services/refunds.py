"""Refunds: our rules, the money movement, and what Stripe says of them.

A refund is decided under the payment's row lock (so two admins clicking at once cannot give
back more than was captured), written `pending` and committed; only then is Stripe asked, with
the refund's own id as the idempotency key, so that asking again never refunds twice. Stripe's
answer, its `refund.*` and `charge.refunded` webhooks and a periodic re-read all hand a frozen
`RefundState` to `refund_record`, the one path from a Stripe fact about a refund to the ledger:
it moves the refund forward only, then settles the payment (`partially_refunded`, `refunded`,
or back when a refund fails) through `payments.transitions`. A refund made outside the app (in
Stripe's dashboard) arrives the same way and is recorded with the actor "Stripe".
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from accounts.models import User
from config.money import money_display
from payments import transitions
from payments.errors import (
    GatewayUnavailable,
    PaymentUnknown,
    RefundRefused,
    RefundRejected,
    StripeRequestInFlight,
)
from payments.gateway import ChargeState, PaymentGateway, RefundState
from payments.models import (
    DisputeOutcome,
    Payment,
    PaymentStatus,
    Refund,
    RefundEvent,
    RefundReason,
    RefundStatus,
)
from payments.services.outcomes import PAYMENT_METADATA_KEY, payment_id_of
from payments.transitions import Actor

logger = logging.getLogger(__name__)

REFUND_METADATA_KEY = "coursepay_refund_id"
REFUNDABLE_STATUSES = (PaymentStatus.SUCCEEDED, PaymentStatus.PARTIALLY_REFUNDED)
HELD_STATUSES = (RefundStatus.PENDING, RefundStatus.REQUIRES_ACTION, RefundStatus.SUCCEEDED)
"""Refunds that hold part of the captured amount: a new refund may take only what is left."""
UNSETTLED_STATUSES = (RefundStatus.PENDING, RefundStatus.REQUIRES_ACTION)
SETTLED_STATUSES = (RefundStatus.SUCCEEDED, RefundStatus.FAILED, RefundStatus.CANCELED)
_RANK = {
    RefundStatus.PENDING: 0,
    RefundStatus.REQUIRES_ACTION: 1,
    RefundStatus.SUCCEEDED: 2,
    RefundStatus.FAILED: 3,
    RefundStatus.CANCELED: 3,
}
"""Refund statuses in Stripe's order: a refund only ever moves to a higher rank (a succeeded
refund may still fail; a failed or canceled one is final), so reordered events change nothing."""


@dataclass(frozen=True)
class RefundAsk:
    """What a person asks for: `amount` None means all that is left."""

    payment_id: str
    amount: int | None
    reason: str
    note: str
    origin: str
    """A `Refund.Origin`: where the person asked (the back office, the staff API)."""
    requested_by: User
    override_window: bool = False


def refund_request(*, ask: RefundAsk, gateway: PaymentGateway) -> Refund:
    """Refund a payment as `ask` says, or raise `RefundRefused` saying which rule forbids it.

    Every attempt, refused ones included, is in the refund audit trail with who asked.
    """
    refund = refund_open(ask=ask)
    return refund_submit(refund=refund, gateway=gateway, actor=_actor_of(ask))


def refund_open(*, ask: RefundAsk) -> Refund:
    """Check the rules under the payment's row lock and commit the pending refund."""
    actor = _actor_of(ask)
    try:
        with transaction.atomic():
            payment = _payment_locked(ask.payment_id)
            amount = _refundable_amount(payment, ask)
            refund = Refund.objects.create(
                payment=payment,
                amount=amount,
                currency=payment.currency,
                reason=ask.reason,
                note=ask.note,
                origin=ask.origin,
                requested_by=ask.requested_by,
                window_overridden=ask.override_window and _outside_window(payment),
            )
            _audit(
                refund.payment,
                refund,
                "requested",
                actor,
                to_status=refund.status,
                detail={
                    "amount": amount,
                    "reason": ask.reason,
                    "note": ask.note,
                    "window_overridden": refund.window_overridden,
                },
            )
    except RefundRefused as refused:
        if refused.code != "payment_not_found":
            with transaction.atomic():
                detail = {"code": refused.code, "message": refused.message, "amount": ask.amount}
                _audit_refusal(ask.payment_id, actor, detail)
        raise
    return refund


def refund_submit(*, refund: Refund, gateway: PaymentGateway, actor: Actor) -> Refund:
    """Ask Stripe for a committed pending refund (again, for a retry: the key is the same).

    Stripe refusing it fails the refund (and tells the admins); Stripe unreachable leaves it
    pending for the periodic re-read to submit again.
    """
    payment = refund.payment
    try:
        state = gateway.refund_create(
            payment_intent_id=payment.stripe_payment_intent_id,
            amount=refund.amount,
            reason="" if refund.reason == RefundReason.OTHER else refund.reason,
            metadata={REFUND_METADATA_KEY: str(refund.pk), PAYMENT_METADATA_KEY: str(payment.pk)},
            idempotency_key=f"coursepay-refund-{refund.pk}",
        )
    except RefundRejected as rejected:
        return _refund_fail_unsent(refund, rejected, actor)
    except (GatewayUnavailable, StripeRequestInFlight):
        logger.warning("Refund %s not submitted: Stripe unavailable; it will be retried", refund.pk)
        with transaction.atomic():
            _audit(payment, refund, "stripe_unavailable", actor, detail={"retry": "periodic"})
        return refund
    return refund_record(refund=state, actor=actor) or refund


def refund_record(*, refund: RefundState, actor: Actor) -> Refund | None:
    """Record what Stripe says of a refund: forward only, under the payment's row lock.

    Returns None for a refund of a payment that is not ours. A refund we did not start (made in
    Stripe's dashboard) is recorded with the actor "Stripe". Raises `PaymentUnknown` (so that a
    webhook is delivered again later) when the refund names a payment or refund we do not have
    yet, or a payment whose success we have not heard of yet.
    """
    with transaction.atomic():
        payment_id = _payment_id_for(refund)
        if payment_id is None:
            return None
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        row = _refund_row(refund)
        if row is None or row.origin == Refund.Origin.STRIPE:
            actor = actor.outside_the_app()
        if row is None:
            row = _refund_from_outside(payment, refund, actor)
        _apply(row, refund, actor)
        _settle(payment, actor)
    return row


def refunds_record_for_charge(
    *, charge: ChargeState, actor: Actor, gateway: PaymentGateway
) -> list[Refund]:
    """`charge.refunded`: read the charge's refunds at Stripe and record each (a dashboard
    refund whose `refund.*` events were lost is found this way too)."""
    states = gateway.refund_list(charge_id=charge.id)
    recorded = (refund_record(refund=state, actor=actor) for state in states)
    return [refund for refund in recorded if refund is not None]


def refunds_settle_stale(*, gateway: PaymentGateway, actor: Actor) -> int:
    """Re-read at Stripe (or submit again) refunds pending for longer than
    `REFUND_RECHECK_AFTER_SECONDS`, so that nothing stays pending when webhooks are lost.

    Of concurrent runs only one handles a refund. Returns how many were handled.
    """
    now = timezone.now()
    cutoff = now - timedelta(seconds=settings.REFUND_RECHECK_AFTER_SECONDS)
    stale = Refund.objects.filter(status__in=UNSETTLED_STATUSES, updated__lt=cutoff).filter(
        Q(stripe_checked_at__isnull=True) | Q(stripe_checked_at__lt=cutoff)
    )
    with transaction.atomic():  # claimed: a concurrent run skips these rows, then sees them fresh
        claimed = list(stale.select_for_update(skip_locked=True).values_list("pk", flat=True)[:100])
        Refund.objects.filter(pk__in=claimed).update(stripe_checked_at=now)
    for refund in Refund.objects.filter(pk__in=claimed).select_related("payment"):
        if not refund.stripe_refund_id:
            refund_submit(refund=refund, gateway=gateway, actor=actor)
            continue
        try:
            state = gateway.refund_state(refund_id=refund.stripe_refund_id)
        except GatewayUnavailable:
            logger.warning("Could not re-read refund %s at Stripe", refund.pk)
            continue
        refund_record(refund=state, actor=actor)
    return len(claimed)


def refund_remaining(*, payment: Payment) -> int:
    """What can still be refunded: the captured amount less refunds pending or done."""
    held = payment.refunds.filter(status__in=HELD_STATUSES).aggregate(total=Sum("amount"))
    return payment.amount - (held["total"] or 0)


def _actor_of(ask: RefundAsk) -> Actor:
    if ask.origin == Refund.Origin.API:
        return Actor(transitions.STAFF_API.source, label=f"{ask.requested_by.email} (staff API)")
    return Actor.admin(user_label=ask.requested_by.email)


def _payment_locked(payment_id: str) -> Payment:
    try:
        uuid.UUID(str(payment_id))
    except ValueError:
        payment = None
    else:
        payment = (
            Payment.objects.select_for_update(of=("self",))
            .select_related("course")
            .filter(pk=payment_id)
            .first()
        )
    if payment is None:
        raise RefundRefused("There is no such payment.", code="payment_not_found", status=404)
    return payment


def _outside_window(payment: Payment) -> bool:
    since = payment.paid_at or payment.created
    return timezone.now() - since > timedelta(days=settings.REFUND_WINDOW_DAYS)


def _refundable_amount(payment: Payment, ask: RefundAsk) -> int:
    """The amount to refund, or `RefundRefused` naming the rule that forbids it."""
    if payment.status == PaymentStatus.REFUNDED:
        raise _nothing_left()
    if payment.status not in REFUNDABLE_STATUSES:
        raise RefundRefused(
            f"Only succeeded or partially refunded payments can be refunded; this one is "
            f"{payment.get_status_display().lower()}.",
            code="payment_not_refundable",
        )
    if payment.disputes.filter(outcome=DisputeOutcome.OPEN).exists():
        raise RefundRefused(
            "This payment is disputed: Stripe refunds nothing while the dispute is open.",
            code="payment_disputed",
            suggestion="Answer the dispute in Stripe's dashboard, or accept it.",
        )
    if _outside_window(payment):
        days = settings.REFUND_WINDOW_DAYS
        if not ask.override_window:
            raise RefundRefused(
                f"This payment is older than the {days}-day refund window.",
                code="refund_window_passed",
                suggestion="A superuser may override the window, confirming it explicitly.",
            )
        if not ask.requested_by.is_superuser:
            raise RefundRefused(
                f"Only a superuser may refund after the {days}-day refund window.",
                code="refund_window_override_forbidden",
                status=403,
            )
    remaining = refund_remaining(payment=payment)
    if remaining <= 0:
        raise _nothing_left()
    amount = remaining if ask.amount is None else ask.amount
    if amount <= 0:
        raise RefundRefused(
            "The amount to refund must be more than zero.", code="invalid_amount", status=400
        )
    if amount > remaining:
        raise RefundRefused(
            f"{money_display(amount, payment.currency)} is more than the "
            f"{money_display(remaining, payment.currency)} left to refund.",
            code="refund_exceeds_remaining",
            suggestion="Refund at most what is left, or nothing if it is already refunded.",
        )
    return amount


def _nothing_left() -> RefundRefused:
    return RefundRefused(
        "Nothing is left to refund: the whole payment is refunded or being refunded.",
        code="nothing_to_refund",
    )


def _refund_fail_unsent(refund: Refund, rejected: RefundRejected, actor: Actor) -> Refund:
    """Stripe refused to create the refund: it failed, with Stripe's words, and nothing moved."""
    # Stripe created nothing, so no webhook or re-read can have settled this row meanwhile.
    with transaction.atomic():
        row = Refund.objects.select_for_update().get(pk=refund.pk)
        old = row.status
        row.status = RefundStatus.FAILED
        row.failure_reason = rejected.stripe_code
        row.failure_message = rejected.message
        row.settled_at = timezone.now()
        row.save()
        _audit(
            row.payment,
            row,
            "status",
            actor,
            from_status=old,
            to_status=row.status,
            detail={"stripe_code": rejected.stripe_code, "message": rejected.message},
        )
        _failed(row)
    return row


def _payment_id_for(refund: RefundState) -> Any:
    """Our payment's id for a Stripe refund, None when it is not one of ours."""
    ours = _uuid_or_none(refund.metadata.get(REFUND_METADATA_KEY, ""))
    if ours is not None:
        found = Refund.objects.filter(pk=ours).values_list("payment_id", flat=True).first()
        if found is None:
            raise PaymentUnknown(f"refund {ours} of Stripe refund {refund.id}")
        return found
    known = Refund.objects.filter(stripe_refund_id=refund.id)
    if payment_id := known.values_list("payment_id", flat=True).first():
        return payment_id
    by_intent = Payment.objects.filter(stripe_payment_intent_id=refund.payment_intent_id)
    if refund.payment_intent_id and (payment_id := by_intent.values_list("pk", flat=True).first()):
        return payment_id
    if payment_id_of(refund.metadata):
        raise PaymentUnknown(f"payment of Stripe refund {refund.id}")
    return None


def _uuid_or_none(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _refund_row(refund: RefundState) -> Refund | None:
    rows = Refund.objects.select_for_update()
    ours = _uuid_or_none(refund.metadata.get(REFUND_METADATA_KEY, ""))
    if ours is not None:
        return rows.filter(pk=ours).first()
    return rows.filter(stripe_refund_id=refund.id).first()


def _refund_from_outside(payment: Payment, refund: RefundState, actor: Actor) -> Refund:
    if payment.status not in (*REFUNDABLE_STATUSES, PaymentStatus.REFUNDED):
        # A refund event that overtook the payment's own success: deliver it again later.
        raise PaymentUnknown(f"refund {refund.id} of payment {payment.pk}, still {payment.status}")
    reasons = {choice.value for choice in RefundReason}
    row = Refund.objects.create(
        payment=payment,
        amount=refund.amount,
        currency=refund.currency,
        reason=refund.reason if refund.reason in reasons else RefundReason.OTHER,
        note="Refunded outside the app (Stripe's dashboard or API).",
        origin=Refund.Origin.STRIPE,
        stripe_refund_id=refund.id,
    )
    _audit(
        payment,
        row,
        "recorded",
        actor,
        to_status=row.status,
        detail={"stripe_refund": refund.id, "amount": refund.amount},
    )
    return row


def _apply(row: Refund, refund: RefundState, actor: Actor) -> None:
    if not row.stripe_refund_id:
        row.stripe_refund_id = refund.id
        row.save(update_fields=["stripe_refund_id", "updated"])
    new = RefundStatus(refund.status)
    if _RANK[new] <= _RANK[RefundStatus(row.status)]:
        return  # a duplicate or an older event
    old = row.status
    row.status = new
    row.failure_reason = refund.failure_reason
    row.settled_at = timezone.now() if new in SETTLED_STATUSES else None
    row.save()
    detail = {"stripe_refund": refund.id}
    if refund.failure_reason:
        detail["failure_reason"] = refund.failure_reason
    _audit(row.payment, row, "status", actor, from_status=old, to_status=new, detail=detail)
    if reached := _REACHED.get(new):  # requires_action sets nothing off
        reached(row)


def _succeeded(row: Refund) -> None:
    from payments.tasks import refund_email_learner  # tasks import services: no import cycle

    transaction.on_commit(lambda: refund_email_learner.delay(str(row.pk)))


def _failed(row: Refund) -> None:
    logger.error(
        "Refund %s of payment %s failed at Stripe: %s %s",
        row.pk,
        row.payment_id,
        row.failure_reason or row.status,
        row.failure_message,
    )
    from payments.tasks import refund_email_admins_failure

    transaction.on_commit(lambda: refund_email_admins_failure.delay(str(row.pk)))


_REACHED = {
    RefundStatus.SUCCEEDED: _succeeded,
    RefundStatus.FAILED: _failed,
    RefundStatus.CANCELED: _failed,
}
"""What reaching a status sets off, after commit: the learner's e-mail, the admins' alert."""


def _settle(payment: Payment, actor: Actor) -> None:
    """Bring the (locked) payment's status and refunded amount in line with its refunds."""
    done = payment.refunds.filter(status=RefundStatus.SUCCEEDED).aggregate(total=Sum("amount"))
    refunded = done["total"] or 0
    if refunded == payment.amount_refunded:
        return
    if refunded == 0:
        target = PaymentStatus.SUCCEEDED
    elif refunded >= payment.amount:
        target = PaymentStatus.REFUNDED
    else:
        target = PaymentStatus.PARTIALLY_REFUNDED
    detail = {"amount_refunded": refunded}
    changes = {"amount_refunded": refunded}
    if refunded > payment.amount_refunded:
        transitions.payment_move(payment, target, actor=actor, detail=detail, changes=changes)
    else:
        transitions.payment_refund_reversed(
            payment, target, actor=actor, detail=detail, changes=changes
        )


def _audit(
    payment: Payment,
    refund: Refund | None,
    action: str,
    actor: Actor,
    *,
    from_status: str = "",
    to_status: str = "",
    detail: dict[str, Any] | None = None,
) -> None:
    RefundEvent.objects.create(
        payment=payment,
        refund=refund,
        action=action,
        from_status=from_status,
        to_status=to_status,
        source=actor.source,
        actor=actor.label,
        stripe_event_id=actor.stripe_event_id,
        stripe_event_type=actor.stripe_event_type,
        detail=detail or {},
    )


def _audit_refusal(payment_id: str, actor: Actor, detail: dict[str, Any]) -> None:
    RefundEvent.objects.create(
        payment_id=payment_id,
        action="refused",
        source=actor.source,
        actor=actor.label,
        detail=detail,
    )
