"""Starting receipt work on the task queue, by task name (services never import the tasks).

Callers run these in `transaction.on_commit`: a worker must find the rows it is sent for.
"""

import uuid

from celery import chain, signature

ISSUE = "receipts.issue"
RENDER = "receipts.render"
EMAIL = "receipts.email"


def enqueue_receipt_chain(*, payment_id: uuid.UUID | str) -> None:
    """issue -> render -> e-mail; each step passes the receipt id to the next."""
    chain(
        signature(ISSUE, kwargs={"payment_id": str(payment_id)}),
        signature(RENDER),
        signature(EMAIL),
    ).apply_async()


def enqueue_email(*, receipt_id: int, email_id: int) -> None:
    signature(EMAIL, args=(receipt_id,), kwargs={"email_id": email_id}).apply_async()
