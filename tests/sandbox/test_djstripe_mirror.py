"""dj-stripe mirrors the sandbox's refunds and disputes as it mirrors Stripe's: what its
webhook handlers do with `refund.*` and `charge.dispute.*` events."""

from __future__ import annotations

import pytest
import stripe
from djstripe import models as djstripe_models

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _djstripe_points_at_the_sandbox(sandbox, settings):
    settings.STRIPE_API_BASE = sandbox.url
    previous, stripe.api_base = stripe.api_base, sandbox.url
    yield
    stripe.api_base = previous


def pay_with(client: stripe.StripeClient, payment_method: str) -> stripe.PaymentIntent:
    return client.v1.payment_intents.create(
        {"amount": 5000, "currency": "usd", "payment_method": payment_method, "confirm": True}
    )


def test_a_dispute_and_its_balance_transactions_are_mirrored(client, control, wait_until) -> None:
    intent = pay_with(client, "pm_card_createDispute")
    control("/_sandbox/clock/advance", {"seconds": 5})
    wait_until(lambda: client.v1.disputes.list().data != [])
    dispute = client.v1.disputes.list().data[0]

    mirrored = djstripe_models.Dispute.sync_from_stripe_data(dispute)

    assert (mirrored.id, mirrored.status, mirrored.amount) == (dispute.id, "needs_response", 5000)
    assert mirrored.charge_id == intent.latest_charge
    withdrawal = dispute.balance_transactions[0]
    assert djstripe_models.BalanceTransaction.objects.filter(id=withdrawal.id).exists()


def test_a_failed_refund_is_mirrored(client, control) -> None:
    intent = pay_with(client, "pm_card_refundFail")
    refund = client.v1.refunds.create({"payment_intent": intent.id})
    control(f"/_sandbox/refunds/{refund.id}/fail", {})

    mirrored = djstripe_models.Refund.sync_from_stripe_data(client.v1.refunds.retrieve(refund.id))

    assert (mirrored.id, mirrored.status, mirrored.amount) == (refund.id, "failed", 5000)


def test_a_subscription_is_mirrored_with_its_empty_tax_rates(client) -> None:
    price = client.v1.prices.create(
        {
            "currency": "usd",
            "unit_amount": 999,
            "recurring": {"interval": "month"},
            "product_data": {"name": "Monthly"},
        }
    )
    customer = client.v1.customers.create()
    subscription = client.v1.subscriptions.create(
        {
            "customer": customer.id,
            "items": [{"price": price.id}],
            "payment_behavior": "default_incomplete",
        }
    )

    mirrored = djstripe_models.Subscription.sync_from_stripe_data(subscription)

    assert subscription.default_tax_rates == []
    assert (mirrored.id, mirrored.status) == (subscription.id, "incomplete")
