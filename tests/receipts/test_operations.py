"""Operations: the periodic sweep for lost enqueues, and the retry/visibility system check."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from payments.models import Payment
from receipts import services, tasks
from receipts.checks import retry_delays_below_visibility_timeout
from receipts.models import Receipt, Stage
from tests.factories import PaymentFactory


@pytest.mark.django_db
def test_the_sweep_issues_receipts_a_lost_enqueue_left_behind() -> None:
    lost = PaymentFactory.create()
    recent = PaymentFactory.create()
    PaymentFactory.create(status="pending")
    Payment.objects.filter(pk=lost.pk).update(updated=timezone.now() - timedelta(hours=1))

    started = tasks.issue_missing_receipts.apply().get()

    assert started == 1
    assert list(Receipt.objects.values_list("payment_id", flat=True)) == [lost.pk]
    assert not Receipt.objects.filter(payment=recent).exists()
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_the_sweep_leaves_payments_whose_issue_failed_to_the_admin() -> None:
    payment = PaymentFactory.create()
    Payment.objects.filter(pk=payment.pk).update(updated=timezone.now() - timedelta(hours=1))
    services.receipt_issue_failure_record(payment_id=payment.pk, error=RuntimeError("boom"))

    assert services.receipt_issue_missing() == 0


@pytest.mark.django_db
def test_the_sweep_finishes_a_receipt_whose_next_step_was_lost() -> None:
    stalled = services.receipt_issue(payment_id=PaymentFactory.create().pk)
    Receipt.objects.filter(pk=stalled.pk).update(issued_at=timezone.now() - timedelta(hours=1))
    services.receipt_issue(payment_id=PaymentFactory.create().pk)  # its steps may be on their way

    started = tasks.issue_missing_receipts.apply().get()

    stalled.refresh_from_db()
    assert started == 1
    assert stalled.is_rendered
    assert stalled.emails.get().state == "sent"
    assert [m.to for m in mail.outbox] == [[stalled.buyer_email]]


@pytest.mark.django_db
def test_the_sweep_leaves_a_receipt_whose_step_failed_to_the_admin() -> None:
    failed = services.receipt_issue(payment_id=PaymentFactory.create().pk)
    Receipt.objects.filter(pk=failed.pk).update(issued_at=timezone.now() - timedelta(hours=1))
    services.receipt_failure_record(
        receipt_id=failed.pk, stage=Stage.RENDER, error=RuntimeError("broken template")
    )

    assert services.receipt_finish_stalled() == 0
    assert mail.outbox == []


@pytest.mark.parametrize(("retry_max", "errors"), [(3599, 0), (3600, 1), (7200, 1)])
def test_retry_delays_must_stay_below_the_visibility_timeout(settings, retry_max, errors) -> None:
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
    settings.RECEIPT_RETRY_MAX_SECONDS = retry_max

    assert len(retry_delays_below_visibility_timeout()) == errors


def test_every_retry_delay_is_capped_and_jittered(settings) -> None:
    settings.RECEIPT_RETRY_BASE_SECONDS = 5
    settings.RECEIPT_RETRY_MAX_SECONDS = 60

    delays = {tasks.retry_delay(retries) for retries in range(12) for _ in range(20)}

    assert max(delays) <= 60
    assert len(delays) > 10  # jittered, not a fixed schedule
