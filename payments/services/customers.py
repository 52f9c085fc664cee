"""The learner's Stripe Customer."""

from accounts.models import User
from payments.gateway import PaymentGateway
from payments.models import StripeCustomer


def stripe_customer_get_or_create(*, user: User, gateway: PaymentGateway) -> str:
    """The learner's Stripe Customer id, created on first use (once: the key names the user)."""
    existing = StripeCustomer.objects.filter(user=user).values_list("customer_id", flat=True)
    if customer_id := existing.first():
        return customer_id
    customer_id = gateway.customer_create(
        email=user.email,
        name=user.get_full_name(),
        metadata={"coursepay_user_id": str(user.pk), "djstripe_subscriber": str(user.pk)},
        idempotency_key=f"coursepay-user-{user.pk}-customer",
    )
    StripeCustomer.objects.get_or_create(user=user, defaults={"customer_id": customer_id})
    return customer_id
