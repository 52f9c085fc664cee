"""A purchase through the sandbox ends with one receipt and one e-mail (eager Celery)."""

import time

import pytest
from django.core import mail
from rest_framework.test import APIClient

from payments.models import Payment
from receipts import queue, services
from receipts.models import Receipt, ReceiptEmail
from tests.celery_worker import wait_for
from tests.factories import CourseFactory, UserFactory
from tests.receipts.support import bodies, pdf_attachment, pdf_text, succeeded_deliveries

pytestmark = pytest.mark.django_db


def buy(client: APIClient, course_slug: str):
    return client.post(
        "/api/v1/payments/",
        {"course": course_slug, "payment_method": "pm_card_visa"},
        format="json",
    )


def test_a_purchase_ends_with_one_receipt_and_one_email_carrying_its_pdf(
    sandbox, learner_client, learner, django_capture_on_commit_callbacks
) -> None:
    course = CourseFactory.create(title="Django for Payments", price_amount=4900, currency="usd")

    with django_capture_on_commit_callbacks(execute=True):
        response = buy(learner_client, course.slug)

    assert response.status_code == 201, response.json()
    receipt = Receipt.objects.get()
    assert receipt.payment_id == Payment.objects.get().pk
    assert (receipt.total_amount, receipt.currency, receipt.buyer_email) == (
        4900,
        "usd",
        learner.email,
    )
    (message,) = mail.outbox
    assert message.to == [learner.email]
    assert receipt.number in message.subject
    filename, content = pdf_attachment(message.message())
    assert filename == f"{receipt.number}.pdf"
    text = pdf_text(content)
    assert receipt.number in text
    assert "Django for Payments" in text
    assert "49.00 USD" in text
    texts = bodies(message.message())
    assert "49.00 USD" in texts["text/plain"]
    assert receipt.number in texts["text/html"]


def test_the_payment_list_and_detail_carry_the_receipt_number_and_url(
    sandbox, learner_client, django_capture_on_commit_callbacks
) -> None:
    course = CourseFactory.create()
    with django_capture_on_commit_callbacks(execute=True):
        payment_id = buy(learner_client, course.slug).json()["id"]
    receipt = Receipt.objects.get()

    listed = learner_client.get("/api/v1/payments/").json()["results"][0]
    detail = learner_client.get(f"/api/v1/payments/{payment_id}/").json()

    url = f"/api/v1/payments/{payment_id}/receipt.pdf"
    assert (listed["receipt_number"], listed["receipt_url"]) == (receipt.number, url)
    assert (detail["receipt_number"], detail["receipt_url"]) == (receipt.number, url)


def test_the_same_chain_enqueued_twice_issues_one_receipt_and_sends_one_email(
    sandbox, learner_client, django_capture_on_commit_callbacks
) -> None:
    course = CourseFactory.create()
    with django_capture_on_commit_callbacks(execute=True):
        payment_id = buy(learner_client, course.slug).json()["id"]

    queue.enqueue_receipt_chain(payment_id=payment_id)
    queue.enqueue_receipt_chain(payment_id=payment_id)

    assert Receipt.objects.count() == 1
    assert ReceiptEmail.objects.get().state == "sent"
    assert len(mail.outbox) == 1


def test_a_render_that_fails_for_good_is_recorded_and_sends_no_email(
    sandbox, learner, learner_client, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    def broken_template(*, receipt_id: int) -> None:
        raise ValueError("the receipt template is broken")

    monkeypatch.setattr(services, "receipt_render_pdf", broken_template)
    course = CourseFactory.create()

    with django_capture_on_commit_callbacks(execute=True):
        response = buy(learner_client, course.slug)

    assert response.status_code == 201  # the purchase stands; the receipt waits for the admin
    receipt = Receipt.objects.get()
    assert receipt.failure_stage == "render"
    assert "template is broken" in receipt.failure_message
    assert not ReceiptEmail.objects.filter(state="sent").exists()
    assert [m for m in mail.outbox if learner.email in m.to] == []  # the admins are told


def test_a_declined_purchase_issues_no_receipt(
    sandbox, learner_client, django_capture_on_commit_callbacks
) -> None:
    course = CourseFactory.create()

    with django_capture_on_commit_callbacks(execute=True):
        response = learner_client.post(
            "/api/v1/payments/",
            {"course": course.slug, "payment_method": "pm_card_visa_chargeDeclined"},
            format="json",
        )

    assert response.status_code == 402
    assert not Receipt.objects.exists()
    assert mail.outbox == []


def test_another_learners_purchase_shows_no_receipt_in_my_list(
    sandbox, learner_client, django_capture_on_commit_callbacks
) -> None:
    other = APIClient()
    other.force_authenticate(UserFactory.create())
    with django_capture_on_commit_callbacks(execute=True):
        buy(other, CourseFactory.create().slug)

    assert learner_client.get("/api/v1/payments/").json()["results"] == []


@pytest.mark.django_db(transaction=True)
def test_a_success_reported_by_duplicated_webhooks_sends_one_email(
    sandbox, webhooks_to_live_server
) -> None:
    sandbox.control("POST", "/_sandbox/webhooks/chaos", {"duplicate_rate": 1.0})
    learner, course = UserFactory.create(), CourseFactory.create()
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(learner)
    body = {"course": course.slug, "payment_method": "pm_card_authenticationRequired"}
    started = client.post("/api/v1/payments/", body, format="json").json()
    assert started["status"] == "requires_action"

    sandbox.control(
        "POST",
        f"/_sandbox/payment_intents/{started['stripe_payment_intent_id']}/authenticate",
        {"outcome": "approve"},
    )

    wait_for(lambda: ReceiptEmail.objects.filter(state="sent").exists(), timeout=60)
    wait_for(lambda: succeeded_deliveries(sandbox) >= 2, timeout=30)
    time.sleep(1)
    assert Receipt.objects.count() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [learner.email]
