"""Issuing: a succeeded payment gets its receipt and the next number of the year, atomically."""

import uuid
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from payments.models import Payment, PaymentEvent, PaymentStatus
from receipts import queue
from receipts.errors import ReceiptNotIssuable
from receipts.models import Receipt, ReceiptCounter, ReceiptEmail, ReceiptIssueFailure, ReceiptLine

RECEIPTABLE = (PaymentStatus.SUCCEEDED, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED)
"""A payment that once succeeded keeps its receipt for what was paid, refunded or not."""


def receipt_issue(*, payment_id: uuid.UUID | str) -> Receipt:
    """The payment's receipt, issued now if it has none. Idempotent and safe under concurrency.

    The year's counter row is locked before looking for an existing receipt: two attempts for
    one payment queue on it, and the second finds the first's receipt instead of a new number.
    A number is only spent by the transaction that creates the receipt, so a rollback leaves
    no gap. The one-to-one constraint on `payment` backs this up in the database.
    """
    existing = Receipt.objects.filter(payment_id=payment_id).first()
    if existing is not None:
        return existing
    payment = Payment.objects.select_related("learner", "course").filter(pk=payment_id).first()
    if payment is None:
        raise ReceiptNotIssuable(f"no payment {payment_id}")
    if payment.status not in RECEIPTABLE:
        raise ReceiptNotIssuable(f"payment {payment_id} is {payment.status}, not paid")
    if payment.learner is None:
        raise ReceiptNotIssuable(f"payment {payment_id} is a guest's: no buyer to send it to")
    issued_at = timezone.now()
    year = timezone.localdate(issued_at).year
    with transaction.atomic():
        ReceiptCounter.objects.bulk_create([ReceiptCounter(year=year)], ignore_conflicts=True)
        counter = ReceiptCounter.objects.select_for_update().get(year=year)
        existing = Receipt.objects.filter(payment_id=payment_id).first()
        if existing is not None:
            return existing
        counter.last_number += 1
        counter.save(update_fields=["last_number"])
        receipt = Receipt.objects.create(
            payment=payment,
            number=f"R-{year}-{counter.last_number:06d}",
            year=year,
            sequence=counter.last_number,
            issued_at=issued_at,
            buyer_name=payment.learner.name,
            buyer_email=payment.learner.email,
            currency=payment.currency,
            total_amount=payment.amount,
            paid_at=_paid_at(payment, issued_at),
            card_brand=payment.card_brand,
            card_last4=payment.card_last4,
            stripe_payment_intent_id=payment.stripe_payment_intent_id,
            stripe_charge_id=payment.stripe_charge_id,
        )
        ReceiptLine.objects.create(
            receipt=receipt,
            position=1,
            description=payment.course.title if payment.course else payment.description,
            unit_amount=payment.amount,
            quantity=1,
            amount=payment.amount,
        )
        ReceiptEmail.objects.create(
            receipt=receipt, kind=ReceiptEmail.Kind.INITIAL, to_email=receipt.buyer_email
        )
        ReceiptIssueFailure.objects.filter(payment=payment).delete()
    return receipt


def _paid_at(payment: Payment, fallback: datetime) -> datetime:
    """When Stripe's charge succeeded; else when our ledger first recorded the success."""
    if payment.paid_at is not None:
        return payment.paid_at
    recorded = (
        PaymentEvent.objects.filter(payment=payment, to_status=PaymentStatus.SUCCEEDED)
        .order_by("created")
        .values_list("created", flat=True)
        .first()
    )
    return recorded or fallback


MISSING_GRACE = timedelta(minutes=10)
MISSING_BATCH = 500


def receipt_issue_missing(*, now: datetime | None = None) -> int:
    """Start the receipt chain for paid payments that have neither a receipt nor a recorded
    failure some minutes after they were last updated (an enqueue lost with the broker down).
    Returns how many chains were started."""
    cutoff = (now or timezone.now()) - MISSING_GRACE
    payment_ids = list(
        Payment.objects.filter(
            status__in=RECEIPTABLE,
            updated__lt=cutoff,
            receipt__isnull=True,
            learner__isnull=False,
            receipt_issue_failure__isnull=True,
        )
        .order_by("updated")
        .values_list("pk", flat=True)[:MISSING_BATCH]
    )
    for payment_id in payment_ids:
        queue.enqueue_receipt_chain(payment_id=payment_id)
    return len(payment_ids)


def receipt_finish_stalled(*, now: datetime | None = None) -> int:
    """Send the e-mail step again for receipts issued some minutes ago whose first e-mail is
    still pending and whose steps recorded no failure: the message of the next step was lost
    (the broker refused it after the step before had succeeded). The e-mail step renders the PDF
    first when it is missing, and a duplicate of it sends nothing twice. Returns how many."""
    cutoff = (now or timezone.now()) - MISSING_GRACE
    receipt_ids = list(
        Receipt.objects.filter(
            issued_at__lt=cutoff,
            failure_stage="",
            emails__kind=ReceiptEmail.Kind.INITIAL,
            emails__state=ReceiptEmail.State.PENDING,
        )
        .order_by("issued_at")
        .values_list("pk", flat=True)[:MISSING_BATCH]
    )
    for receipt_id in receipt_ids:
        queue.enqueue_email(receipt_id=receipt_id)
    return len(receipt_ids)
