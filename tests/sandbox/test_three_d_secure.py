"""3-D Secure: `requires_action`, answered through the control API."""

from typing import cast

import pytest
import stripe
from stripe.params import PaymentIntentCreateParams


def start(
    client: stripe.StripeClient, payment_method: str, **extra: object
) -> stripe.PaymentIntent:
    params = {"amount": 3000, "currency": "usd", "payment_method": payment_method, "confirm": True}
    return client.v1.payment_intents.create(cast(PaymentIntentCreateParams, params | extra))


def test_an_authentication_card_requires_action(client) -> None:
    intent = start(client, "pm_card_authenticationRequired")

    assert intent.status == "requires_action"
    assert intent.next_action is not None
    assert intent.next_action.type == "use_stripe_sdk"


def test_a_return_url_asks_for_a_redirect(client) -> None:
    intent = start(client, "pm_card_authenticationRequired", return_url="https://example.com/r")

    next_action = intent.next_action
    assert next_action is not None
    assert next_action.type == "redirect_to_url"
    assert next_action.redirect_to_url is not None
    assert next_action.redirect_to_url.return_url == "https://example.com/r"


def test_approving_authentication_completes_the_payment(client, control) -> None:
    intent = start(client, "pm_card_authenticationRequired")

    answered = control(
        f"/_sandbox/payment_intents/{intent.id}/authenticate", {"outcome": "approve"}
    )

    assert answered["status"] == "succeeded"
    assert client.v1.payment_intents.retrieve(intent.id).latest_charge.startswith("ch_")


def test_failing_authentication_records_the_failure(client, control) -> None:
    intent = start(client, "pm_card_authenticationRequired")

    control(f"/_sandbox/payment_intents/{intent.id}/authenticate", {"outcome": "fail"})

    failed = client.v1.payment_intents.retrieve(intent.id)
    assert failed.status == "requires_payment_method"
    assert failed.last_payment_error.code == "payment_intent_authentication_failure"


def test_approved_authentication_can_still_decline(client, control) -> None:
    intent = start(client, "pm_card_authenticationRequiredChargeDeclinedInsufficientFunds")

    control(f"/_sandbox/payment_intents/{intent.id}/authenticate", {"outcome": "approve"})

    declined = client.v1.payment_intents.retrieve(intent.id)
    assert declined.status == "requires_payment_method"
    assert declined.last_payment_error.decline_code == "insufficient_funds"


def test_setup_card_asks_for_authentication_on_session(client) -> None:
    assert start(client, "pm_card_authenticationRequiredOnSetup").status == "requires_action"


def test_setup_card_saved_to_a_customer_passes_off_session(client) -> None:
    customer = client.v1.customers.create()
    saved = client.v1.payment_methods.attach(
        "pm_card_authenticationRequiredOnSetup", {"customer": customer.id}
    )

    intent = start(client, saved.id, customer=customer.id, off_session=True)

    assert intent.status == "succeeded"


def test_off_session_authentication_declines_with_authentication_required(client) -> None:
    with pytest.raises(stripe.CardError) as raised:
        start(client, "pm_card_authenticationRequired", off_session=True)

    assert raised.value.code == "authentication_required"


def test_authenticating_an_intent_not_awaiting_it_is_refused(client, raw) -> None:
    intent = start(client, "pm_card_visa")

    response = raw(
        "POST",
        f"/_sandbox/payment_intents/{intent.id}/authenticate",
        body='{"outcome": "approve"}',
        headers={"Content-Type": "application/json"},
    )

    assert response.status == 400
    assert response.body["error"]["code"] == "payment_intent_unexpected_state"
