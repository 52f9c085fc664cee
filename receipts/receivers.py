"""A payment's first success starts its receipt, once its transaction has committed."""

import uuid
from typing import Any

from django.conf import settings
from django.db import transaction

from receipts import queue


def start_receipt_on_success(sender: Any, payment_id: uuid.UUID, **kwargs: Any) -> None:
    if not settings.RECEIPTS_ON_PAYMENT_SUCCESS:
        return
    # robust: a broker that is down must not fail the payment's response; the periodic
    # `receipts.issue_missing` finds the payment later.
    transaction.on_commit(lambda: queue.enqueue_receipt_chain(payment_id=payment_id), robust=True)
