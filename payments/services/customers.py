"""Stripe Customers: the learner's own, and those internal services create (service API)."""

import hashlib

from accounts.models import User
from payments.errors import GatewayKeyReused
from payments.gateway import PaymentGateway
from payments.models import ServiceCustomer, StripeCustomer


def stripe_customer_get_or_create(
    *, user: User, gateway: PaymentGateway, email: str = "", name: str = ""
) -> str:
    """The learner's Stripe Customer id, created on first use (once: the key names the user),
    with the learner's e-mail and name unless others are given for it."""
    existing = StripeCustomer.objects.filter(user=user).values_list("customer_id", flat=True)
    if customer_id := existing.first():
        return customer_id
    email, name = email or user.email, name or user.get_full_name()
    metadata = {"coursepay_user_id": str(user.pk), "djstripe_subscriber": str(user.pk)}
    key = f"coursepay-user-{user.pk}-customer"
    try:
        customer_id = gateway.customer_create(
            email=email, name=name, metadata=metadata, idempotency_key=key
        )
    except GatewayKeyReused:
        # An earlier attempt whose answer was lost made it with other details (another e-mail
        # given, or the learner's own): these get a key of their own, so the learner is not
        # refused for as long as Stripe keeps the first key (the earlier customer stays unused).
        digest = hashlib.sha256(f"{email}\n{name}".encode()).hexdigest()[:16]
        customer_id = gateway.customer_create(
            email=email, name=name, metadata=metadata, idempotency_key=f"{key}-{digest}"
        )
    row, _ = StripeCustomer.objects.get_or_create(user=user, defaults={"customer_id": customer_id})
    return row.customer_id


def service_customer_create(
    *, email: str, name: str, created_by: str, gateway: PaymentGateway
) -> ServiceCustomer:
    """A new Customer for an internal service (each call a new one, as the service API
    promises); the row is written first and names the idempotency key. When Stripe fails the
    row goes again: the caller's retry is a new call, and no customer without its Stripe id is
    left behind."""
    customer = ServiceCustomer.objects.create(email=email, name=name, created_by=created_by)
    try:
        customer.stripe_customer_id = gateway.customer_create(
            email=email,
            name=name,
            metadata={"coursepay_service_customer_id": str(customer.pk)},
            idempotency_key=f"coursepay-service-customer-{customer.pk}",
        )
    except Exception:
        ServiceCustomer.objects.filter(pk=customer.pk).delete()
        raise
    ServiceCustomer.objects.filter(pk=customer.pk).update(
        stripe_customer_id=customer.stripe_customer_id
    )
    return customer
