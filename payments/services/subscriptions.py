"""Subscriptions to a recurring price (the mobile app, seed 001), mirrored from Stripe.

A learner subscribes only their own Customer. The idempotency key names the learner, the price
and how many of their subscriptions to it have ended, so a retry whose answer was lost gets the
same subscription back (even once its webhook has told us of it), and a request after the last
one ended a new one. What Stripe says of a subscription (its
creation, `customer.subscription.*` webhooks) is kept as Stripe says it.
"""

from datetime import UTC, datetime

from accounts.models import User
from payments.errors import ContractForbidden, ContractNotFound
from payments.gateway import PaymentGateway, SubscriptionState
from payments.models import CatalogProduct, ServiceCustomer, StripeCustomer, Subscription
from payments.selectors import learner_id_of_customer

ENDED = ("canceled", "incomplete_expired")
"""Stripe's statuses of a subscription that can never bill again."""


def subscription_start(
    *, learner: User, customer_id: str, price_id: str, gateway: PaymentGateway
) -> SubscriptionState:
    """Subscribe the learner's Customer to a recurring price of our catalog. Raises
    `ContractForbidden` for someone else's Customer, `ContractNotFound` for an unknown Customer
    or price, `GatewayUnavailable` when Stripe cannot be reached."""
    own = StripeCustomer.objects.filter(user=learner).values_list("customer_id", flat=True)
    if own.first() != customer_id:
        others = StripeCustomer.objects.filter(customer_id=customer_id).exists()
        if others or ServiceCustomer.objects.filter(stripe_customer_id=customer_id).exists():
            raise ContractForbidden("This customer is not yours.")
        raise ContractNotFound(f"There is no customer {customer_id[:64]!r}.")
    if not CatalogProduct.objects.filter(stripe_price_id=price_id).exclude(interval="").exists():
        raise ContractNotFound(f"There is no subscription price {price_id[:64]!r}.")
    ended = Subscription.objects.filter(
        stripe_customer_id=customer_id, stripe_price_id=price_id, status__in=ENDED
    )
    state = gateway.subscription_create(
        customer_id=customer_id,
        price_id=price_id,
        metadata={"coursepay_learner_id": str(learner.pk)},
        idempotency_key=f"coursepay-user-{learner.pk}-subscription-{price_id}-{ended.count()}",
    )
    subscription_record(subscription=state)
    return state


def subscription_record(*, subscription: SubscriptionState) -> Subscription:
    """Keep a subscription as Stripe now says it is (webhooks carry the current object)."""
    learner_id = learner_id_of_customer(customer_id=subscription.customer_id)
    row, _ = Subscription.objects.update_or_create(
        stripe_id=subscription.id,
        defaults={
            "learner_id": learner_id,
            "stripe_customer_id": subscription.customer_id,
            "stripe_price_id": subscription.price_id,
            "status": subscription.status,
            "cancel_at_period_end": subscription.cancel_at_period_end,
            "current_period_end": _time(subscription.current_period_end),
            "canceled_at": _time(subscription.canceled_at),
        },
    )
    return row


def _time(unix: int) -> datetime | None:
    return datetime.fromtimestamp(unix, tz=UTC) if unix else None
