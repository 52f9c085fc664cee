"""The payment state machine, in one place.

    pending -> requires_action -> processing -> succeeded -> partially_refunded -> refunded
    pending | requires_action | failed | processing -> failed | canceled

`failed` is a declined attempt, not an end: the learner may try another card on the same
PaymentIntent, so a later attempt can still take it to requires_action, processing or succeeded.
Nothing ever leaves succeeded except a refund, and nothing leaves refunded or canceled: an older
or duplicated event can therefore never move a payment back.
"""

from payments.gateway import IntentState
from payments.models import PaymentStatus as S

ALLOWED: dict[str, frozenset[str]] = {
    S.PENDING: frozenset({S.REQUIRES_ACTION, S.PROCESSING, S.SUCCEEDED, S.FAILED, S.CANCELED}),
    S.REQUIRES_ACTION: frozenset({S.PROCESSING, S.SUCCEEDED, S.FAILED, S.CANCELED}),
    S.FAILED: frozenset({S.REQUIRES_ACTION, S.PROCESSING, S.SUCCEEDED, S.FAILED, S.CANCELED}),
    S.PROCESSING: frozenset({S.SUCCEEDED, S.FAILED, S.CANCELED}),
    S.SUCCEEDED: frozenset({S.PARTIALLY_REFUNDED, S.REFUNDED}),
    S.PARTIALLY_REFUNDED: frozenset({S.PARTIALLY_REFUNDED, S.REFUNDED}),
    S.REFUNDED: frozenset(),
    S.CANCELED: frozenset(),
}


def can_move(current: str, new: str) -> bool:
    return new in ALLOWED[current]


def status_of(intent: IntentState) -> S:
    """Our status for a PaymentIntent as Stripe reports it."""
    match intent.status:
        case "succeeded":
            return S.SUCCEEDED
        case "processing":
            return S.PROCESSING
        case "requires_action":
            return S.REQUIRES_ACTION
        case "canceled":
            return S.CANCELED
        case "requires_payment_method" if intent.failure_code:
            return S.FAILED
        case _:
            return S.PENDING
