"""A payment's Checkout Session at Stripe: created from its row, and what Stripe says of it
recorded (API answers, webhooks and reads that refresh from Stripe all come through here).

The session's own status moves forward only (open -> complete | expired). Its payment moves
through `payments.outcomes` and `payments.transitions` like any other: the session's
PaymentIntent (which carries our payment id in its metadata) decides paid, processing or failed;
an expired session cancels an unpaid payment.
"""

import logging
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from payments import transitions
from payments.errors import GatewayUnavailable, PaymentUnknown
from payments.gateway import CheckoutLine, CheckoutState, PaymentGateway
from payments.models import CheckoutSession, Payment, PaymentStatus
from payments.services.customers import stripe_customer_get_or_create
from payments.services.outcomes import (
    PAYMENT_METADATA_KEY,
    UNSETTLED_STATUSES,
    payment_id_of,
    payment_record_outcome,
)
from payments.transitions import Actor

logger = logging.getLogger(__name__)

S = CheckoutSession.Status
_RANK = {S.NOT_CREATED: 0, S.OPEN: 1, S.COMPLETE: 2, S.EXPIRED: 2}
"""complete and expired are both ends: neither replaces the other."""


def checkout_session_create(*, session: CheckoutSession, gateway: PaymentGateway) -> Payment:
    """Create the row's session at Stripe (or get back the one an earlier attempt created: the
    key names the payment and the parameters come from the row) and record it."""
    payment = session.payment
    metadata = {
        **session.extra_metadata,
        PAYMENT_METADATA_KEY: str(payment.pk),
        "coursepay_course_id": str(payment.course_id or ""),
        "coursepay_learner_id": str(payment.learner_id or ""),
    }
    state = gateway.checkout_session_create(
        customer_id=_customer_of(session, gateway=gateway),
        customer_email=session.customer_email,
        ui_mode=session.ui_mode,
        line=CheckoutLine(
            amount=payment.amount,
            currency=payment.currency,
            name=payment.description,
            price_id=session.stripe_price_id,
        ),
        metadata=metadata,
        success_url=session.success_url,
        cancel_url=session.cancel_url,
        return_url=session.return_url,
        idempotency_key=f"coursepay-payment-{payment.pk}-checkout",
    )
    return checkout_session_record(session=state, actor=transitions.API, gateway=gateway) or payment


def _customer_of(session: CheckoutSession, *, gateway: PaymentGateway) -> str:
    """The Customer the session is created on: the one named on the row (service API), the
    learner's own, or none for a guest."""
    if session.stripe_customer_id:
        return session.stripe_customer_id
    learner = session.payment.learner
    return stripe_customer_get_or_create(user=learner, gateway=gateway) if learner else ""


def checkout_session_record(
    *, session: CheckoutState, actor: Actor, gateway: PaymentGateway
) -> Payment | None:
    """Keep what Stripe says of a session, and move its payment accordingly (forward only).

    Returns None for a session that is not one of our payments'. Raises `PaymentUnknown` for a
    session naming a payment we do not have (yet), so that its webhook is retried. When the
    session is paid but Stripe sent its PaymentIntent by id only, the intent is read (once: not
    when the payment has already settled).
    """
    payment_id = payment_id_of(session.metadata)
    if not payment_id:
        return None
    with transaction.atomic():
        row = CheckoutSession.objects.select_for_update().filter(payment_id=payment_id).first()
        if row is None:
            raise PaymentUnknown(f"payment {payment_id} of checkout session {session.id}")
        if row.stripe_id not in ("", session.id):
            logger.error(
                "Payment %s is bought through %s but Stripe reports %s (%s) for it: needs review",
                payment_id,
                row.stripe_id,
                session.id,
                session.status,
            )
            return None
        _save_forward(row, session)
    if session.status == S.EXPIRED:
        return _close(payment_id, actor=actor, detail={"checkout_session": session.id})
    intent = session.payment_intent
    if intent is None and session.payment_intent_id and session.status == S.COMPLETE:
        payment = Payment.objects.get(pk=payment_id)
        if payment.status not in UNSETTLED_STATUSES:
            return payment
        intent = gateway.payment_intent_state(intent_id=session.payment_intent_id)
    if intent is None:
        return Payment.objects.get(pk=payment_id)
    return payment_record_outcome(intent=intent, actor=actor)


