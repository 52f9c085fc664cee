"""Celery tasks for receipts: issue -> render -> e-mail, each idempotent and late-acknowledged.

A transient failure (SMTP 4xx or a lost connection, storage I/O, the database) is retried with
exponential back-off and full jitter, every delay capped at RECEIPT_RETRY_MAX_SECONDS, below the
broker's visibility timeout (receipts.checks holds it). Anything else, or a transient failure
that outlasts RECEIPT_MAX_RETRIES, is recorded where the admin shows it and re-raised, which
stops the chain: each step sends the next only once it has succeeded (`receipts.queue`).
"""

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from celery import Task, shared_task
from celery.signals import worker_process_init
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings

from config import metrics
from receipts import queue, services
from receipts.errors import is_transient
from receipts.models import Stage
from receipts.queue import EMAIL, ISSUE, RENDER

logger = logging.getLogger(__name__)
T = TypeVar("T")

TASK_OPTIONS: dict[str, Any] = {
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "max_retries": None,  # counted against RECEIPT_MAX_RETRIES, read at run time
}


def retry_delay(retries: int) -> float:
    """Seconds before retry number `retries + 1`: exponential, full jitter, capped."""
    return float(
        get_exponential_backoff_interval(
            factor=settings.RECEIPT_RETRY_BASE_SECONDS,
            retries=retries,
            maximum=settings.RECEIPT_RETRY_MAX_SECONDS,
            full_jitter=True,
        )
    )


def _run(task: Task, work: Callable[[], T], on_give_up: Callable[[Exception], None]) -> T:
    attempt = task.request.retries or 0
    while True:
        try:
            return work()
        except Exception as error:
            if not is_transient(error) or attempt >= settings.RECEIPT_MAX_RETRIES:
                logger.exception("%s failed for good", task.name)
                on_give_up(error)
                raise
            delay = retry_delay(attempt)
            logger.warning("%s: %r, retry %d in %.1fs", task.name, error, attempt + 1, delay)
            if not task.request.is_eager:
                raise task.retry(exc=error, countdown=delay) from error
            # Eager (development, tests): no broker to schedule a retry on; try again now.
            attempt += 1


@shared_task(name=ISSUE, **TASK_OPTIONS)
def issue_receipt(self: Task, payment_id: str) -> int:
    receipt_id = _run(
        self,
        lambda: services.receipt_issue(payment_id=payment_id).pk,
        lambda error: services.receipt_issue_failure_record(payment_id=payment_id, error=error),
    )
    queue.enqueue_render(receipt_id=receipt_id)
    return receipt_id


@shared_task(name=RENDER, **TASK_OPTIONS)
def render_receipt(self: Task, receipt_id: int) -> int:
    _run(
        self,
        lambda: services.receipt_render_pdf(receipt_id=receipt_id).pk,
        lambda error: services.receipt_failure_record(
            receipt_id=receipt_id, stage=Stage.RENDER, error=error
        ),
    )
    queue.enqueue_email(receipt_id=receipt_id)
    return receipt_id


@shared_task(name=EMAIL, **TASK_OPTIONS)
def email_receipt(self: Task, receipt_id: int, email_id: int | None = None) -> int:
    sent = _run(
        self,
        lambda: services.receipt_emails_deliver(receipt_id=receipt_id, email_id=email_id),
        lambda error: services.receipt_email_give_up(
            receipt_id=receipt_id, email_id=email_id, error=error
        ),
    )
    metrics.RECEIPTS_SENT.inc(sent)
    return sent


@shared_task(name="receipts.issue_missing", acks_late=True)
def issue_missing_receipts() -> int:
    """Periodic (beat): start the chain for paid payments a lost enqueue left without a
    receipt, and finish the receipts whose next step's message was lost. Returns how many."""
    return services.receipt_issue_missing() + services.receipt_finish_stalled()


@worker_process_init.connect
def _warm_up_renderer(**kwargs: Any) -> None:
    """Each pool process loads WeasyPrint, fonts and stylesheets before its first task."""
    from receipts import pdf

    pdf.warm_up()
