"""The Stripe adapter's Checkout and saved-card calls, against the sandbox."""

import pytest
import stripe
from stripe._payment_method_service import PaymentMethodService
from stripe.checkout._session_service import SessionService

from payments.gateway import CheckoutLine
from payments.stripe_gateway import StripeGateway
from tests.payments.live_stripe import stripe_api

pytestmark = pytest.mark.django_db

LINE = CheckoutLine(amount=4900, currency="usd", name="Course")


def hosted_session(gateway: StripeGateway, customer_id: str, key: str = "k-1"):
    return gateway.checkout_session_create(
        customer_id=customer_id,
        ui_mode="hosted",
        line=LINE,
        metadata={"coursepay_payment_id": "00000000-0000-0000-0000-000000000001"},
        success_url="https://app.example/ok?session_id={CHECKOUT_SESSION_ID}",
        cancel_url="https://app.example/back",
        return_url="",
        idempotency_key=key,
    )


def refused(*args, **kwargs):
    raise stripe.InvalidRequestError("Refused for a reason we do not expect.", param=None)


@pytest.fixture
def customer_id(sandbox) -> str:
    return stripe_api(sandbox).v1.customers.create(params={"email": "g@example.com"}).id


def test_before_2026_03_25_the_old_ui_mode_names_are_sent(sandbox, settings, customer_id):
    settings.STRIPE_API_VERSION = "2025-09-30.clover"

    state = hosted_session(StripeGateway(), customer_id)

    assert stripe_api(sandbox).v1.checkout.sessions.retrieve(state.id).ui_mode == "hosted"


def test_expiring_a_session_stripe_already_expired_answers_it_expired(sandbox, customer_id):
    gateway = StripeGateway()
    state = hosted_session(gateway, customer_id)
    stripe_api(sandbox).v1.checkout.sessions.expire(state.id)

    again = gateway.checkout_session_expire(session_id=state.id, idempotency_key="x-1")

    assert (again.status, again.url) == ("expired", "")


def test_an_expiry_refused_while_the_session_is_open_is_not_taken_for_done(
    sandbox, customer_id, monkeypatch
):
    gateway = StripeGateway()
    state = hosted_session(gateway, customer_id)
    monkeypatch.setattr(SessionService, "expire", refused)

    with pytest.raises(stripe.InvalidRequestError):
        gateway.checkout_session_expire(session_id=state.id, idempotency_key="x-1")


def test_a_detach_refused_while_the_card_is_attached_is_not_taken_for_done(
    sandbox, customer_id, monkeypatch
):
    card = stripe_api(sandbox).v1.payment_methods.attach(
        "pm_card_visa", params={"customer": customer_id}
    )
    monkeypatch.setattr(PaymentMethodService, "detach", refused)

    with pytest.raises(stripe.InvalidRequestError):
        StripeGateway().payment_method_detach(payment_method_id=card.id, idempotency_key="d-1")
