"""Reads of the ledger. A learner only ever sees their own payments."""

import uuid

from django.db.models import QuerySet

from accounts.models import User
from payments.models import Payment


def payment_list_for_user(*, user: User) -> QuerySet[Payment]:
    return Payment.objects.filter(learner=user).select_related("course", "receipt")


def payment_get_for_user(*, user: User, payment_id: str) -> Payment | None:
    try:
        uuid.UUID(payment_id)
    except ValueError:
        return None  # a malformed id names no payment
    return payment_list_for_user(user=user).filter(pk=payment_id).first()
