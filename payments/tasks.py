"""Celery tasks of payments: thin wrappers over services, enqueued on commit or run by beat.

E-mail tasks retry with exponential backoff on transient failures (the mail server refusing or
unreachable); each service sends at most once (a sent-at marker claimed under a lock).
`refunds_recheck_pending` and `stripe_reconcile` run periodically (Celery beat).
"""

from datetime import timedelta
from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from payments.gateway import get_gateway
from payments.services import notifications
from payments.services.reconciliation import stripe_reconcile
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


@shared_task(name="payments.stripe_reconcile", ignore_result=True)
def stripe_reconcile_task() -> str:
    """Compare the last `RECONCILE_WINDOW_HOURS` of Stripe with the ledger."""
    since = timezone.now() - timedelta(hours=settings.RECONCILE_WINDOW_HOURS)
    report = stripe_reconcile(
        since=since, gateway=get_gateway(), max_calls=settings.RECONCILE_MAX_CALLS
    )
    return str(report)