def checkout_session_refresh_if_stale(
    *, session: CheckoutSession, gateway: PaymentGateway
) -> CheckoutSession:
    """Ask Stripe once about a session that is open, or whose payment is unsettled, when we have
    heard nothing of it for a while (a lost webhook must not leave a learner waiting). Of
    concurrent readers only one asks; when Stripe is unavailable the row is answered as is."""
    payment = session.payment
    unsettled = session.status == S.OPEN or payment.status in UNSETTLED_STATUSES
    if not session.stripe_id or not unsettled:
        return session
    now = timezone.now()
    last_news = max(session.updated, payment.updated, session.stripe_checked_at or session.updated)
    if now - last_news < timedelta(seconds=settings.PAYMENT_REFRESH_AFTER_SECONDS):
        return session
    claimed = CheckoutSession.objects.filter(
        pk=session.pk, stripe_checked_at=session.stripe_checked_at
    ).update(stripe_checked_at=now)
    if not claimed:
        return session
    return _read_from_stripe(session, gateway)


def checkout_session_refresh(
    *, session: CheckoutSession, gateway: PaymentGateway
) -> CheckoutSession:
    """Ask Stripe now about a session that is open, or whose payment is unsettled, whatever we
    heard last: for a learner whom Checkout has just sent back, its word is ahead of the
    webhooks on their way. When Stripe is unavailable the row is answered as it stands."""
    unsettled = session.status == S.OPEN or session.payment.status in UNSETTLED_STATUSES
    if not session.stripe_id or not unsettled:
        return session
    CheckoutSession.objects.filter(pk=session.pk).update(stripe_checked_at=timezone.now())
    return _read_from_stripe(session, gateway)


def _read_from_stripe(session: CheckoutSession, gateway: PaymentGateway) -> CheckoutSession:
    try:
        state = gateway.checkout_session_state(session_id=session.stripe_id)
    except GatewayUnavailable:
        logger.warning("Could not refresh checkout session %s from Stripe", session.stripe_id)
        return session
    checkout_session_record(session=state, actor=transitions.REFRESH, gateway=gateway)
    return CheckoutSession.objects.select_related("payment__course").get(pk=session.pk)


def checkout_session_expire(*, session: CheckoutSession, gateway: PaymentGateway) -> Payment:
    """Close the session at Stripe so that it can no longer take money, and record what Stripe
    answers: expired (the payment is canceled), or paid or processing meanwhile."""
    if not session.stripe_id:
        # Never answered: the same parameters under the same key tell us which it is (Stripe
        # replays its first answer, an open session, whatever became of it since).
        checkout_session_create(session=session, gateway=gateway)
        session.refresh_from_db()
    state = gateway.checkout_session_expire(
        session_id=session.stripe_id,
        idempotency_key=f"coursepay-payment-{session.payment_id}-checkout-expire",
    )
    recorded = checkout_session_record(session=state, actor=transitions.API, gateway=gateway)
    assert recorded is not None  # our own session, whose payment we hold
    return recorded


def _save_forward(row: CheckoutSession, state: CheckoutState) -> None:
    changes: dict[str, object] = {"stripe_id": state.id}
    if _RANK[S(state.status)] > _RANK[S(row.status)]:
        changes["status"] = state.status
    if state.payment_status and row.payment_status != "paid":
        changes["payment_status"] = state.payment_status
    if changes.get("status", row.status) == S.OPEN:
        changes |= {"url": state.url, "client_secret": state.client_secret}
    else:  # Stripe forgets both once a session ends
        changes |= {"url": "", "client_secret": ""}
    changes["expires_at"] = datetime.fromtimestamp(state.expires_at, tz=UTC)
    changed = {name: value for name, value in changes.items() if getattr(row, name) != value}
    if changed:
        for name, value in changed.items():
            setattr(row, name, value)
        row.save(update_fields=[*changed, "updated"])


def _close(payment_id: str, *, actor: Actor, detail: dict[str, str]) -> Payment:
    """An expired session's payment ends canceled, unless something already settled it."""
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        if payment.status != PaymentStatus.CANCELED and transitions.can_move(
            payment.status, PaymentStatus.CANCELED
        ):
            transitions.payment_move(payment, PaymentStatus.CANCELED, actor=actor, detail=detail)
    return payment
