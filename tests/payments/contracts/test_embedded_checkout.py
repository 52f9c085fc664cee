"""Seed 004's embedded checkout, through HTTP against the sandbox (webhooks to a live server)."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from payments.models import CatalogProduct, CheckoutSession, Payment, PaymentRollup
from tests.factories import UserFactory
from tests.payments.live_stripe import (  # noqa: F401
    _live_webhooks,
    _stripe_calls,
    client_for,
    stripe_api,
    wait_for,
)

pytestmark = pytest.mark.django_db


def guest() -> APIClient:
    client = APIClient()
    client.default_format = "json"
    return client


def open_session(client: APIClient, body: dict | None = None) -> str:
    response = client.post("/api/checkout/embedded-session", body or {}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["client_secret"]


def session_of(client_secret: str) -> CheckoutSession:
    return CheckoutSession.objects.get(client_secret=client_secret)


def test_a_guest_gets_only_a_client_secret(sandbox) -> None:
    response = guest().post("/api/checkout/embedded-session", {}, format="json")

    assert response.status_code == 200
    assert list(response.json()) == ["client_secret"]
    assert response.json()["client_secret"].startswith("cs_")


def test_an_empty_body_is_accepted(sandbox) -> None:
    response = Client().post("/api/checkout/embedded-session", content_type="application/json")

    assert response.status_code == 200


def test_the_session_sells_the_default_two_dollar_product_embedded(sandbox, settings) -> None:
    settings.FRONTEND_URL = "https://front.example"
    row = session_of(open_session(guest()))

    session = stripe_api(sandbox).v1.checkout.sessions.retrieve(row.stripe_id)
    assert (session.ui_mode, session.mode, session.amount_total, session.currency) == (
        "embedded_page",
        "payment",
        200,
        "usd",
    )
    assert session.return_url == "https://front.example/hero-me?session_id={CHECKOUT_SESSION_ID}"
    product = CatalogProduct.objects.get()
    assert product.name == "Hero Me Feelings - Personalized AAC Board"
    assert stripe_api(sandbox).v1.prices.retrieve(product.stripe_price_id).unit_amount == 200


def test_the_product_and_return_path_are_configurable(sandbox, settings) -> None:
    settings.EMBEDDED_CHECKOUT_PRODUCT = {
        "external_id": "other",
        "name": "Other",
        "description": "",
        "amount": 700,
        "currency": "eur",
    }
    settings.EMBEDDED_CHECKOUT_RETURN_PATH = "/playground"
    row = session_of(open_session(guest()))

    assert (row.payment.amount, row.payment.currency) == (700, "eur")
    assert row.return_url.endswith("/playground?session_id={CHECKOUT_SESSION_ID}")


def test_metadata_and_email_reach_stripe(sandbox) -> None:
    row = session_of(
        open_session(
            guest(),
            {"metadata": {"user_id": "user_123"}, "customer_email": "kid@example.com"},
        )
    )

    session = stripe_api(sandbox).v1.checkout.sessions.retrieve(row.stripe_id)
    assert session.metadata is not None
    assert session.metadata["user_id"] == "user_123"
    assert session.customer_email == "kid@example.com"
    assert session.metadata["coursepay_payment_id"] == str(row.payment_id)


def test_metadata_cannot_replace_our_payment_id(sandbox) -> None:
    row = session_of(open_session(guest(), {"metadata": {"coursepay_payment_id": "x"}}))

    session = stripe_api(sandbox).v1.checkout.sessions.retrieve(row.stripe_id)
    assert session.metadata is not None
    assert session.metadata["coursepay_payment_id"] == str(row.payment_id)


@pytest.mark.parametrize(
    "body",
    [
        {"metadata": "nope"},
        {"metadata": {f"k{i}": "v" for i in range(21)}},
        {"metadata": {"k" * 41: "v"}},
        {"metadata": {"k": "v" * 501}},
        {"customer_email": "not-an-email"},
    ],
)
def test_bad_optional_fields_are_400_with_one_message(sandbox, body: dict) -> None:
    response = guest().post("/api/checkout/embedded-session", body, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["error"]


def test_a_logged_in_callers_session_is_on_their_customer(sandbox) -> None:
    learner = UserFactory.create()
    row = session_of(open_session(client_for(learner)))

    assert row.payment.learner == learner
    session = stripe_api(sandbox).v1.checkout.sessions.retrieve(row.stripe_id)
    assert session.customer == learner.stripe_customer.customer_id


def test_a_browser_session_without_csrf_token_buys_as_a_guest(sandbox) -> None:
    learner = UserFactory.create()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(learner)

    response = browser.post("/api/checkout/embedded-session", {}, content_type="application/json")

    assert response.status_code == 200
    assert session_of(response.json()["client_secret"]).payment.learner is None


def test_status_requires_session_id(sandbox) -> None:
    response = guest().get("/api/checkout/session-status")

    assert response.status_code == 400
    assert response.json() == {"error": "session_id is required"}


def test_status_of_an_empty_session_id_is_the_same_400(sandbox) -> None:
    response = guest().get("/api/checkout/session-status?session_id=")

    assert response.json() == {"error": "session_id is required"}


@pytest.mark.parametrize("unknown", ["cs_test_nope", "pi_123", "x" * 300, "cs_%00"])
def test_status_of_an_unknown_session_is_404(sandbox, unknown: str) -> None:
    response = guest().get("/api/checkout/session-status", {"session_id": unknown})

    assert response.status_code in (400, 404)
    assert list(response.json()) == ["error"]


def test_status_flips_from_open_to_complete_once_paid(sandbox) -> None:
    row = session_of(open_session(guest()))
    url = f"/api/checkout/session-status?session_id={row.stripe_id}"

    before = guest().get(url).json()
    sandbox.control("POST", f"/_sandbox/checkout/sessions/{row.stripe_id}/complete", {})
    after = guest().get(url).json()

    assert (before, after) == ({"status": "open"}, {"status": "complete"})


def test_status_of_an_expired_session_is_expired(sandbox) -> None:
    row = session_of(open_session(guest()))
    sandbox.control("POST", f"/_sandbox/checkout/sessions/{row.stripe_id}/expire", {})

    response = guest().get("/api/checkout/session-status", {"session_id": row.stripe_id})

    assert response.json() == {"status": "expired"}
    assert Payment.objects.get().status == "canceled"


@pytest.mark.django_db(transaction=True)
def test_a_guests_completed_session_is_recorded_in_the_ledger(sandbox, live_webhooks) -> None:
    row = session_of(open_session(guest()))

    sandbox.control("POST", f"/_sandbox/checkout/sessions/{row.stripe_id}/complete", {})

    wait_for(lambda: Payment.objects.get().status == "succeeded")
    payment = Payment.objects.get()
    assert (payment.learner, payment.course, payment.amount) == (None, None, 200)
    assert payment.stripe_payment_intent_id.startswith("pi_")
    bucket = PaymentRollup.objects.get(status="succeeded")
    assert (bucket.course_id, bucket.count, bucket.amount) == (0, 1, 200)


def test_stripe_down_answers_503_with_one_message(sandbox) -> None:
    sandbox.control(
        "POST", "/_sandbox/faults", {"path": "/v1/checkout/sessions", "status": 500, "count": 10}
    )

    response = guest().post("/api/checkout/embedded-session", {}, format="json")

    assert response.status_code == 503
    assert list(response.json()) == ["error"]
    assert "sk_test" not in response.content.decode()


def test_a_logged_in_browser_with_its_csrf_token_is_linked(sandbox) -> None:
    learner = UserFactory.create()
    browser = Client()  # the test client passes the CSRF check, as a page sending its token
    browser.force_login(learner)

    response = browser.post("/api/checkout/embedded-session", {}, content_type="application/json")

    assert session_of(response.json()["client_secret"]).payment.learner == learner


def test_a_finished_session_is_answered_from_the_ledger(sandbox, stripe_calls) -> None:
    row = session_of(open_session(guest()))
    sandbox.control("POST", f"/_sandbox/checkout/sessions/{row.stripe_id}/complete", {})
    url = f"/api/checkout/session-status?session_id={row.stripe_id}"
    guest().get(url)
    stripe_calls.clear()

    response = guest().get(url)

    assert response.json() == {"status": "complete"}
    assert stripe_calls == []


def test_a_guests_payment_can_be_refunded_by_staff_without_mailing_anyone(
    sandbox, django_capture_on_commit_callbacks
) -> None:
    from django.core import mail

    from tests.payments.refund_support import staff_user, token_client

    row = session_of(open_session(guest()))
    sandbox.control("POST", f"/_sandbox/checkout/sessions/{row.stripe_id}/complete", {})
    guest().get(f"/api/checkout/session-status?session_id={row.stripe_id}")
    with django_capture_on_commit_callbacks(execute=True):
        response = token_client(staff_user(can_refund=True)).post(
            f"/api/v1/payments/{row.payment_id}/refunds/", {"reason": "duplicate"}, format="json"
        )

    assert response.status_code == 201, response.json()
    assert Payment.objects.get().status == "refunded"
    assert mail.outbox == []
