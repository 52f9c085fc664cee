"""Seed 001's mobile PaymentSheet endpoints, through HTTP with a token, against the sandbox."""

import pytest
import stripe
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from payments.gateway import get_gateway
from payments.management.commands.seed_demo import MONTHLY_PRICE
from payments.models import Payment, StripeCustomer, Subscription
from payments.services.products import ProductSpec, catalog_product_get_or_create
from tests.factories import UserFactory
from tests.payments.live_stripe import (  # noqa: F401
    _live_webhooks,
    stripe_api,
    wait_for,
)

pytestmark = pytest.mark.django_db


def app_for(user) -> APIClient:
    """The mobile app: token authentication, JSON bodies."""
    token, _ = Token.objects.get_or_create(user=user)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")
    client.default_format = "json"
    return client


@pytest.fixture
def app(learner) -> APIClient:
    return app_for(learner)


@pytest.fixture
def monthly_price(sandbox) -> str:
    return catalog_product_get_or_create(spec=MONTHLY_PRICE, gateway=get_gateway()).stripe_price_id


def test_create_payment_intent_answers_secret_customer_and_ephemeral_key(sandbox, app) -> None:
    response = app.post("/api/stripe/create-payment-intent", {"amount": 700, "currency": "usd"})

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"client_secret", "customer", "ephemeralKey"}
    assert "_secret_" in body["client_secret"]
    assert body["ephemeralKey"].startswith("ek_")
    intent_id = body["client_secret"].split("_secret_")[0]
    intent = stripe_api(sandbox).v1.payment_intents.retrieve(intent_id)
    assert (intent.amount, intent.currency, intent.customer) == (700, "usd", body["customer"])


def test_the_payment_is_in_the_ledger_with_no_course(sandbox, app, learner) -> None:
    body = app.post("/api/stripe/create-payment-intent", {"amount": 700, "currency": "usd"}).json()

    payment = Payment.objects.get()
    assert (payment.learner, payment.course, payment.amount, payment.status) == (
        learner,
        None,
        700,
        "pending",
    )
    assert body["client_secret"].startswith(payment.stripe_payment_intent_id)


def test_the_learners_customer_is_reused(sandbox, app) -> None:
    first = app.post("/api/stripe/create-payment-intent", {"amount": 700, "currency": "usd"})
    second = app.post("/api/stripe/create-payment-intent", {"amount": 900, "currency": "eur"})

    assert first.json()["customer"] == second.json()["customer"]
    assert StripeCustomer.objects.count() == 1


def test_the_ephemeral_key_is_made_for_the_mobile_sdks_version(sandbox, app, monkeypatch) -> None:
    seen: list[str] = []
    send = stripe.RequestsClient.request

    def record(self, method, url, headers, post_data=None):
        if url.endswith("/v1/ephemeral_keys"):
            seen.append(headers["Stripe-Version"])
        return send(self, method, url, headers, post_data)

    monkeypatch.setattr(stripe.RequestsClient, "request", record)
    app.post("/api/stripe/create-payment-intent", {"amount": 700, "currency": "usd"})
    app.post(
        "/api/stripe/create-payment-intent",
        {"amount": 700, "currency": "usd"},
        HTTP_STRIPE_VERSION="2024-06-20",
    )

    assert seen == ["2023-10-16", "2024-06-20"]


@pytest.mark.parametrize(
    "body",
    [
        {"amount": 7.5, "currency": "usd"},
        {"amount": "700", "currency": "usd"},
        {"amount": 0, "currency": "usd"},
        {"amount": -700, "currency": "usd"},
        {"amount": 10**12, "currency": "usd"},
        {"amount": 700, "currency": "xxx"},
        {"amount": 700},
        {"currency": "usd"},
        {"amount": None, "currency": "usd"},
        {"amount": True, "currency": "usd"},
    ],
)
def test_bad_amounts_and_currencies_are_400_with_one_message(sandbox, app, body) -> None:
    response = app.post("/api/stripe/create-payment-intent", body)

    assert response.status_code == 400, body
    assert list(response.json()) == ["error"]
    assert Payment.objects.count() == 0


