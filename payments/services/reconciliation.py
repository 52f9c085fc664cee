"""Reconciliation: compare the ledger with Stripe, so a lost webhook is found by us, not a learner.

A run lists what Stripe has created since a point in time (PaymentIntents, Checkout Sessions,
Refunds, Disputes) and the events it failed to deliver, and hands each fact to the services
webhooks use (outcomes, checkout sessions, refunds, disputes, the inbox). What
it must not decide alone (an intent naming a payment we lack, an amount that differs, a second
intent for one payment) becomes a `ReconciliationIssue` for the admin and a log line, and is
never changed. A run makes at most `max_calls` Stripe calls and stops at the first 429 or outage,
saying it did not finish; the next run starts again from `since`.
"""

import logging
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from payments import inbox
from payments.errors import GatewayUnavailable, PaymentUnknown
from payments.gateway import CheckoutState, IntentState, Page, PaymentGateway, RefundState
from payments.models import Payment, PaymentEvent, ReconciliationIssue
from payments.services.checkout_sessions import checkout_session_record
from payments.services.disputes import dispute_record
from payments.services.outcomes import payment_id_of, payment_record_outcome
from payments.services.refunds import refund_record
from payments.transitions import Actor

logger = logging.getLogger(__name__)

RECONCILE = Actor(PaymentEvent.Source.RECONCILE, label="reconciliation")
T = TypeVar("T")


@dataclass
class ReconcileReport:
    checked: Counter[str] = field(default_factory=Counter)
    """Our objects Stripe listed, by kind: intents, sessions, refunds, disputes."""
    payments_updated: int = 0
    events_replayed: int = 0
    issues: list[str] = field(default_factory=list)
    calls: int = 0
    complete: bool = True

    def __str__(self) -> str:
        state = "complete" if self.complete else "INCOMPLETE (call budget or Stripe unavailable)"
        checked = ", ".join(f"{self.checked[kind]} {kind}" for kind in KINDS)
        return (
            f"checked {checked}; {self.payments_updated} payments updated, "
            f"{self.events_replayed} undelivered events replayed, {len(self.issues)} issues, "
            f"{self.calls} Stripe calls: {state}"
        )


KINDS = ("intents", "sessions", "refunds", "disputes")


class _BudgetSpent(Exception):
    pass


def stripe_reconcile(
    *, since: datetime, gateway: PaymentGateway, max_calls: int
) -> ReconcileReport:
    """Bring the ledger up to date with what Stripe created since `since` (see the module)."""
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
        for session in pages(gateway.checkout_session_list):
            _reconcile_session(session, report, gateway)
        for refund in pages(gateway.refund_list_since):
            _reconcile_refund(refund, report)
        for dispute in pages(gateway.dispute_list):
            if dispute_record(dispute=dispute, actor=RECONCILE) is not None:
                report.checked["disputes"] += 1
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
    report.checked["intents"] += 1
    payment = Payment.objects.filter(pk=payment_id).first()
    kind = ReconciliationIssue.Kind
    if payment is None:
        _issue(report, kind.UNKNOWN_PAYMENT, intent.id, None, _intent_detail(intent, None))
    elif (intent.amount, intent.currency) != (payment.amount, payment.currency):
        _issue(report, kind.AMOUNT_MISMATCH, intent.id, payment, _intent_detail(intent, payment))
    elif payment.stripe_payment_intent_id not in ("", intent.id):
        _issue(report, kind.TWO_INTENTS, intent.id, payment, _intent_detail(intent, payment))
    else:
        recorded = payment_record_outcome(intent=intent, actor=RECONCILE)
        if recorded is not None and recorded.status != payment.status:
            report.payments_updated += 1


def _reconcile_session(
    session: CheckoutState, report: ReconcileReport, gateway: PaymentGateway
) -> None:
    payment_id = payment_id_of(session.metadata)
    if not payment_id:
        return
    report.checked["sessions"] += 1
    before = Payment.objects.filter(pk=payment_id).values_list("status", flat=True).first()
    try:
        recorded = checkout_session_record(session=session, actor=RECONCILE, gateway=gateway)
    except PaymentUnknown:
        detail: dict[str, object] = {
            "session_status": session.status,
            "payment_status": session.payment_status,
        }
        _issue(report, ReconciliationIssue.Kind.UNKNOWN_PAYMENT, session.id, None, detail)
        return
    if recorded is not None and recorded.status != before:
        report.payments_updated += 1


def _reconcile_refund(refund: RefundState, report: ReconcileReport) -> None:
    try:
        recorded = refund_record(refund=refund, actor=RECONCILE)
    except PaymentUnknown:
        detail = {
            "refund_status": refund.status,
            "amount": refund.amount,
            "currency": refund.currency,
        }
        _issue(report, ReconciliationIssue.Kind.UNKNOWN_PAYMENT, refund.id, None, detail)
        return
    if recorded is not None:
        report.checked["refunds"] += 1


def _intent_detail(intent: IntentState, payment: Payment | None) -> dict[str, object]:
    return {
        "intent_status": intent.status,
        "intent_amount": intent.amount,
        "intent_currency": intent.currency,
        "payment_amount": payment.amount if payment else None,
        "payment_currency": payment.currency if payment else None,
        "payment_intent_on_payment": payment.stripe_payment_intent_id if payment else None,
    }


def _issue(
    report: ReconcileReport,
    kind: ReconciliationIssue.Kind,
    object_id: str,
    payment: Payment | None,
    detail: dict[str, object],
) -> None:
    ReconciliationIssue.objects.update_or_create(
        kind=kind,
        stripe_object_id=object_id,
        defaults={"payment": payment, "detail": detail},
    )
    report.issues.append(f"{kind}: {object_id}")
    payment_id = payment.pk if payment else None
    logger.error("Reconciliation: %s for %s (payment %s)", kind.label, object_id, payment_id)
