"""dj-stripe mirrors what the sandbox produces, as it would mirror Stripe's own objects."""

import pytest
import stripe
from djstripe import models as djstripe_models

from stripe_sandbox.testing import TEST_SECRET_KEY

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(sandbox) -> stripe.StripeClient:
    return stripe.StripeClient(TEST_SECRET_KEY, base_addresses={"api": sandbox.url})


@pytest.fixture
def paid_intent(api: stripe.StripeClient) -> stripe.PaymentIntent:
    customer = api.v1.customers.create(params={"email": "mirror@example.com"})
    return api.v1.payment_intents.create(
        params={
            "amount": 2500,
            "currency": "usd",
            "customer": customer.id,
            "payment_method": "pm_card_visa",
            "confirm": True,
            "expand": ["latest_charge.balance_transaction"],
        }
    )


def test_account_is_mirrored(api) -> None:
    account = djstripe_models.Account.sync_from_stripe_data(api.v1.accounts.retrieve_current())

    assert account.id.startswith("acct_")


def test_customer_is_mirrored(api) -> None:
    customer = api.v1.customers.create(params={"email": "a@example.com", "metadata": {"k": "v"}})

    mirrored = djstripe_models.Customer.sync_from_stripe_data(customer)

    assert (mirrored.id, mirrored.email) == (customer.id, "a@example.com")


def test_product_and_price_are_mirrored(api) -> None:
    product = api.v1.products.create(params={"name": "Course", "metadata": {"slug": "c"}})
    price = api.v1.prices.create(
        params={"product": product.id, "unit_amount": 4900, "currency": "usd"}
    )

    mirrored_product = djstripe_models.Product.sync_from_stripe_data(product)
    mirrored_price = djstripe_models.Price.sync_from_stripe_data(price)

    assert mirrored_product.name == "Course"
    assert (mirrored_price.unit_amount, mirrored_price.product_id) == (4900, product.id)


def test_payment_intent_charge_and_balance_transaction_are_mirrored(paid_intent) -> None:
    intent = djstripe_models.PaymentIntent.sync_from_stripe_data(paid_intent)
    charge = djstripe_models.Charge.sync_from_stripe_data(paid_intent.latest_charge)
    balance = djstripe_models.BalanceTransaction.sync_from_stripe_data(
        paid_intent.latest_charge.balance_transaction
    )

    assert intent.stripe_data["status"] == "succeeded"
    assert charge.payment_intent_id == paid_intent.id
    assert balance.amount == 2500


def test_payment_method_is_mirrored(api) -> None:
    customer = api.v1.customers.create(params={"email": "pm@example.com"})
    method = api.v1.payment_methods.attach("pm_card_visa", params={"customer": customer.id})

    mirrored = djstripe_models.PaymentMethod.sync_from_stripe_data(method)

    assert mirrored.customer_id == customer.id


def test_refund_is_mirrored(api, paid_intent) -> None:
    djstripe_models.Charge.sync_from_stripe_data(paid_intent.latest_charge)
    refund = api.v1.refunds.create(params={"payment_intent": paid_intent.id, "amount": 1000})

    mirrored = djstripe_models.Refund.sync_from_stripe_data(refund)

    assert (mirrored.amount, mirrored.status) == (1000, "succeeded")


def test_event_is_mirrored(api, paid_intent) -> None:
    event = api.v1.events.list(params={"type": "payment_intent.succeeded"}).data[0]

    # As a webhook delivers it: plain JSON. (dj-stripe 2.11 reads `event.request` with an
    # isinstance(dict) check that stripe 15's objects no longer pass.)
    mirrored = djstripe_models.Event.sync_from_stripe_data(event.to_dict())

    assert mirrored.type == "payment_intent.succeeded"
