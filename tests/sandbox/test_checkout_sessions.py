"""Checkout Sessions through the official SDK, completed and expired through the control API."""

from __future__ import annotations

from typing import Any, cast

import pytest
import stripe
from stripe.params.checkout import SessionCreateParams

from tests.sandbox.support import error_of

PRICE_DATA = {
    "currency": "usd",
    "unit_amount": 4900,
    "product_data": {"name": "Django for payments"},
}


def create_session(client: stripe.StripeClient, **overrides: Any) -> stripe.checkout.Session:
    params: dict[str, Any] = {
        "mode": "payment",
        "line_items": [{"price_data": PRICE_DATA, "quantity": 1}],
        "success_url": "https://shop.test/done?session={CHECKOUT_SESSION_ID}",
        "cancel_url": "https://shop.test/cancel",
    }
    params.update(overrides)
    params = {name: value for name, value in params.items() if value is not None}
    return client.v1.checkout.sessions.create(cast(SessionCreateParams, params))


def event_types(client: stripe.StripeClient) -> list[str]:
    return [event.type for event in reversed(client.v1.events.list({"limit": 100}).data)]


def test_a_hosted_session_has_a_url_and_is_open(client, sandbox) -> None:
    session = create_session(client, client_reference_id="user-7", metadata={"course": "42"})

    assert session.object == "checkout.session"
    assert session.id.startswith("cs_test_")
    assert (session.status, session.payment_status, session.ui_mode) == (
        "open",
        "unpaid",
        "hosted_page",
    )
    assert session.url == f"{sandbox.url}/c/pay/{session.id}"
    assert session.client_secret is None
    assert session.amount_total == 4900
    assert session.client_reference_id == "user-7"
    assert session.metadata is not None
    assert session.metadata.to_dict() == {"course": "42"}
    assert session.payment_intent is None


def test_an_embedded_session_has_a_client_secret_and_needs_a_return_url(client) -> None:
    session = create_session(
        client,
        ui_mode="embedded_page",
        success_url=None,
        cancel_url=None,
        return_url="https://shop.test/return?session_id={CHECKOUT_SESSION_ID}",
    )

    assert session.url is None
    assert str(session.client_secret).startswith(f"{session.id}_secret_")
    assert session.redirect_on_completion == "always"
    with pytest.raises(stripe.InvalidRequestError) as raised:
        create_session(client, ui_mode="embedded_page", success_url=None, cancel_url=None)
    assert raised.value.param == "return_url"


@pytest.mark.parametrize("old_name", ["hosted", "embedded", "custom"])
def test_the_renamed_ui_modes_are_rejected_on_the_pinned_version(client, old_name) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        create_session(client, ui_mode=old_name)

    assert raised.value.code == "parameter_invalid_enum"
    assert raised.value.param == "ui_mode"
    assert "embedded_page" in str(raised.value.user_message)


def test_an_older_api_version_still_takes_the_old_ui_mode(client) -> None:
    session = client.v1.checkout.sessions.create(
        {
            "mode": "payment",
            "ui_mode": "hosted",
            "line_items": [{"price_data": PRICE_DATA, "quantity": 1}],
        },
        {"stripe_version": "2025-09-30.clover"},
    )

    assert session.ui_mode == "hosted"
    assert session.url


def test_line_items_list_and_expand(client) -> None:
    price = client.v1.prices.create(
        {"currency": "usd", "unit_amount": 1500, "product_data": {"name": "Workbook"}}
    )
    session = create_session(
        client,
        line_items=[{"price": price.id, "quantity": 2}, {"price_data": PRICE_DATA}],
    )

    items = client.v1.checkout.sessions.line_items.list(session.id)
    expanded = client.v1.checkout.sessions.retrieve(session.id, {"expand": ["line_items"]})

    assert [(item.description, item.quantity, item.amount_total) for item in items.data] == [
        ("Workbook", 2, 3000),
        ("Django for payments", 1, 4900),
    ]
    assert items.data[0].object == "item"
    assert items.data[0].price.id == price.id
    assert expanded.line_items is not None
    assert len(expanded.line_items.data) == 2
    assert session.amount_total == 7900
    assert "line_items" not in client.v1.checkout.sessions.retrieve(session.id)


