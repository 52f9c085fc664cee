"""Reads of receipts. A learner only ever reaches their own."""

import uuid

from accounts.models import User
from receipts.models import Receipt


def receipt_get_for_owner(*, user: User, payment_id: str) -> Receipt | None:
    """The rendered receipt of the user's payment; None for a malformed id, someone else's
    payment, or a receipt not issued and rendered yet (all look the same from outside)."""
    try:
        uuid.UUID(payment_id)
    except ValueError:
        return None
    receipt = Receipt.objects.filter(payment_id=payment_id, payment__learner=user).first()
    if receipt is None or not receipt.is_rendered:
        return None
    return receipt
