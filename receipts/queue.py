"""Starting receipt work on the task queue, by task name (services never import the tasks).

A receipt takes three steps, issue -> render -> e-mail, each a task that sends the next one once
it has succeeded (`receipts.tasks`): one small message per step rather than a Celery canvas
chain, whose building cost a quarter of the enqueue, and the first enqueue runs in every paid
purchase's request.

Callers run these in `transaction.on_commit`: a worker must find the rows it is sent for.
"""

import uuid

from celery import signature

ISSUE = "receipts.issue"
RENDER = "receipts.render"
EMAIL = "receipts.email"


def enqueue_receipt_chain(*, payment_id: uuid.UUID | str) -> None:
    """issue -> render -> e-mail, from the first step."""
    signature(ISSUE, kwargs={"payment_id": str(payment_id)}).apply_async()


def enqueue_render(*, receipt_id: int) -> None:
    signature(RENDER, args=(receipt_id,)).apply_async()


def enqueue_email(*, receipt_id: int, email_id: int | None = None) -> None:
    signature(EMAIL, args=(receipt_id,), kwargs={"email_id": email_id}).apply_async()
