"""Celery tasks of refunds and disputes: thin wrappers over services, enqueued on commit.

E-mail tasks retry with exponential backoff on transient failures (the mail server refusing or
unreachable); each service sends at most once (a sent-at marker claimed under a lock).
`refunds_settle_stale` runs periodically (Celery beat, `REFUND_RECHECK_AFTER_SECONDS`).
"""

from smtplib import SMTPException

from celery import shared_task

from payments.gateway import get_gateway
from payments.services import notifications
from payments.services.refunds import refunds_settle_stale
from payments.transitions import Actor

TRANSIENT = (SMTPException, ConnectionError, TimeoutError)
MAIL_TASK = {
    "autoretry_for": TRANSIENT,
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 10,
    "acks_late": True,
}


@shared_task(**MAIL_TASK)
def refund_email_learner(refund_id: str) -> bool:
    return notifications.refund_email_learner(refund_id=refund_id)


@shared_task(**MAIL_TASK)
def refund_email_admins_failure(refund_id: str) -> bool:
    return notifications.refund_email_admins_failure(refund_id=refund_id)


@shared_task(**MAIL_TASK)
def dispute_email_admins(dispute_id: int) -> bool:
    return notifications.dispute_email_admins(dispute_id=dispute_id)


@shared_task(acks_late=True)
def refunds_recheck_pending() -> int:
    """Nothing stays pending forever: re-read (or submit again) refunds Stripe left pending."""
    return refunds_settle_stale(
        gateway=get_gateway(), actor=Actor.task(name="refunds_recheck_pending")
    )