def test_the_amount_bounds_are_settings(sandbox, app, settings) -> None:
    settings.MOBILE_PAYMENT_MAX_AMOUNT = 500

    response = app.post("/api/stripe/create-payment-intent", {"amount": 700, "currency": "usd"})

    assert response.json() == {
        "error": "amount: amount must be an integer from 50 to 500 (the currency's minor unit)."
    }


def test_a_bad_stripe_version_is_400(sandbox, app) -> None:
    response = app.post(
        "/api/stripe/create-payment-intent",
        {"amount": 700, "currency": "usd"},
        HTTP_STRIPE_VERSION="latest; drop",
    )

    assert response.status_code == 400


@pytest.mark.parametrize(
    "path", ["create-payment-intent", "create-customer", "create-subscription"]
)
def test_every_mobile_endpoint_needs_a_token(sandbox, path: str) -> None:
    response = APIClient().post(f"/api/stripe/{path}", {}, format="json")

    assert response.status_code == 401
    assert list(response.json()) == ["error"]


def test_create_customer_is_idempotent_per_learner(sandbox, app) -> None:
    body = {"email": "user@example.com", "name": "User Name"}
    first = app.post("/api/stripe/create-customer", body).json()
    second = app.post("/api/stripe/create-customer", body).json()

    assert first == second
    assert first["customerId"].startswith("cus_")
    customer = stripe_api(sandbox).v1.customers.retrieve(first["customerId"])
    assert (customer.email, customer.name) == ("user@example.com", "User Name")


def test_create_customer_then_payment_intent_use_one_customer(sandbox, app) -> None:
    customer_id = app.post("/api/stripe/create-customer", {"email": "u@example.com"}).json()[
        "customerId"
    ]

    body = app.post("/api/stripe/create-payment-intent", {"amount": 700, "currency": "usd"}).json()

    assert body["customer"] == customer_id


def test_create_subscription_answers_the_first_payments_secret(
    sandbox, app, monthly_price: str
) -> None:
    customer_id = app.post("/api/stripe/create-customer", {"email": "u@example.com"}).json()[
        "customerId"
    ]

    response = app.post(
        "/api/stripe/create-subscription", {"customerId": customer_id, "priceId": monthly_price}
    )

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"subscriptionId", "clientSecret"}
    subscription = stripe_api(sandbox).v1.subscriptions.retrieve(body["subscriptionId"])
    assert (subscription.customer, subscription.status) == (customer_id, "incomplete")
    assert body["clientSecret"].startswith("pi_")
    assert "_secret_" in body["clientSecret"]
    row = Subscription.objects.get()
    assert (row.stripe_id, row.status, row.stripe_price_id) == (
        body["subscriptionId"],
        "incomplete",
        monthly_price,
    )


def test_a_subscription_cannot_be_made_for_someone_elses_customer(
    sandbox, app, monthly_price: str
) -> None:
    other = app_for(UserFactory.create())
    theirs = other.post("/api/stripe/create-customer", {"email": "o@example.com"}).json()
    app.post("/api/stripe/create-customer", {"email": "me@example.com"})

    response = app.post(
        "/api/stripe/create-subscription",
        {"customerId": theirs["customerId"], "priceId": monthly_price},
    )

    assert response.status_code == 403
    assert Subscription.objects.count() == 0


def test_a_subscription_for_an_unknown_customer_is_404(sandbox, app, monthly_price) -> None:
    response = app.post(
        "/api/stripe/create-subscription", {"customerId": "cus_nobody", "priceId": monthly_price}
    )

    assert response.status_code == 404


def test_a_subscription_to_an_unknown_or_one_time_price_is_404(sandbox, app) -> None:
    customer_id = app.post("/api/stripe/create-customer", {"email": "u@example.com"}).json()[
        "customerId"
    ]
    one_time = app.post("/api/checkout/embedded-session", {})  # creates the one-time product
    assert one_time.status_code == 200

    from payments.models import CatalogProduct

    for price in ("price_nope", CatalogProduct.objects.get(interval="").stripe_price_id):
        response = app.post(
            "/api/stripe/create-subscription", {"customerId": customer_id, "priceId": price}
        )
        assert response.status_code == 404, price


