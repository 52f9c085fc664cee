"""Reads of the ledger. A learner only ever sees their own payments."""

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncDate

from accounts.models import User
from courses.models import Course
from payments.models import (
    CheckoutSession,
    Payment,
    PaymentRollup,
    PaymentStatus,
    Refund,
    RefundStatus,
    SavedCard,
    StripeCustomer,
)


def payment_list_for_user(*, user: User) -> QuerySet[Payment]:
    return Payment.objects.filter(learner=user).select_related("course", "receipt")


def payment_get_for_user(*, user: User, payment_id: str) -> Payment | None:
    try:
        uuid.UUID(payment_id)
    except ValueError:
        return None  # a malformed id names no payment
    return payment_list_for_user(user=user).filter(pk=payment_id).first()


def checkout_session_get_for_user(*, user: User, session_id: str) -> CheckoutSession | None:
    """The learner's own Checkout Session by its Stripe id (anyone else's is no session)."""
    return (
        CheckoutSession.objects.filter(stripe_id=session_id, payment__learner=user)
        .exclude(stripe_id="")
        .select_related("payment__course")
        .first()
    )


def course_for_sale_by_price(*, price_id: str) -> Course | None:
    """The course whose current Stripe Price is `price_id`."""
    return (
        Course.objects.filter(active=True, stripe_price_id=price_id)
        .exclude(stripe_price_id="")
        .first()
    )


def learner_id_of_customer(*, customer_id: str) -> int | None:
    """The learner whose Stripe Customer this is, or None (no id, or not one of our learners')."""
    if not customer_id:
        return None
    owners = StripeCustomer.objects.filter(customer_id=customer_id).values_list(
        "user_id", flat=True
    )
    return owners.first()


def saved_card_list_for_user(*, user: User) -> QuerySet[SavedCard]:
    return SavedCard.objects.filter(learner=user)


def refund_list_for_payment(*, payment_id: str) -> QuerySet[Refund] | None:
    """A payment's refunds, newest first; None when there is no such payment (staff reads)."""
    try:
        uuid.UUID(payment_id)
    except ValueError:
        return None
    if not Payment.objects.filter(pk=payment_id).exists():
        return None
    return Refund.objects.filter(payment_id=payment_id)


CAPTURED_STATUSES = (
    PaymentStatus.SUCCEEDED,
    PaymentStatus.PARTIALLY_REFUNDED,
    PaymentStatus.REFUNDED,
)
"""Payments whose money was taken: what gross totals count."""


@dataclass(frozen=True)
class CurrencyTotals:
    currency: str
    count: int
    gross: int
    refunded: int
    lost_to_disputes: int

    @property
    def net(self) -> int:
        return self.gross - self.refunded - self.lost_to_disputes


def payment_totals_by_currency(*, payments: QuerySet[Payment]) -> list[CurrencyTotals]:
    """Gross, refunded, lost to disputes and net of these payments, per currency (one query)."""
    rows = (
        payments.filter(status__in=CAPTURED_STATUSES)
        .order_by()
        .values("currency")
        .annotate(
            count=Count("pk"),
            gross=Sum("amount"),
            refunded=Sum("amount_refunded"),
            lost=Sum("amount_lost_to_disputes"),
        )
        .order_by("currency")
    )
    return [
        CurrencyTotals(row["currency"], row["count"], row["gross"], row["refunded"], row["lost"])
        for row in rows
    ]


@dataclass(frozen=True)
class LedgerFilter:
    """A filter of payments that the running totals can answer: status, currency, course, and
    whole UTC days of creation (`created_from` included, `created_before` excluded)."""

    status: str = ""
    currency: str = ""
    course_id: int | None = None
    created_from: date | None = None
    created_before: date | None = None


def payment_count_and_totals(*, ledger: LedgerFilter) -> tuple[int, list[CurrencyTotals]]:
    """How many payments match, and their totals per currency, read from the running totals
    (`PaymentRollup`) rather than the payments: a few thousand rows at a million payments."""
    rows = PaymentRollup.objects.all()
    if ledger.status:
        rows = rows.filter(status=ledger.status)
    if ledger.currency:
        rows = rows.filter(currency=ledger.currency)
    if ledger.course_id is not None:
        rows = rows.filter(course_id=ledger.course_id)
    if ledger.created_from is not None:
        rows = rows.filter(day__gte=ledger.created_from)
    if ledger.created_before is not None:
        rows = rows.filter(day__lt=ledger.created_before)
    count = rows.aggregate(total=Sum("count"))["total"] or 0
    per_currency = (
        rows.filter(status__in=CAPTURED_STATUSES)
        .values("currency")
        .annotate(
            payments=Sum("count"), gross=Sum("amount"), back=Sum("refunded"), gone=Sum("lost")
        )
        .order_by("currency")
    )
    totals = [
        CurrencyTotals(r["currency"], r["payments"], r["gross"], r["back"], r["gone"])
        for r in per_currency
        if r["payments"]
    ]
    return count, totals


@dataclass(frozen=True)
class DayTotals:
    day: date
    gross: int
    refunds: int

    @property
    def net(self) -> int:
        return self.gross - self.refunds


def daily_totals_by_currency(*, days: int, today: date) -> dict[str, list[DayTotals]]:
    """Per currency, each of the last `days` days (to `today`, UTC): money taken (by payment
    time) and refunded (by the refund's settling time). Two grouped queries."""
    start = today - timedelta(days=days - 1)
    since = datetime.combine(start, time.min, tzinfo=UTC)
    taken = (
        Payment.objects.filter(status__in=CAPTURED_STATUSES, paid_at__gte=since)
        .annotate(day=TruncDate("paid_at"))
        .order_by()
        .values_list("currency", "day")
        .annotate(total=Sum("amount"))
    )
    given_back = (
        Refund.objects.filter(status=RefundStatus.SUCCEEDED, settled_at__gte=since)
        .annotate(day=TruncDate("settled_at"))
        .order_by()
        .values_list("currency", "day")
        .annotate(total=Sum("amount"))
    )
    gross = {(currency, day): total for currency, day, total in taken}
    refunds = {(currency, day): total for currency, day, total in given_back}
    currencies = sorted({currency for currency, _ in (*gross, *refunds)})
    span = [start + timedelta(days=n) for n in range(days)]
    return {
        currency: [
            DayTotals(day, gross.get((currency, day), 0), refunds.get((currency, day), 0))
            for day in span
        ]
        for currency in currencies
    }
