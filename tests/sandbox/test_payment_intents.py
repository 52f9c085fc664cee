"""The PaymentIntent lifecycle beyond the test cards."""

import pytest
import stripe

from tests.sandbox.support import error_of


def test_create_without_payment_method_requires_one(client) -> None:
    intent = client.v1.payment_intents.create({"amount": 1000, "currency": "usd"})

    assert intent.id.startswith("pi_")
    assert intent.status == "requires_payment_method"
    assert intent.client_secret.startswith(f"{intent.id}_secret_")


def test_automatic_payment_methods_are_on_by_default(client) -> None:
    intent = client.v1.payment_intents.create({"amount": 1000, "currency": "usd"})

    assert intent.automatic_payment_methods.enabled is True


def test_create_with_a_payment_method_requires_confirmation(client) -> None:
    intent = client.v1.payment_intents.create(
        {"amount": 1000, "currency": "usd", "payment_method": "pm_card_visa"}
    )

    assert intent.status == "requires_confirmation"


def test_confirm_with_a_payment_method_succeeds(client) -> None:
    intent = client.v1.payment_intents.create({"amount": 1000, "currency": "usd"})

    confirmed = client.v1.payment_intents.confirm(intent.id, {"payment_method": "pm_card_visa"})

    assert confirmed.status == "succeeded"


def test_confirm_without_a_payment_method_is_refused(client) -> None:
    intent = client.v1.payment_intents.create({"amount": 1000, "currency": "usd"})

    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.payment_intents.confirm(intent.id)

    assert raised.value.code == "payment_intent_unexpected_state"


def test_a_retry_after_a_decline_can_succeed(client) -> None:
    with pytest.raises(stripe.CardError) as raised:
        client.v1.payment_intents.create(
            {
                "amount": 1000,
                "currency": "usd",
                "payment_method": "pm_card_visa_chargeDeclined",
                "confirm": True,
            }
        )

    retried = client.v1.payment_intents.confirm(
        error_of(raised.value)["payment_intent"]["id"], {"payment_method": "pm_card_visa"}
    )

    assert retried.status == "succeeded"
    assert retried.last_payment_error is None


def test_update_changes_amount_and_metadata(client) -> None:
    intent = client.v1.payment_intents.create({"amount": 1000, "currency": "usd"})

    updated = client.v1.payment_intents.update(
        intent.id, {"amount": 2500, "metadata": {"order": "9"}}
    )

    assert (updated.amount, updated.metadata.to_dict()) == (2500, {"order": "9"})


def test_a_succeeded_intent_cannot_be_updated(client) -> None:
    intent = client.v1.payment_intents.create(
        {"amount": 1000, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
    )

    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.payment_intents.update(intent.id, {"amount": 5})

    assert raised.value.code == "payment_intent_unexpected_state"


def test_an_amount_under_fifty_cents_is_refused(client) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.payment_intents.create({"amount": 10, "currency": "usd"})

    assert (raised.value.code, raised.value.param) == ("amount_too_small", "amount")


def test_cancel_sets_canceled_with_the_reason(client) -> None:
    intent = client.v1.payment_intents.create({"amount": 1000, "currency": "usd"})

    canceled = client.v1.payment_intents.cancel(
        intent.id, {"cancellation_reason": "requested_by_customer"}
    )

    assert canceled.status == "canceled"
    assert canceled.cancellation_reason == "requested_by_customer"
    assert isinstance(canceled.canceled_at, int)


def test_a_succeeded_intent_cannot_be_canceled(client) -> None:
    intent = client.v1.payment_intents.create(
        {"amount": 1000, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
    )

    with pytest.raises(stripe.InvalidRequestError):
        client.v1.payment_intents.cancel(intent.id)


def test_manual_capture_waits_then_captures(client) -> None:
    intent = client.v1.payment_intents.create(
        {
            "amount": 4000,
            "currency": "usd",
            "payment_method": "pm_card_visa",
            "confirm": True,
            "capture_method": "manual",
        }
    )

    captured = client.v1.payment_intents.capture(intent.id, {"amount_to_capture": 3000})

    assert (intent.status, intent.amount_capturable) == ("requires_capture", 4000)
    assert (captured.status, captured.amount_received) == ("succeeded", 3000)


def test_list_filters_by_customer(client) -> None:
    customer = client.v1.customers.create()
    wanted = client.v1.payment_intents.create(
        {"amount": 1000, "currency": "usd", "customer": customer.id}
    )
    client.v1.payment_intents.create({"amount": 1000, "currency": "usd"})

    found = client.v1.payment_intents.list({"customer": customer.id})

    assert [i.id for i in found.data] == [wanted.id]


def test_success_writes_a_charge_and_its_balance_transaction(client) -> None:
    intent = client.v1.payment_intents.create(
        {"amount": 10000, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
    )

    charge = client.v1.charges.retrieve(intent.latest_charge, {"expand": ["balance_transaction"]})

    assert (charge.status, charge.paid, charge.captured, charge.amount) == (
        "succeeded",
        True,
        True,
        10000,
    )
    assert charge.balance_transaction.fee == 320
    assert charge.balance_transaction.net == 9680


def test_charges_list_by_payment_intent(client) -> None:
    intent = client.v1.payment_intents.create(
        {"amount": 1000, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
    )

    found = client.v1.charges.list({"payment_intent": intent.id})

    assert [c.id for c in found.data] == [intent.latest_charge]


def test_balance_transactions_list_by_source(client) -> None:
    intent = client.v1.payment_intents.create(
        {"amount": 1000, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
    )

    found = client.v1.balance_transactions.list({"source": intent.latest_charge})

    assert [t.type for t in found.data] == ["charge"]


def test_list_filters_by_created_range_and_customer(client, control) -> None:
    customer = client.v1.customers.create()
    before = client.v1.payment_intents.create(
        {"amount": 1000, "currency": "usd", "customer": customer.id}
    )
    now = control("/_sandbox/clock/advance", {"seconds": 100})["now"]
    later = client.v1.payment_intents.create(
        {"amount": 1000, "currency": "usd", "customer": customer.id}
    )
    client.v1.payment_intents.create({"amount": 1000, "currency": "usd"})

    since = client.v1.payment_intents.list({"customer": customer.id, "created": {"gte": now}})
    until = client.v1.payment_intents.list({"customer": customer.id, "created": {"lt": now}})

    assert [i.id for i in since.data] == [later.id]
    assert [i.id for i in until.data] == [before.id]