@pytest.mark.django_db(transaction=True)
def test_subscription_webhooks_keep_the_mirror_current(
    sandbox, live_webhooks, monthly_price
) -> None:
    learner = UserFactory.create()
    app = app_for(learner)
    customer_id = app.post("/api/stripe/create-customer", {"email": "u@example.com"}).json()[
        "customerId"
    ]
    created = app.post(
        "/api/stripe/create-subscription", {"customerId": customer_id, "priceId": monthly_price}
    ).json()
    intent_id = created["clientSecret"].split("_secret_")[0]

    stripe_api(sandbox).v1.payment_intents.confirm(
        intent_id, params={"payment_method": "pm_card_visa"}
    )

    wait_for(lambda: Subscription.objects.get().status == "active")
    row = Subscription.objects.get()
    assert row.learner == learner
    assert row.current_period_end is not None
    stripe_api(sandbox).v1.subscriptions.cancel(created["subscriptionId"])
    wait_for(lambda: Subscription.objects.get().status == "canceled")


@pytest.mark.django_db(transaction=True)
def test_a_mobile_payment_succeeds_in_the_ledger_by_webhook(sandbox, live_webhooks) -> None:
    learner = UserFactory.create()
    body = (
        app_for(learner)
        .post("/api/stripe/create-payment-intent", {"amount": 700, "currency": "usd"})
        .json()
    )
    intent_id = body["client_secret"].split("_secret_")[0]

    stripe_api(sandbox).v1.payment_intents.confirm(
        intent_id, params={"payment_method": "pm_card_visa"}
    )

    wait_for(lambda: Payment.objects.get().status == "succeeded")
    assert Payment.objects.get().course is None


def test_a_subscription_with_nothing_due_answers_a_setup_intents_secret(sandbox, app) -> None:
    free = ProductSpec(
        external_id="free-monthly", name="Free tier", amount=0, currency="usd", interval="month"
    )
    price_id = catalog_product_get_or_create(spec=free, gateway=get_gateway()).stripe_price_id
    customer_id = app.post("/api/stripe/create-customer", {"email": "u@example.com"}).json()[
        "customerId"
    ]

    body = app.post(
        "/api/stripe/create-subscription", {"customerId": customer_id, "priceId": price_id}
    ).json()

    assert body["clientSecret"].startswith("seti_")
    assert Subscription.objects.get().status == "active"


def test_subscriptions_are_listed_in_the_admin(sandbox, app, monthly_price: str) -> None:
    from django.test import Client

    customer_id = app.post("/api/stripe/create-customer", {"email": "u@example.com"}).json()[
        "customerId"
    ]
    body = app.post(
        "/api/stripe/create-subscription", {"customerId": customer_id, "priceId": monthly_price}
    ).json()
    browser = Client()
    browser.force_login(UserFactory.create(is_staff=True, is_superuser=True))

    page = browser.get("/admin/payments/subscription/")
    row = Subscription.objects.get()
    detail = browser.get(f"/admin/payments/subscription/{row.pk}/change/")

    assert body["subscriptionId"] in page.content.decode()
    assert f"{body['subscriptionId']} (incomplete)" in detail.content.decode()


def test_a_retried_payment_intent_with_the_same_idempotency_key_is_the_same(sandbox, app) -> None:
    body = {"amount": 700, "currency": "usd"}

    first = app.post("/api/stripe/create-payment-intent", body, HTTP_IDEMPOTENCY_KEY="k-1")
    again = app.post("/api/stripe/create-payment-intent", body, HTTP_IDEMPOTENCY_KEY="k-1")
    other = app.post(
        "/api/stripe/create-payment-intent", {**body, "amount": 800}, HTTP_IDEMPOTENCY_KEY="k-1"
    )

    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Payment.objects.count() == 1
    assert other.status_code == 422
    assert list(other.json()) == ["error"]
