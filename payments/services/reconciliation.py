"""Reconciliation: compare the ledger with Stripe, so a lost webhook is found by us, not a learner.

A run lists what Stripe has created since a point in time (PaymentIntents) and the events it
failed to deliver, and hands each fact to the services webhooks use (`outcomes`, the inbox). What
it must not decide alone (an intent naming a payment we lack, an amount that differs, a second
intent for one payment) becomes a `ReconciliationIssue` for the admin and a log line, and is
never changed. A run makes at most `max_calls` Stripe calls and stops at the first 429 or outage,
saying it did not finish; the next run starts again from `since`.
"""

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from payments import inbox
from payments.errors import GatewayUnavailable
from payments.gateway import IntentState, Page, PaymentGateway
from payments.models import Payment, PaymentEvent, ReconciliationIssue
from payments.services.outcomes import payment_id_of, payment_record_outcome
from payments.transitions import Actor

logger = logging.getLogger(__name__)

RECONCILE = Actor(PaymentEvent.Source.RECONCILE, label="reconciliation")
T = TypeVar("T")


@dataclass
class ReconcileReport:
    intents_checked: int = 0
    payments_updated: int = 0
    events_replayed: int = 0
    issues: list[str] = field(default_factory=list)
    calls: int = 0
    complete: bool = True

    def __str__(self) -> str:
        state = "complete" if self.complete else "INCOMPLETE (call budget or Stripe unavailable)"
        return (
            f"{self.intents_checked} intents checked, {self.payments_updated} payments updated, "
            f"{self.events_replayed} undelivered events replayed, {len(self.issues)} issues, "
            f"{self.calls} Stripe calls: {state}"
        )


class _BudgetSpent(Exception):
    pass


def stripe_reconcile(
    *, since: datetime, gateway: PaymentGateway, max_calls: int
) -> ReconcileReport:
    report = ReconcileReport()
    created_since = int(since.timestamp())

    def pages(list_page: Callable[..., Page[T]]) -> Iterator[T]:
        after = ""
        while True:
            if report.calls >= max_calls:
                raise _BudgetSpent()
            report.calls += 1
            page = list_page(created_since=created_since, starting_after=after)
            yield from page.items
            if not page.has_more or not page.items:
                return
            after = page.after

    try:
        for intent in pages(gateway.payment_intent_list):
            _reconcile_intent(intent, report)
        for event in pages(gateway.event_list_undelivered):
            if inbox.inbox_store_trusted(event=event.body):
                report.events_replayed += 1
    except (_BudgetSpent, GatewayUnavailable) as stop:
        report.complete = False
        logger.warning("Reconciliation stopped early (%s): %s", type(stop).__name__, report)
    logger.info("Reconciliation since %s: %s", since.isoformat(), report)
    return report


def _reconcile_intent(intent: IntentState, report: ReconcileReport) -> None:
    payment_id = payment_id_of(intent.metadata)
    if not payment_id:
        return  # not one of ours
    report.intents_checked += 1
    payment = Payment.objects.filter(pk=payment_id).first()
    if payment is None:
        _issue(report, ReconciliationIssue.Kind.UNKNOWN_PAYMENT, intent, None)
    elif (intent.amount, intent.currency) != (payment.amount, payment.currency):
        _issue(report, ReconciliationIssue.Kind.AMOUNT_MISMATCH, intent, payment)
    elif payment.stripe_payment_intent_id not in ("", intent.id):
        _issue(report, ReconciliationIssue.Kind.TWO_INTENTS, intent, payment)
    else:
        recorded = payment_record_outcome(intent=intent, actor=RECONCILE)
        if recorded is not None and recorded.status != payment.status:
            report.payments_updated += 1


def _issue(
    report: ReconcileReport,
    kind: ReconciliationIssue.Kind,
    intent: IntentState,
    payment: Payment | None,
) -> None:
    detail = {
        "intent_status": intent.status,
        "intent_amount": intent.amount,
        "intent_currency": intent.currency,
        "payment_amount": payment.amount if payment else None,
        "payment_currency": payment.currency if payment else None,
        "payment_intent_on_payment": payment.stripe_payment_intent_id if payment else None,
    }
    ReconciliationIssue.objects.update_or_create(
        kind=kind,
        stripe_object_id=intent.id,
        defaults={"payment": payment, "detail": detail},
    )
    report.issues.append(f"{kind}: {intent.id}")
    logger.error(
        "Reconciliation: %s for %s (payment %s)", kind.label, intent.id, payment and payment.pk
    )
