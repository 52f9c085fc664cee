"""E-mailing a receipt: each ReceiptEmail row is sent at most once, where that can be known.

The row is locked (NOWAIT) for the whole SMTP exchange, and `sent` is committed right after the
server accepts the message and before the SMTP session is closed. Hence:

- a duplicate task while one is sending finds the lock taken and retries later (EmailInFlight);
- a redelivery after the sender died finds the lock released (PostgreSQL ends a dead client's
  transaction) and the row still pending: the server had not accepted the message, so it sends;
- a redelivery after the commit finds the row sent and sends nothing.

What remains: the server accepted the message (250 after DATA) and the process died, or the
database failed, before the commit (about a millisecond). The redelivery then sends a second
copy, with the same Message-ID so that mail systems can fold the two.
"""

import contextlib
import smtplib
from datetime import timedelta
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import OperationalError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import User
from receipts import queue
from receipts.errors import EmailInFlight, ResendTooSoon
from receipts.models import Receipt, ReceiptEmail, Stage
from receipts.services.failures import describe, receipt_failure_clear, receipt_failure_record
from receipts.services.render import receipt_context, receipt_pdf_bytes, receipt_render_pdf

LOCK_NOT_AVAILABLE = "55P03"


def receipt_emails_deliver(*, receipt_id: int, email_id: int | None = None) -> int:
    """Send the receipt's pending e-mail (`email_id`, else the first one); how many were sent.

    Renders the PDF first when it is missing. Failures propagate: the task retries transient
    ones and gives up on the rest with `receipt_email_give_up`.
    """
    receipt = Receipt.objects.get(pk=receipt_id)
    if not receipt.is_rendered or not receipt.pdf.storage.exists(receipt.pdf.name):
        Receipt.objects.filter(pk=receipt_id).update(pdf="", pdf_sha256="")
        receipt = receipt_render_pdf(receipt_id=receipt_id)
    emails = receipt.emails.all()
    email = (
        emails.filter(pk=email_id) if email_id else emails.filter(kind=ReceiptEmail.Kind.INITIAL)
    ).first()
    if email is None or email.state != ReceiptEmail.State.PENDING:
        return 0
    sent = _send_once(email.pk)
    if sent:
        receipt_failure_clear(receipt_id=receipt_id, stage=Stage.EMAIL)
    return int(sent)


def receipt_email_give_up(*, receipt_id: int, email_id: int | None, error: BaseException) -> None:
    """Mark the e-mail failed (if still pending) and the receipt's failure, for the admin."""
    emails = ReceiptEmail.objects.filter(receipt_id=receipt_id, state=ReceiptEmail.State.PENDING)
    if email_id:
        emails = emails.filter(pk=email_id)
    else:
        emails = emails.filter(kind=ReceiptEmail.Kind.INITIAL)
    emails.update(state=ReceiptEmail.State.FAILED, last_error=describe(error))
    receipt_failure_record(receipt_id=receipt_id, stage=Stage.EMAIL, error=error)


def _send_once(email_id: int) -> bool:
    connection = get_connection(fail_silently=False, timeout=settings.EMAIL_TIMEOUT)
    failure: Exception | None = None
    try:
        with transaction.atomic():
            email = _lock(email_id)
            if email.state != ReceiptEmail.State.PENDING:
                return False
            message = _message(email)
            email.attempts += 1
            try:
                connection.open()
                if connection.send_messages([message]) != 1:
                    raise smtplib.SMTPException("the e-mail backend sent nothing")
            except Exception as error:
                failure = error
                email.last_error = describe(error)
                email.save(update_fields=["attempts", "last_error"])
            else:
                email.state = ReceiptEmail.State.SENT
                email.sent_at = timezone.now()
                email.message_id = message.extra_headers["Message-ID"]
                email.last_error = ""
                email.save(
                    update_fields=["attempts", "state", "sent_at", "message_id", "last_error"]
                )
    finally:
        _close_quietly(connection)
    if failure is not None:
        raise failure
    return True


def _lock(email_id: int) -> ReceiptEmail:
    try:
        return (
            ReceiptEmail.objects.select_for_update(nowait=True, of=("self",))
            .select_related("receipt")
            .get(pk=email_id)
        )
    except OperationalError as error:
        if getattr(error.__cause__, "sqlstate", None) == LOCK_NOT_AVAILABLE:
            raise EmailInFlight(f"receipt e-mail {email_id} is being sent") from error
        raise


def _message(email: ReceiptEmail) -> EmailMultiAlternatives:
    receipt = email.receipt
    context = receipt_context(receipt)
    subject = f"Your receipt {receipt.number} from {settings.RECEIPT_SELLER_NAME}"
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("emails/receipt.txt", context),
        to=[email.to_email],
        headers={"Message-ID": _message_id(email)},
    )
    message.attach_alternative(render_to_string("emails/receipt.html", context), "text/html")
    message.attach(receipt.filename, receipt_pdf_bytes(receipt), "application/pdf")
    return message


def _message_id(email: ReceiptEmail) -> str:
    """Stable per e-mail row: a copy sent again carries the same id."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    return f"<receipt.{email.receipt.number}.{email.pk}@{domain}>"


def _close_quietly(connection: BaseEmailBackend) -> None:
    # The outcome is already recorded: a failed QUIT changes nothing.
    with contextlib.suppress(Exception):
        connection.close()


def receipt_email_request_resend(*, receipt: Receipt, requested_by: User | None) -> ReceiptEmail:
    """Queue the receipt's e-mail again; refused within RECEIPT_RESEND_INTERVAL_MINUTES of the
    last one requested (throttled per receipt, whoever asks)."""
    minutes = settings.RECEIPT_RESEND_INTERVAL_MINUTES
    with transaction.atomic():
        locked = Receipt.objects.select_for_update().get(pk=receipt.pk)
        since = timezone.now() - timedelta(minutes=minutes)
        if locked.emails.filter(created__gte=since).exists():
            raise ResendTooSoon(minutes)
        email = ReceiptEmail.objects.create(
            receipt=locked,
            kind=ReceiptEmail.Kind.RESEND,
            to_email=locked.buyer_email,
            requested_by=requested_by,
        )
        transaction.on_commit(
            lambda: queue.enqueue_email(receipt_id=locked.pk, email_id=email.pk), robust=True
        )
    return email
