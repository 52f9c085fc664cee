"""Periodic and background work of payments, run by Celery workers (and beat)."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from payments.gateway import get_gateway
from payments.services.reconciliation import stripe_reconcile


@shared_task(name="payments.stripe_reconcile", ignore_result=True)
def stripe_reconcile_task() -> str:
    """Compare the last `RECONCILE_WINDOW_HOURS` of Stripe with the ledger."""
    since = timezone.now() - timedelta(hours=settings.RECONCILE_WINDOW_HOURS)
    report = stripe_reconcile(
        since=since, gateway=get_gateway(), max_calls=settings.RECONCILE_MAX_CALLS
    )
    return str(report)
