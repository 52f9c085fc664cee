"""Subscriptions as a mobile "create subscription" call makes them, and in Checkout."""

from __future__ import annotations

import pytest
import stripe


@pytest.fixture
def monthly_price(client) -> stripe.Price:
    return client.v1.prices.create(
        {
            "currency": "usd",
            "unit_amount": 1500,
            "recurring": {"interval": "month"},
            "product_data": {"name": "Membership"},
        }
    )


def event_types(client: stripe.StripeClient) -> list[str]:
    return [event.type for event in reversed(client.v1.events.list({"limit": 100}).data)]


def test_default_incomplete_hands_out_the_invoice_confirmation_secret(
    client, monthly_price
) -> None:
    customer = client.v1.customers.create()

    subscription = client.v1.subscriptions.create(
        {
            "customer": customer.id,
            "items": [{"price": monthly_price.id}],
            "payment_behavior": "default_incomplete",
            "payment_settings": {"save_default_payment_method": "on_subscription"},
            "expand": ["latest_invoice.confirmation_secret"],
        }
    )

    assert subscription.status == "incomplete"
    item = subscription["items"].data[0]
    assert item.price.id == monthly_price.id
    assert item.current_period_end > item.current_period_start
    invoice = subscription.latest_invoice
    assert isinstance(invoice, stripe.Invoice)
    assert (invoice.status, invoice.amount_due, invoice.billing_reason) == (
        "open",
        1500,
        "subscription_create",
    )
    assert invoice.parent is not None
    assert invoice.parent.subscription_details is not None
    assert invoice.parent.subscription_details.subscription == subscription.id
    assert invoice.confirmation_secret is not None
    assert invoice.confirmation_secret.type == "payment_intent"
    assert "_secret_" in invoice.confirmation_secret.client_secret
    assert event_types(client)[-4:-1] == [
        "invoice.created",
        "invoice.finalized",
        "payment_intent.created",
    ]
    assert "customer.subscription.created" in event_types(client)


def test_paying_the_first_invoice_activates_the_subscription(client, monthly_price) -> None:
    customer = client.v1.customers.create()
    subscription = client.v1.subscriptions.create(
        {
            "customer": customer.id,
            "items": [{"price": monthly_price.id}],
            "payment_behavior": "default_incomplete",
            "payment_settings": {"save_default_payment_method": "on_subscription"},
            "expand": ["latest_invoice.confirmation_secret"],
        }
    )
    invoice = subscription.latest_invoice
    assert isinstance(invoice, stripe.Invoice)
    assert invoice.confirmation_secret is not None
    intent_id = invoice.confirmation_secret.client_secret.split("_secret_")[0]

    client.v1.payment_intents.confirm(intent_id, {"payment_method": "pm_card_visa"})

    active = client.v1.subscriptions.retrieve(subscription.id)
    assert active.status == "active"
    assert active.default_payment_method
    paid = client.v1.invoices.retrieve(str(invoice.id), {"expand": ["payments"]})
    assert (paid.status, paid.amount_paid, paid.amount_remaining) == ("paid", 1500, 0)
    assert paid.payments is not None
    assert paid.payments.data[0]["payment"]["payment_intent"] == intent_id
    types = event_types(client)
    assert types.index("payment_intent.succeeded") < types.index("invoice.paid")
    assert types[-1] == "customer.subscription.updated"
    updated = client.v1.events.list({"type": "customer.subscription.updated"}).data[0]
    assert updated.data.previous_attributes is not None
    assert updated.data.previous_attributes["status"] == "incomplete"


def test_a_trial_expands_the_pending_setup_intent(client, monthly_price) -> None:
    customer = client.v1.customers.create()

    subscription = client.v1.subscriptions.create(
        {
            "customer": customer.id,
            "items": [{"price": monthly_price.id}],
            "trial_period_days": 7,
            "payment_behavior": "default_incomplete",
            "expand": ["pending_setup_intent"],
        }
    )

    assert subscription.status == "trialing"
    setup_intent = subscription.pending_setup_intent
    assert isinstance(setup_intent, stripe.SetupIntent)
    assert setup_intent.customer == customer.id
    assert str(setup_intent.client_secret).startswith(setup_intent.id)
    invoice = client.v1.invoices.retrieve(str(subscription.latest_invoice))
    assert (invoice.status, invoice.amount_due) == ("paid", 0)


def test_canceling_emits_deleted(client, monthly_price) -> None:
    customer = client.v1.customers.create()
    subscription = client.v1.subscriptions.create(
        {"customer": customer.id, "items": [{"price": monthly_price.id}]}
    )

    canceled = client.v1.subscriptions.cancel(subscription.id)

    assert canceled.status == "canceled"
    assert canceled.ended_at is not None
    assert event_types(client)[-1] == "customer.subscription.deleted"
    assert client.v1.subscriptions.list({"customer": customer.id}).data == []
    listed = client.v1.subscriptions.list({"customer": customer.id, "status": "all"}).data
    assert [s.id for s in listed] == [subscription.id]


