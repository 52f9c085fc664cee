"""Permanent failures are written where the admin shows them; none is dropped silently."""

import uuid

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from payments.models import Payment
from receipts.models import Receipt, ReceiptIssueFailure, Stage

MESSAGE_LIMIT = 2000


def describe(error: BaseException) -> str:
    """The error's class and message, bounded (no traceback: it goes to the log)."""
    return f"{type(error).__name__}: {error}"[:MESSAGE_LIMIT]


def receipt_failure_record(*, receipt_id: int, stage: Stage, error: BaseException) -> None:
    Receipt.objects.filter(pk=receipt_id).update(
        failure_stage=stage, failure_message=describe(error), failed_at=timezone.now()
    )


def receipt_failure_clear(*, receipt_id: int, stage: Stage) -> None:
    Receipt.objects.filter(pk=receipt_id, failure_stage=stage).update(
        failure_stage="", failure_message="", failed_at=None
    )


def receipt_issue_failure_record(*, payment_id: uuid.UUID | str, error: BaseException) -> None:
    now = timezone.now()
    with transaction.atomic():
        updated = ReceiptIssueFailure.objects.filter(payment_id=payment_id).update(
            message=describe(error), attempts=F("attempts") + 1, last_failed_at=now
        )
        if not updated and Payment.objects.filter(pk=payment_id).exists():
            ReceiptIssueFailure.objects.create(
                payment_id=payment_id, message=describe(error), last_failed_at=now
            )
