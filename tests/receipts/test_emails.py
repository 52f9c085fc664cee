"""The receipt e-mail: sent once with both bodies and the PDF; retried on transient failures;
a permanent failure is recorded, never dropped."""

import smtplib
import threading

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.db import connection, transaction

from receipts import services, tasks
from receipts.errors import EmailInFlight, ResendTooSoon, is_transient
from receipts.models import Receipt, ReceiptEmail
from tests.factories import CourseFactory, PaymentFactory, UserFactory
from tests.receipts.support import bodies, pdf_attachment, pdf_text

pytestmark = pytest.mark.django_db


def issued(**payment_fields) -> Receipt:
    payment = PaymentFactory.create(**payment_fields)
    return services.receipt_issue(payment_id=payment.pk)


def test_the_email_has_text_and_html_bodies_and_the_pdf_named_after_the_number() -> None:
    learner = UserFactory.create(name="Ada Lovelace")
    course = CourseFactory.create(title="Django for Payments", price_amount=3000, currency="jpy")
    receipt = issued(learner=learner, course=course)

    assert services.receipt_emails_deliver(receipt_id=receipt.pk) == 1

    (message,) = mail.outbox
    parsed = message.message()
    texts = bodies(parsed)
    assert "3,000 JPY" in texts["text/plain"]
    assert "Django for Payments" in texts["text/html"]
    filename, content = pdf_attachment(parsed)
    assert filename == f"{receipt.number}.pdf"
    assert "3,000 JPY" in pdf_text(content)
    assert parsed["Message-ID"].startswith(f"<receipt.{receipt.number}.")


def test_the_email_escapes_what_the_buyer_wrote_in_its_html_body() -> None:
    learner = UserFactory.create(name='<script>alert("x")</script>')
    receipt = issued(learner=learner)

    services.receipt_emails_deliver(receipt_id=receipt.pk)

    html = bodies(mail.outbox[0].message())["text/html"]
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_delivering_again_sends_nothing() -> None:
    receipt = issued()
    services.receipt_emails_deliver(receipt_id=receipt.pk)

    assert services.receipt_emails_deliver(receipt_id=receipt.pk) == 0

    assert len(mail.outbox) == 1
    email = ReceiptEmail.objects.get()
    assert (email.state, email.attempts) == ("sent", 1)


def test_the_email_renders_the_pdf_first_when_it_is_missing() -> None:
    receipt = issued()

    services.receipt_emails_deliver(receipt_id=receipt.pk)

    assert Receipt.objects.get().is_rendered
    assert len(mail.outbox) == 1


def test_a_stored_pdf_that_no_longer_matches_its_hash_is_not_sent_and_is_recorded() -> None:
    receipt = services.receipt_render_pdf(receipt_id=issued().pk)
    receipt.pdf.storage.delete(receipt.pdf.name)
    receipt.pdf.storage.save(receipt.pdf.name, ContentFile(b"%PDF-tampered"))

    with pytest.raises(Exception, match="SHA-256"):
        tasks.email_receipt.apply(args=(receipt.pk,), throw=True)

    assert mail.outbox == []
    receipt.refresh_from_db()
    assert receipt.failure_stage == "email"
    assert ReceiptEmail.objects.get().state == "failed"


def test_a_transient_smtp_failure_is_retried_and_the_email_sent_once(smtp_settings) -> None:
    receipt = issued()
    smtp_settings.fail_next("451 4.3.0 try again later")

    tasks.email_receipt.apply(args=(receipt.pk,), throw=True)

    assert len(smtp_settings.accepted) == 1
    email = ReceiptEmail.objects.get()
    assert (email.state, email.attempts) == ("sent", 2)
    assert Receipt.objects.get().failure_stage == ""


def test_a_permanent_smtp_refusal_is_recorded_on_the_receipt(smtp_settings) -> None:
    receipt = issued()
    smtp_settings.fail_next("554 5.7.1 rejected")

    with pytest.raises(Exception, match="554"):
        tasks.email_receipt.apply(args=(receipt.pk,), throw=True)

    assert smtp_settings.accepted == []
    receipt.refresh_from_db()
    assert receipt.failure_stage == "email"
    assert "554" in receipt.failure_message
    assert ReceiptEmail.objects.get().state == "failed"


def test_transient_failures_that_outlast_the_retries_are_recorded(smtp_settings, settings) -> None:
    settings.RECEIPT_MAX_RETRIES = 2
    receipt = issued()
    smtp_settings.fail_next(*["421 4.3.2 shutting down"] * 3)

    with pytest.raises(Exception, match="421"):
        tasks.email_receipt.apply(args=(receipt.pk,), throw=True)

    assert smtp_settings.accepted == []
    assert ReceiptEmail.objects.get().attempts == 3
    assert Receipt.objects.get().failure_stage == "email"


def test_an_unreachable_smtp_server_is_transient(settings) -> None:
    from tests.receipts.support import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    receipt = issued()

    with pytest.raises(ConnectionRefusedError):
        services.receipt_emails_deliver(receipt_id=receipt.pk)

    email = ReceiptEmail.objects.get()
    assert (email.state, email.attempts) == ("pending", 1)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_email_another_attempt_is_sending_is_not_sent_beside_it() -> None:
    receipt = issued()
    locked, release = threading.Event(), threading.Event()

    def hold_the_row() -> None:
        with transaction.atomic():
            ReceiptEmail.objects.select_for_update().get(receipt=receipt)
            locked.set()
            release.wait(10)
        connection.close()

    holder = threading.Thread(target=hold_the_row)
    holder.start()
    locked.wait(10)
    try:
        with pytest.raises(EmailInFlight):
            services.receipt_emails_deliver(receipt_id=receipt.pk)
    finally:
        release.set()
        holder.join()

    assert mail.outbox == []
    assert ReceiptEmail.objects.get().state == "pending"


def test_a_resend_is_queued_and_sent_as_a_second_email(settings) -> None:
    receipt = issued()
    services.receipt_emails_deliver(receipt_id=receipt.pk)
    ReceiptEmail.objects.update(created="2000-01-01T00:00Z")

    email = services.receipt_email_request_resend(receipt=receipt, requested_by=None)
    services.receipt_emails_deliver(receipt_id=receipt.pk, email_id=email.pk)

    assert len(mail.outbox) == 2
    assert ReceiptEmail.objects.filter(state="sent").count() == 2


def test_a_resend_within_the_interval_is_refused(settings) -> None:
    settings.RECEIPT_RESEND_INTERVAL_MINUTES = 10
    receipt = issued()

    with pytest.raises(ResendTooSoon):
        services.receipt_email_request_resend(receipt=receipt, requested_by=None)

    assert ReceiptEmail.objects.count() == 1


def test_an_smtp_server_that_never_answers_times_out_and_leaves_the_email_pending(
    smtp_settings, settings
) -> None:
    settings.EMAIL_TIMEOUT = 1
    receipt = issued()
    smtp_settings.stall_next()

    with pytest.raises(smtplib.SMTPServerDisconnected, match="timed out") as raised:
        services.receipt_emails_deliver(receipt_id=receipt.pk)
    smtp_settings.release()

    assert is_transient(raised.value)

    email = ReceiptEmail.objects.get()
    assert (email.state, email.attempts) == ("pending", 1)
    assert smtp_settings.accepted == []
