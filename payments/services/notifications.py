"""E-mails about refunds and disputes, each sent once.

Each e-mail has a sent-at marker on its row. The row is locked, the marker checked, the mail
sent and the marker set in one transaction: concurrent or repeated tasks send nothing twice.
What remains is the window between the mail server accepting a message and the commit: a
worker killed there leaves the marker unset, and the retry sends the message again (at least
once, never lost).
"""

from collections.abc import Callable
from typing import TypeVar

from django.core.mail import EmailMultiAlternatives, mail_admins
from django.db import models, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from config.money import money_display
from payments.models import Dispute, Payment, Refund, RefundStatus

Row = TypeVar("Row", bound=models.Model)


def refund_email_learner(*, refund_id: str) -> bool:
    """Tell the learner their refund succeeded: amount, course, original receipt number."""

    def send(refund: Refund) -> None:
        payment = refund.payment
        if payment.learner is None:  # a guest's payment: nobody of ours to write to
            return
        receipt = getattr(payment, "receipt", None)  # the receipts app's reverse one-to-one
        context = {
            "learner_name": payment.learner.get_full_name(),
            "amount": money_display(refund.amount, refund.currency),
            "course": payment_title(payment),
            "receipt_number": getattr(receipt, "number", ""),
            "full": payment.amount_refunded >= payment.amount,
        }
        message = EmailMultiAlternatives(
            subject=f"Your refund for {payment_title(payment)}",
            body=render_to_string("emails/refund_succeeded.txt", context),
            to=[payment.learner.email],
        )
        message.attach_alternative(
            render_to_string("emails/refund_succeeded.html", context), "text/html"
        )
        message.send()

    return _send_once(
        Refund,
        refund_id,
        "learner_notified_at",
        send,
        when=lambda refund: refund.status == RefundStatus.SUCCEEDED,
    )


def refund_email_admins_failure(*, refund_id: str) -> bool:
    """Tell the admins (`mail_admins`) that a refund failed, with Stripe's error."""

    def send(refund: Refund) -> None:
        payment = refund.payment
        context = {
            **_payment_context(payment),
            "refund_id": refund.pk,
            "stripe_refund_id": refund.stripe_refund_id,
            "amount": money_display(refund.amount, refund.currency),
            "failure": " ".join(filter(None, [refund.failure_reason, refund.failure_message]))
            or refund.status,
        }
        mail_admins(
            f"Refund failed: {context['amount']} for {payment_title(payment)}",
            render_to_string("emails/refund_failed_admins.txt", context),
            fail_silently=False,
        )

    return _send_once(Refund, refund_id, "admins_notified_at", send)


def dispute_email_admins(*, dispute_id: int) -> bool:
    """Tell the admins (`mail_admins`) that a payment is disputed."""

    def send(dispute: Dispute) -> None:
        payment = dispute.payment
        context = {
            **_payment_context(payment),
            "dispute_id": dispute.stripe_dispute_id,
            "reason": dispute.reason or "no reason given",
            "status": dispute.stripe_status,
            "amount": money_display(dispute.amount, dispute.currency),
        }
        mail_admins(
            f"Payment disputed: {context['amount']} for {payment_title(payment)}",
            render_to_string("emails/dispute_opened_admins.txt", context),
            fail_silently=False,
        )

    return _send_once(Dispute, dispute_id, "admins_notified_at", send)


def payment_title(payment: Payment) -> str:
    """What was bought: the course, or (a payment of no course) its description."""
    return payment.course.title if payment.course else payment.description


def _payment_context(payment: Payment) -> dict[str, object]:
    return {
        "payment_id": payment.pk,
        "course": payment_title(payment),
        "learner_email": payment.learner.email if payment.learner else "a guest",
        "admin_path": reverse("admin:payments_payment_change", args=[payment.pk]),
    }


def _send_once(
    model: type[Row],
    pk: object,
    marker: str,
    send: Callable[[Row], None],
    *,
    when: Callable[[Row], bool] = lambda row: True,
) -> bool:
    """Send and mark, under the row's lock; False when already sent (or not due)."""
    with transaction.atomic():
        row = model._default_manager.select_for_update().filter(pk=pk).first()
        if row is None or getattr(row, marker) is not None or not when(row):
            return False
        send(row)
        setattr(row, marker, timezone.now())
        row.save(update_fields=[marker])
    return True