def test_a_one_time_price_is_refused(client) -> None:
    customer = client.v1.customers.create()
    price = client.v1.prices.create(
        {"currency": "usd", "unit_amount": 500, "product_data": {"name": "Once"}}
    )

    with pytest.raises(stripe.InvalidRequestError):
        client.v1.subscriptions.create({"customer": customer.id, "items": [{"price": price.id}]})


def test_checkout_in_subscription_mode(client, control, monthly_price) -> None:
    session = client.v1.checkout.sessions.create(
        {
            "mode": "subscription",
            "line_items": [{"price": monthly_price.id, "quantity": 1}],
            "customer_email": "sub@example.com",
            "success_url": "https://shop.test/ok",
        }
    )

    done = control(f"/_sandbox/checkout/sessions/{session.id}/complete", {})

    assert (done["status"], done["payment_status"]) == ("complete", "paid")
    subscription = client.v1.subscriptions.retrieve(done["subscription"])
    assert subscription.status == "active"
    assert client.v1.customers.retrieve(done["customer"]).email == "sub@example.com"
    assert client.v1.invoices.list({"subscription": subscription.id}).data[0].status == "paid"


def test_checkout_in_subscription_mode_through_3ds(client, control, raw, monthly_price) -> None:
    session = client.v1.checkout.sessions.create(
        {"mode": "subscription", "line_items": [{"price": monthly_price.id, "quantity": 1}]}
    )

    pending = control(
        f"/_sandbox/checkout/sessions/{session.id}/complete",
        {"payment_method": "pm_card_authenticationRequired"},
    )
    intent = raw("GET", f"/_sandbox/checkout/sessions/{session.id}").body["payment_intent"]
    control(f"/_sandbox/payment_intents/{intent['id']}/authenticate", {"outcome": "approve"})
    done = control(f"/_sandbox/checkout/sessions/{session.id}/complete", {})

    assert pending["status"] == "open"
    assert intent["status"] == "requires_action"
    assert done["status"] == "complete"
    assert client.v1.subscriptions.retrieve(done["subscription"]).status == "active"


def create_subscription(client, price: stripe.Price, **extra) -> stripe.Subscription:
    customer = client.v1.customers.create({"email": "member@example.com"})
    return client.v1.subscriptions.create(
        {
            "customer": customer.id,
            "items": [{"price": price.id}],
            "payment_behavior": "default_incomplete",
            "payment_settings": {"save_default_payment_method": "on_subscription"},
            **extra,
        }
    )


def test_paying_through_the_stripe_js_stand_in_activates_the_subscription(
    client, control, monthly_price
) -> None:
    subscription = create_subscription(
        client, monthly_price, expand=["latest_invoice.confirmation_secret"]
    )
    invoice = subscription.latest_invoice
    assert isinstance(invoice, stripe.Invoice)
    assert invoice.confirmation_secret is not None
    secret = invoice.confirmation_secret.client_secret

    control(
        f"/_sandbox/payment_intents/{secret.split('_secret_')[0]}/confirm",
        {"client_secret": secret, "card_number": "4242 4242 4242 4242"},
    )

    active = client.v1.subscriptions.retrieve(subscription.id)
    assert active.status == "active"
    saved = client.v1.customers.payment_methods.list(str(active.customer)).data
    assert [card.id for card in saved] == [active.default_payment_method]
    types = event_types(client)
    assert {"invoice.paid", "invoice.payment_succeeded", "customer.subscription.updated"} <= set(
        types
    )


@pytest.fixture
def free_price(client) -> stripe.Price:
    return client.v1.prices.create(
        {
            "currency": "usd",
            "unit_amount": 0,
            "recurring": {"interval": "month"},
            "product_data": {"name": "Free tier"},
        }
    )


def test_nothing_due_now_hands_out_a_pending_setup_intent(client, free_price) -> None:
    subscription = create_subscription(client, free_price, expand=["pending_setup_intent"])

    assert subscription.status == "active"
    setup_intent = subscription.pending_setup_intent
    assert isinstance(setup_intent, stripe.SetupIntent)
    assert setup_intent.status == "requires_payment_method"
    invoice = client.v1.invoices.retrieve(str(subscription.latest_invoice))
    assert (invoice.status, invoice.amount_due) == ("paid", 0)


@pytest.mark.parametrize("terms", ["free", "trial"])
def test_the_pending_setup_intent_saves_the_card_as_the_default(
    client, free_price, monthly_price, terms
) -> None:
    if terms == "free":
        subscription = create_subscription(client, free_price)
    else:
        subscription = create_subscription(client, monthly_price, trial_period_days=7)
    setup_intent_id = str(subscription.pending_setup_intent)

    client.v1.setup_intents.confirm(setup_intent_id, {"payment_method": "pm_card_visa"})

    saved = client.v1.subscriptions.retrieve(subscription.id)
    card = client.v1.setup_intents.retrieve(setup_intent_id).payment_method
    assert (saved.default_payment_method, saved.pending_setup_intent) == (card, None)
    assert saved.status == ("active" if terms == "free" else "trialing")
    updated = client.v1.events.list({"type": "customer.subscription.updated"}).data[0]
    assert updated.data.object["pending_setup_intent"] is None
