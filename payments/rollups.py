"""Running totals of the ledger, kept as it changes (see `PaymentRollup`).

`rollup_add(payment)` counts a new payment in; `rollup_track(payment)` brackets every later write
of its status or amounts: it takes the payment's bucket and amounts before, and on leaving moves
them to where the payment is after. One upsert per bucket touched, in the caller's transaction.
`payment_rollups_rebuild()` recomputes everything from the ledger (after bulk loads, or to check
the running totals).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.db import connection, transaction

from payments.models import Payment, PaymentRollup

UPSERT = """
INSERT INTO payments_paymentrollup (day, currency, course_id, status, count, amount, refunded, lost)
VALUES {values}
ON CONFLICT (day, currency, course_id, status) DO UPDATE SET
    count = payments_paymentrollup.count + EXCLUDED.count,
    amount = payments_paymentrollup.amount + EXCLUDED.amount,
    refunded = payments_paymentrollup.refunded + EXCLUDED.refunded,
    lost = payments_paymentrollup.lost + EXCLUDED.lost
"""
REBUILD = """
INSERT INTO payments_paymentrollup (day, currency, course_id, status, count, amount, refunded, lost)
SELECT {day}, currency, COALESCE(course_id, 0), status, COUNT(*), SUM(amount), SUM(amount_refunded),
       SUM(amount_lost_to_disputes)
FROM payments_payment GROUP BY 1, 2, 3, 4
"""
DAY = {"postgresql": "(created AT TIME ZONE 'UTC')::date", "sqlite": "date(created)"}


@dataclass(frozen=True)
class _Share:
    """What one payment adds to its bucket."""

    bucket: tuple[object, str, int, str]
    amount: int
    refunded: int
    lost: int


def _share(payment: Payment) -> _Share:
    day = payment.created.astimezone(UTC).date()
    return _Share(
        (day, payment.currency, payment.course_id or 0, payment.status),
        payment.amount,
        payment.amount_refunded,
        payment.amount_lost_to_disputes,
    )


def rollup_add(payment: Payment) -> None:
    """Count a payment just created in."""
    share = _share(payment)
    _upsert([(*share.bucket, 1, share.amount, share.refunded, share.lost)])


@contextmanager
def rollup_track(payment: Payment) -> Iterator[None]:
    """Move the payment's share of the totals to where it is once the block has changed it."""
    before = _share(payment)
    yield
    after = _share(payment)
    if before == after:
        return
    if before.bucket == after.bucket:  # only amounts moved: one row, one change
        _upsert(
            [
                (
                    *after.bucket,
                    0,
                    after.amount - before.amount,
                    after.refunded - before.refunded,
                    after.lost - before.lost,
                )
            ]
        )
        return
    _upsert(
        [
            (*before.bucket, -1, -before.amount, -before.refunded, -before.lost),
            (*after.bucket, 1, after.amount, after.refunded, after.lost),
        ]
    )


def _upsert(rows: list[tuple[Any, ...]]) -> None:
    """One statement: each row is a distinct bucket."""
    values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s)"] * len(rows))
    with connection.cursor() as cursor:
        cursor.execute(UPSERT.format(values=values), [value for row in rows for value in row])


def payment_rollups_rebuild() -> int:
    """Recompute every total from the ledger; returns how many buckets there are."""
    with transaction.atomic():
        PaymentRollup.objects.all().delete()
        with connection.cursor() as cursor:
            cursor.execute(REBUILD.format(day=DAY[connection.vendor]))
        return PaymentRollup.objects.count()