def test_line_item_discounts_and_taxes_come_only_when_expanded(client) -> None:
    """dj-stripe re-fetches a session with `expand[]=line_items.data.discounts`."""
    session = create_session(client)

    plain = client.v1.checkout.sessions.retrieve(session.id, {"expand": ["line_items"]})
    expanded = client.v1.checkout.sessions.retrieve(
        session.id, {"expand": ["line_items.data.discounts", "line_items.data.taxes"]}
    )

    assert "discounts" not in plain.to_dict()["line_items"]["data"][0]
    item = expanded.to_dict()["line_items"]["data"][0]
    assert (item["discounts"], item["taxes"]) == ([], [])


def test_expires_at_must_be_30_minutes_to_24_hours_ahead(client) -> None:
    now = client.v1.customers.create().created
    for expires_at in (now + 60, now + 25 * 3600):
        with pytest.raises(stripe.InvalidRequestError) as raised:
            create_session(client, expires_at=expires_at)
        assert raised.value.param == "expires_at"

    assert create_session(client, expires_at=now + 3600).expires_at == now + 3600
    assert create_session(client).expires_at >= now + 24 * 3600


def test_completing_a_session_pays_and_emits_events(client, control) -> None:
    customer = client.v1.customers.create({"email": "ada@example.com"})
    session = create_session(
        client, customer=customer.id, payment_intent_data={"metadata": {"payment": "p1"}}
    )

    answered = control(
        f"/_sandbox/checkout/sessions/{session.id}/complete", {"payment_method": "pm_card_visa"}
    )

    done = client.v1.checkout.sessions.retrieve(session.id)
    assert answered["status"] == "complete"
    assert (done.status, done.payment_status) == ("complete", "paid")
    intent = client.v1.payment_intents.retrieve(str(done.payment_intent))
    assert (intent.status, intent.amount, intent.customer) == ("succeeded", 4900, customer.id)
    assert intent.metadata.to_dict() == {"payment": "p1"}
    assert intent.latest_charge
    assert done.customer_details is not None
    assert done.customer_details.email == "ada@example.com"
    types = event_types(client)
    assert types.index("payment_intent.succeeded") < types.index("checkout.session.completed")
    assert "charge.succeeded" in types
    completed = client.v1.events.list({"type": "checkout.session.completed"}).data[0]
    assert completed.data.object["id"] == session.id


def test_a_declined_card_answers_402_and_leaves_the_session_open(client, raw) -> None:
    session = create_session(client)

    declined = raw(
        "POST",
        f"/_sandbox/checkout/sessions/{session.id}/complete",
        body='{"card_number": "4000000000000002"}',
        headers={"Authorization": "", "Content-Type": "application/json"},
    )
    retried = raw(
        "POST",
        f"/_sandbox/checkout/sessions/{session.id}/complete",
        body='{"card_number": "4242424242424242"}',
        headers={"Authorization": "", "Content-Type": "application/json"},
    )

    assert declined.status == 402
    assert declined.body["error"]["type"] == "card_error"
    assert declined.body["error"]["message"] == "Your card was declined."
    assert retried.status == 200
    assert retried.body["status"] == "complete"
    assert len(client.v1.payment_intents.list().data) == 1


def test_expiring_a_session_through_the_api(client) -> None:
    session = create_session(client)

    expired = client.v1.checkout.sessions.expire(session.id)

    assert (expired.status, expired.url) == ("expired", None)
    assert event_types(client)[-1] == "checkout.session.expired"
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.expire(session.id)


def test_expiring_through_the_control_api(client, control) -> None:
    session = create_session(client)

    assert control(f"/_sandbox/checkout/sessions/{session.id}/expire", {})["status"] == "expired"


def test_the_clock_passing_expires_at_expires_the_session(client, control) -> None:
    session = create_session(client)

    control("/_sandbox/clock/advance", {"seconds": 24 * 3600})

    assert client.v1.checkout.sessions.retrieve(session.id).status == "expired"
    assert event_types(client).count("checkout.session.expired") == 1


def test_a_completed_session_cannot_be_completed_or_expired(client, control, raw) -> None:
    session = create_session(client)
    control(f"/_sandbox/checkout/sessions/{session.id}/complete", {})

    again = raw("POST", f"/_sandbox/checkout/sessions/{session.id}/complete", body="{}")

    assert again.status == 400
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.checkout.sessions.expire(session.id)
    assert "open" in error_of(raised.value)["message"]


