"""SetupIntents save cards for later; Checkout in setup mode uses them."""

from __future__ import annotations

import pytest
import stripe

from tests.sandbox.support import error_of


def event_types(client: stripe.StripeClient) -> list[str]:
    return [event.type for event in reversed(client.v1.events.list({"limit": 100}).data)]


def test_a_setup_intent_saves_a_card_to_the_customer(client) -> None:
    customer = client.v1.customers.create()
    intent = client.v1.setup_intents.create({"customer": customer.id, "usage": "off_session"})

    assert (intent.object, intent.status, intent.usage) == (
        "setup_intent",
        "requires_payment_method",
        "off_session",
    )
    assert intent.client_secret.startswith(f"{intent.id}_secret_")

    confirmed = client.v1.setup_intents.confirm(intent.id, {"payment_method": "pm_card_visa"})

    assert confirmed.status == "succeeded"
    saved = client.v1.payment_methods.retrieve(str(confirmed.payment_method))
    assert saved.customer == customer.id
    types = event_types(client)
    assert types.index("payment_method.attached") < types.index("setup_intent.succeeded")
    assert client.v1.setup_intents.retrieve(intent.id).status == "succeeded"


def test_a_card_saved_after_3ds_then_pays_off_session(client, control) -> None:
    customer = client.v1.customers.create()
    intent = client.v1.setup_intents.create(
        {"customer": customer.id, "payment_method": "pm_card_authenticationRequiredOnSetup"}
    )
    assert intent.status == "requires_confirmation"
    pending = client.v1.setup_intents.confirm(intent.id)
    assert pending.status == "requires_action"
    control(f"/_sandbox/setup_intents/{intent.id}/authenticate", {"outcome": "approve"})

    paid = client.v1.payment_intents.create(
        {
            "amount": 1000,
            "currency": "usd",
            "customer": customer.id,
            "payment_method": str(pending.payment_method),
            "off_session": True,
            "confirm": True,
        }
    )

    assert paid.status == "succeeded"


def test_a_declining_card_fails_the_setup(client) -> None:
    customer = client.v1.customers.create()
    intent = client.v1.setup_intents.create({"customer": customer.id})

    with pytest.raises(stripe.CardError) as raised:
        client.v1.setup_intents.confirm(
            intent.id, {"payment_method": "pm_card_visa_chargeDeclined"}
        )

    assert error_of(raised.value)["setup_intent"]["id"] == intent.id
    failed = client.v1.setup_intents.retrieve(intent.id)
    assert failed.status == "requires_payment_method"
    assert failed.last_setup_error is not None
    assert failed.last_setup_error.decline_code == "generic_decline"
    assert "setup_intent.setup_failed" in event_types(client)


def test_3ds_on_setup_is_answered_through_the_control_api(client, control) -> None:
    customer = client.v1.customers.create()
    intent = client.v1.setup_intents.create(
        {
            "customer": customer.id,
            "payment_method": "pm_card_authenticationRequired",
            "confirm": True,
            "return_url": "https://shop.test/saved",
        }
    )
    assert intent.status == "requires_action"
    assert intent.next_action is not None
    assert intent.next_action.redirect_to_url is not None
    assert intent.next_action.redirect_to_url.url.endswith(
        f"/setup_intents/{intent.id}/authenticate"
    )

    approved = control(f"/_sandbox/setup_intents/{intent.id}/authenticate", {"outcome": "approve"})

    assert approved["status"] == "succeeded"


def test_a_failed_3ds_on_setup_records_the_error(client, control) -> None:
    intent = client.v1.setup_intents.create(
        {"payment_method": "pm_card_authenticationRequired", "confirm": True}
    )

    failed = control(f"/_sandbox/setup_intents/{intent.id}/authenticate", {"outcome": "fail"})

    assert failed["status"] == "requires_payment_method"
    assert failed["last_setup_error"]["code"] == "setup_intent_authentication_failure"


def test_cancel_and_the_state_check(client) -> None:
    intent = client.v1.setup_intents.create()

    canceled = client.v1.setup_intents.cancel(intent.id)

    assert canceled.status == "canceled"
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.setup_intents.confirm(intent.id, {"payment_method": "pm_card_visa"})
    assert raised.value.code == "setup_intent_unexpected_state"


def test_list_by_customer(client) -> None:
    customer = client.v1.customers.create()
    mine = client.v1.setup_intents.create({"customer": customer.id})
    client.v1.setup_intents.create()

    assert [i.id for i in client.v1.setup_intents.list({"customer": customer.id}).data] == [mine.id]


def test_checkout_in_setup_mode_saves_a_card(client, control) -> None:
    customer = client.v1.customers.create()
    session = client.v1.checkout.sessions.create(
        {
            "mode": "setup",
            "customer": customer.id,
            "currency": "usd",
            "success_url": "https://shop.test/ok",
        }
    )
    assert session.payment_status == "no_payment_required"

    done = control(f"/_sandbox/checkout/sessions/{session.id}/complete", {})

    assert done["status"] == "complete"
    setup_intent = client.v1.setup_intents.retrieve(done["setup_intent"])
    assert setup_intent.status == "succeeded"
    methods = client.v1.customers.payment_methods.list(customer.id).data
    assert [m.id for m in methods] == [setup_intent.payment_method]
