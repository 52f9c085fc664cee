"""Disputes (chargebacks and inquiries): what Stripe says of them, recorded.

A dispute is money moved outside the app: the learner's bank takes it back. While it is open
the learner's access is suspended and the admins are told; closed won gives access back;
closed lost revokes it and books the amount as lost to disputes. The payment's status does not
move (it stays forward-only); the dispute carries its own state, forward only too.
"""

import logging

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from courses.models import Enrollment
from courses.services import enrollment_restore, enrollment_revoke, enrollment_suspend
from payments.gateway import DisputeState
from payments.models import Dispute, DisputeEvent, DisputeOutcome, Payment
from payments.rollups import rollup_track
from payments.transitions import Actor

logger = logging.getLogger(__name__)

CLOSED = {"won": DisputeOutcome.WON, "lost": DisputeOutcome.LOST, "warning_closed": None}
"""Stripe's final statuses, and what each means for us (an inquiry closed without a chargeback
took no money: access comes back as for a won dispute)."""


def dispute_record(*, dispute: DisputeState, actor: Actor) -> Dispute | None:
    """Record what Stripe says of a dispute, under the payment's row lock; forward only.

    Returns None for a dispute on a charge that is not one of ours.
    """
    actor = actor.outside_the_app()
    with transaction.atomic():
        payment = _payment_locked(dispute)
        if payment is None:
            logger.info("Ignoring dispute %s: not a charge of ours", dispute.id)
            return None
        row = Dispute.objects.select_for_update().filter(stripe_dispute_id=dispute.id).first()
        new = row is None
        if row is None:
            row = Dispute.objects.create(
                payment=payment,
                stripe_dispute_id=dispute.id,
                amount=dispute.amount,
                currency=dispute.currency,
                reason=dispute.reason,
                stripe_status=dispute.status,
            )
            if dispute.status not in CLOSED:  # else its one audit row says it opened closed
                _audit(row, "", actor)
            _opened(row)
        if dispute.status in CLOSED and row.outcome == DisputeOutcome.OPEN:
            _closed(row, payment, "" if new else row.stripe_status, dispute.status, actor)
        elif row.outcome == DisputeOutcome.OPEN and dispute.status != row.stripe_status:
            old, row.stripe_status = row.stripe_status, dispute.status
            row.save(update_fields=["stripe_status", "updated"])
            _audit(row, old, actor)
    return row


def _payment_locked(dispute: DisputeState) -> Payment | None:
    match = Q(stripe_charge_id=dispute.charge_id) if dispute.charge_id else Q(pk__in=[])
    if dispute.payment_intent_id:
        match |= Q(stripe_payment_intent_id=dispute.payment_intent_id)
    return Payment.objects.select_for_update().filter(match).first()


def _opened(row: Dispute) -> None:
    enrollment_suspend(payment_id=row.payment_id)
    logger.warning("Payment %s is disputed (%s): access suspended", row.payment_id, row.reason)
    from payments.tasks import dispute_email_admins

    transaction.on_commit(lambda: dispute_email_admins.delay(row.pk))


def _closed(row: Dispute, payment: Payment, old: str, status: str, actor: Actor) -> None:
    outcome = CLOSED[status] or DisputeOutcome.WON
    row.stripe_status, row.outcome, row.closed_at = status, outcome, timezone.now()
    row.save(update_fields=["stripe_status", "outcome", "closed_at", "updated"])
    if outcome == DisputeOutcome.WON:
        enrollment_restore(payment_id=payment.pk, from_status=Enrollment.Status.SUSPENDED)
    else:
        enrollment_revoke(payment_id=payment.pk)
        with rollup_track(payment):
            payment.amount_lost_to_disputes += row.amount
            payment.save(update_fields=["amount_lost_to_disputes", "updated"])
    _audit(row, old, actor, detail={"outcome": outcome})


def _audit(row: Dispute, old: str, actor: Actor, *, detail: dict[str, str] | None = None) -> None:
    DisputeEvent.objects.create(
        dispute=row,
        payment_id=row.payment_id,
        from_status=old,
        to_status=row.stripe_status,
        source=actor.source,
        actor=actor.label,
        stripe_event_id=actor.stripe_event_id,
        stripe_event_type=actor.stripe_event_type,
        detail=detail or {"amount": row.amount, "reason": row.reason},
    )
