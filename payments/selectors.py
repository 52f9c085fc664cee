"""Reads of the ledger. A learner only ever sees their own payments."""

import uuid

from django.db.models import QuerySet

from accounts.models import User
from courses.models import Course
from payments.models import CheckoutSession, Payment, SavedCard


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


def saved_card_list_for_user(*, user: User) -> QuerySet[SavedCard]:
    return SavedCard.objects.filter(learner=user)