def test_list_filters_by_status_and_payment_intent(client, control) -> None:
    paid = create_session(client)
    create_session(client)
    control(f"/_sandbox/checkout/sessions/{paid.id}/complete", {})
    paid_intent = client.v1.checkout.sessions.retrieve(paid.id).payment_intent

    complete = client.v1.checkout.sessions.list({"status": "complete"}).data
    by_intent = client.v1.checkout.sessions.list({"payment_intent": str(paid_intent)}).data

    assert [s.id for s in complete] == [paid.id]
    assert [s.id for s in by_intent] == [paid.id]
    assert len(client.v1.checkout.sessions.list().data) == 2


def test_a_recurring_price_needs_subscription_mode(client) -> None:
    price = client.v1.prices.create(
        {
            "currency": "usd",
            "unit_amount": 900,
            "recurring": {"interval": "month"},
            "product_data": {"name": "Membership"},
        }
    )

    with pytest.raises(stripe.InvalidRequestError):
        create_session(client, line_items=[{"price": price.id, "quantity": 1}])


def test_the_3ds_card_completes_after_authentication(client, control) -> None:
    session = create_session(client)

    pending = control(
        f"/_sandbox/checkout/sessions/{session.id}/complete",
        {"payment_method": "pm_card_authenticationRequired"},
    )
    intent_id = pending["payment_intent"]
    control(f"/_sandbox/payment_intents/{intent_id}/authenticate", {"outcome": "approve"})
    done = control(f"/_sandbox/checkout/sessions/{session.id}/complete", {})

    assert pending["status"] == "open"
    assert done["status"] == "complete"
    assert done["payment_intent"] == intent_id


def test_payment_intent_data_setup_future_usage_saves_the_card_to_the_customer(
    client, control
) -> None:
    customer = client.v1.customers.create()
    session = create_session(
        client, customer=customer.id, payment_intent_data={"setup_future_usage": "off_session"}
    )

    control(
        f"/_sandbox/checkout/sessions/{session.id}/complete", {"card_number": "4242424242424242"}
    )

    intent = client.v1.payment_intents.retrieve(
        str(client.v1.checkout.sessions.retrieve(session.id).payment_intent)
    )
    assert intent.setup_future_usage == "off_session"
    saved = client.v1.customers.payment_methods.list(customer.id).data
    assert [card.id for card in saved] == [intent.payment_method]


def test_a_card_paid_without_setup_future_usage_is_not_saved(client, control) -> None:
    customer = client.v1.customers.create()
    session = create_session(client, customer=customer.id)

    control(f"/_sandbox/checkout/sessions/{session.id}/complete", {})

    assert client.v1.customers.payment_methods.list(customer.id).data == []


def test_customer_email_is_kept_and_shown_in_customer_details(client, control) -> None:
    session = create_session(client, customer_email="grace@example.com")

    control(f"/_sandbox/checkout/sessions/{session.id}/complete", {})

    done = client.v1.checkout.sessions.retrieve(session.id)
    assert done.customer_email == "grace@example.com"
    assert done.customer_details is not None
    assert done.customer_details.email == "grace@example.com"


def test_customer_and_customer_email_are_exclusive(client) -> None:
    customer = client.v1.customers.create()

    with pytest.raises(stripe.InvalidRequestError) as raised:
        create_session(client, customer=customer.id, customer_email="a@example.com")

    assert raised.value.param == "customer_email"


@pytest.mark.parametrize("ui_mode", ["hosted_page", "embedded_page"])
def test_the_redirect_names_the_session_while_the_session_keeps_the_template(
    client, raw, ui_mode
) -> None:
    template = "https://shop.test/back?session_id={CHECKOUT_SESSION_ID}"
    if ui_mode == "hosted_page":
        session = create_session(client, success_url=template)
    else:
        session = create_session(
            client, ui_mode=ui_mode, success_url=None, cancel_url=None, return_url=template
        )

    view = raw("GET", f"/_sandbox/checkout/sessions/{session.id}", headers={"Authorization": ""})

    assert view.body["success_url"] == f"https://shop.test/back?session_id={session.id}"
    assert (session.success_url or session.return_url) == template
