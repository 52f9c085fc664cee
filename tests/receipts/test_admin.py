"""The back office: find receipts, download them, e-mail them again (throttled), see failures."""

import pytest
from django.core import mail
from django.test import Client

from receipts import services
from receipts.models import Receipt, ReceiptEmail, ReceiptIssueFailure
from tests.factories import PaymentFactory, UserFactory
from tests.receipts.support import pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_() -> Client:
    client = Client()
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    return client


def sent_receipt(**learner_fields) -> Receipt:
    payment = PaymentFactory.create(learner=UserFactory.create(**learner_fields))
    receipt = services.receipt_issue(payment_id=payment.pk)
    services.receipt_emails_deliver(receipt_id=receipt.pk)
    return Receipt.objects.get(pk=receipt.pk)


def test_the_list_finds_a_receipt_by_number_and_by_email(admin_client_) -> None:
    wanted = sent_receipt(email="wanted@example.com")
    other = sent_receipt(email="other@example.com")

    by_number = admin_client_.get("/admin/receipts/receipt/", {"q": wanted.number}).content.decode()
    by_email = admin_client_.get("/admin/receipts/receipt/", {"q": "wanted@"}).content.decode()

    assert wanted.number in by_number
    assert other.number not in by_number
    assert wanted.number in by_email
    assert other.number not in by_email


def test_the_admin_downloads_the_pdf(admin_client_) -> None:
    receipt = sent_receipt()

    response = admin_client_.get(f"/admin/receipts/receipt/{receipt.pk}/pdf/")

    assert response.status_code == 200
    assert receipt.number in pdf_text(b"".join(response.streaming_content))


def test_a_non_staff_user_cannot_download_from_the_admin() -> None:
    receipt = sent_receipt()
    client = Client()
    client.force_login(UserFactory.create())

    response = client.get(f"/admin/receipts/receipt/{receipt.pk}/pdf/")

    assert response.status_code == 302  # to the admin login


def resend(client: Client, *receipts: Receipt):
    return client.post(
        "/admin/receipts/receipt/",
        {"action": "resend_email", "_selected_action": [r.pk for r in receipts]},
        follow=True,
    )


def test_resending_queues_a_second_email(admin_client_, django_capture_on_commit_callbacks):
    receipt = sent_receipt()
    ReceiptEmail.objects.update(created="2000-01-01T00:00Z")

    with django_capture_on_commit_callbacks(execute=True):
        response = resend(admin_client_, receipt)

    assert "E-mail queued" in response.content.decode()
    assert len(mail.outbox) == 2
    assert list(receipt.emails.values_list("kind", "state")) == [
        ("initial", "sent"),
        ("resend", "sent"),
    ]


def test_resending_twice_within_the_interval_is_refused(
    admin_client_, settings, django_capture_on_commit_callbacks
):
    settings.RECEIPT_RESEND_INTERVAL_MINUTES = 10
    receipt = sent_receipt()
    ReceiptEmail.objects.update(created="2000-01-01T00:00Z")
    with django_capture_on_commit_callbacks(execute=True):
        resend(admin_client_, receipt)

    with django_capture_on_commit_callbacks(execute=True):
        response = resend(admin_client_, receipt)

    assert "Not sent again" in response.content.decode()
    assert len(mail.outbox) == 2


def test_a_failed_receipt_shows_its_failure_in_the_list(admin_client_) -> None:
    receipt = sent_receipt()
    Receipt.objects.filter(pk=receipt.pk).update(
        failure_stage="email", failure_message="SMTPDataError: 554 rejected"
    )

    page = admin_client_.get("/admin/receipts/receipt/", {"failed": "yes"}).content.decode()

    assert receipt.number in page
    assert "email failed" in page
    assert "554 rejected" in page


def test_a_receipt_that_could_not_be_issued_is_listed(admin_client_) -> None:
    from receipts import tasks

    payment = PaymentFactory.create(status="pending")
    with pytest.raises(Exception, match="not paid"):
        tasks.issue_receipt.apply(args=(str(payment.pk),), throw=True)

    failure = ReceiptIssueFailure.objects.get()
    assert failure.payment_id == payment.pk
    page = admin_client_.get("/admin/receipts/receiptissuefailure/").content.decode()
    assert "is pending, not paid" in page
