"""Receipts through a REAL Celery worker process on Redis (and PostgreSQL in CI).

Skipped without Redis (tests/celery_worker.py says why); test_purchase_flow.py and
test_emails.py cover the same behaviour with eager tasks.
"""

import re
import time

import pytest
from rest_framework.test import APIClient

from receipts import queue
from receipts.models import Receipt, ReceiptEmail
from tests.celery_worker import wait_for
from tests.factories import CourseFactory, PaymentFactory, UserFactory
from tests.receipts.support import SmtpSink, pdf_attachment, pdf_text, succeeded_deliveries

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]

FAST_RETRIES = {"RECEIPT_RETRY_BASE_SECONDS": "1", "RECEIPT_RETRY_MAX_SECONDS": "2"}


def worker_env(smtp: SmtpSink, **extra: str) -> dict[str, str]:
    return {**smtp.worker_env, **FAST_RETRIES, **extra}


def sent_emails() -> int:
    return ReceiptEmail.objects.filter(state="sent").count()


def settle(seconds: float = 1.5) -> None:
    """Leave a late duplicate the time to show up before asserting there is none."""
    time.sleep(seconds)


def test_a_purchase_through_the_sandbox_ends_with_one_receipt_and_one_email_with_its_pdf(
    sandbox, celery_worker, smtp
) -> None:
    worker = celery_worker(env=worker_env(smtp))
    learner = UserFactory.create()
    client = APIClient()
    client.force_authenticate(learner)
    course = CourseFactory.create(title="Django for Payments", price_amount=4900, currency="usd")

    body = {"course": course.slug, "payment_method": "pm_card_visa"}

    response = client.post("/api/v1/payments/", body, format="json")

    assert response.status_code == 201, response.json()
    wait_for(lambda: sent_emails() == 1, timeout=60)
    settle()
    receipt = Receipt.objects.get()
    (message,) = smtp.accepted
    assert message["To"] == learner.email
    filename, content = pdf_attachment(message)
    assert filename == f"{receipt.number}.pdf"
    text = pdf_text(content)
    assert receipt.number in text
    assert "Django for Payments" in text
    assert "49.00 USD" in text
    assert "receipts.email" in worker.log()
    payment_id = response.json()["id"]
    assert client.get(f"/api/v1/payments/{payment_id}/receipt.pdf").status_code == 200
    intruder = APIClient()
    intruder.force_authenticate(UserFactory.create())
    assert intruder.get(f"/api/v1/payments/{payment_id}/receipt.pdf").status_code == 404


def test_duplicate_chains_and_a_duplicate_email_task_send_one_email(celery_worker, smtp) -> None:
    worker = celery_worker(env=worker_env(smtp), concurrency=2)
    payment = PaymentFactory.create()

    for _ in range(3):  # the same success reported three times
        queue.enqueue_receipt_chain(payment_id=payment.pk)
    wait_for(lambda: sent_emails() == 1, timeout=60)
    email = ReceiptEmail.objects.get()
    queue.enqueue_email(receipt_id=email.receipt_id, email_id=email.pk)
    wait_for(lambda: len(re.findall(r"receipts\.email\[\S+\] succeeded", worker.log())) >= 4)
    settle()

    assert Receipt.objects.count() == 1
    assert len(smtp.accepted) == 1
    assert sent_emails() == 1


def test_a_pool_process_killed_while_the_smtp_server_answers_sends_the_email_once(
    celery_worker, smtp
) -> None:
    worker = celery_worker(env=worker_env(smtp))
    smtp.stall_next()
    payment = PaymentFactory.create()

    queue.enqueue_receipt_chain(payment_id=payment.pk)
    assert smtp.stalled.wait(60), worker.log()[-3000:]
    worker.kill_pool_process()  # SIGKILL mid-task: DATA sent, no 250 yet

    wait_for(lambda: sent_emails() == 1, timeout=60)
    smtp.release()
    settle()
    assert len(smtp.accepted) == 1
    assert smtp.dropped == 1
    assert Receipt.objects.count() == 1
    assert "WorkerLostError" in worker.log()


def test_a_whole_worker_killed_mid_task_is_finished_once_by_the_next_worker(
    celery_worker, smtp
) -> None:
    env = worker_env(
        smtp,
        CELERY_VISIBILITY_TIMEOUT="4",
        CELERY_UNACKED_RESTORE_INTERVAL="1",
        CELERY_UNACKED_RESTORE_THROTTLE="1",
    )
    first = celery_worker(env=env)
    smtp.stall_next()
    payment = PaymentFactory.create()

    queue.enqueue_receipt_chain(payment_id=payment.pk)
    assert smtp.stalled.wait(60), first.log()[-3000:]
    first.kill()  # main process and pool, SIGKILL: the message stays unacknowledged in Redis
    celery_worker(env=env)

    wait_for(lambda: sent_emails() == 1, timeout=90)
    smtp.release()
    settle()
    assert len(smtp.accepted) == 1
    assert Receipt.objects.count() == 1


def test_a_transient_smtp_failure_is_retried_by_the_worker(celery_worker, smtp) -> None:
    celery_worker(env=worker_env(smtp))
    smtp.fail_next("451 4.3.0 greylisted", "421 4.3.2 busy")
    payment = PaymentFactory.create()

    queue.enqueue_receipt_chain(payment_id=payment.pk)

    wait_for(lambda: sent_emails() == 1, timeout=60)
    assert len(smtp.accepted) == 1
    assert ReceiptEmail.objects.get().attempts == 3


def test_a_success_reported_by_duplicated_webhooks_sends_one_email_from_the_worker(
    sandbox, webhooks_to_live_server, celery_worker, smtp
) -> None:
    celery_worker(env=worker_env(smtp))
    sandbox.control("POST", "/_sandbox/webhooks/chaos", {"duplicate_rate": 1.0})
    learner, course = UserFactory.create(), CourseFactory.create()
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(learner)
    body = {"course": course.slug, "payment_method": "pm_card_authenticationRequired"}
    started = client.post("/api/v1/payments/", body, format="json").json()

    sandbox.control(
        "POST",
        f"/_sandbox/payment_intents/{started['stripe_payment_intent_id']}/authenticate",
        {"outcome": "approve"},
    )

    wait_for(lambda: sent_emails() == 1, timeout=60)
    wait_for(lambda: succeeded_deliveries(sandbox) >= 2, timeout=30)
    settle()
    assert Receipt.objects.count() == 1
    assert len(smtp.accepted) == 1
