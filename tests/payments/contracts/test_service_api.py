"""Seed 002's service API, through HTTP with X-API-Key, against the sandbox."""

import io
from typing import Any

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from accounts.models import ServiceAPIKey
from payments.models import CatalogProduct, CheckoutSession, Payment, ServiceCustomer
from tests.payments.live_stripe import stripe_api

pytestmark = pytest.mark.django_db


def json_client(**headers: Any) -> APIClient:
    client = APIClient(**headers)
    client.default_format = "json"
    return client


@pytest.fixture
def key() -> str:
    _, key = ServiceAPIKey.objects.create_key(name="billing")
    return key


@pytest.fixture
def service(key: str) -> APIClient:
    return json_client(HTTP_X_API_KEY=key)


def a_product(service: APIClient, external_id: str = "sku-1", **changes: object) -> dict:
    body = {
        "name": "Poster",
        "price": 1999,
        "currency": "usd",
        "description": "A big poster.",
        "externalProductId": external_id,
        **changes,
    }
    return service.post("/products", body, format="json").json()


def a_customer(service: APIClient) -> str:
    response = service.post("/customers", {"email": "buyer@example.com", "name": "Buyer"})
    return response.json()["customerId"]


def test_a_request_without_a_key_is_refused_with_401(sandbox) -> None:
    response = json_client().post("/customers", {"email": "a@example.com"}, format="json")

    assert response.status_code == 401
    assert response.json() == {"error": "An API key is required in the X-API-Key header."}


@pytest.mark.parametrize("wrong", ["nope", "abc.def", "x" * 5000, ""])
def test_a_wrong_key_is_refused_with_401(sandbox, key: str, wrong: str) -> None:
    response = json_client(HTTP_X_API_KEY=wrong).post("/customers", {"email": "a@example.com"})

    assert response.status_code == 401
    assert "error" in response.json()


def test_a_revoked_key_is_refused_with_401(sandbox, key: str) -> None:
    ServiceAPIKey.objects.update(revoked=True)

    response = json_client(HTTP_X_API_KEY=key).post("/customers", {"email": "a@example.com"})

    assert response.status_code == 401


def test_keys_are_stored_hashed(key: str) -> None:
    row = ServiceAPIKey.objects.get()

    assert key not in row.hashed_key
    assert key not in row.id


def test_create_api_key_prints_a_working_key_once_as_its_last_line(sandbox) -> None:
    out = io.StringIO()
    call_command("create_api_key", "orders", stdout=out, stderr=io.StringIO())
    key = out.getvalue().strip().splitlines()[-1]

    response = json_client(HTTP_X_API_KEY=key).post("/customers", {"email": "a@example.com"})

    assert response.status_code == 201
    assert ServiceAPIKey.objects.get().name == "orders"


def test_post_customers_creates_a_stripe_customer(sandbox, service: APIClient) -> None:
    response = service.post(
        "/customers", {"email": "buyer@example.com", "name": "Buyer"}, format="json"
    )

    assert response.status_code == 201
    body = response.json()
    assert body["created"] is True
    assert body["customerId"].startswith("cus_")
    customer = stripe_api(sandbox).v1.customers.retrieve(body["customerId"])
    assert (customer.email, customer.name) == ("buyer@example.com", "Buyer")
    assert ServiceCustomer.objects.get().created_by == "service key billing"


def test_post_customers_with_a_bad_email_is_400_with_a_message(sandbox, service) -> None:
    response = service.post("/customers", {"email": "not-an-email"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"error": "email: Enter a valid email address."}


def test_post_products_creates_product_and_price_with_the_external_id(sandbox, service) -> None:
    response = service.post(
        "/products",
        {
            "name": "Poster",
            "price": 1999,
            "currency": "USD",
            "description": "A big poster.",
            "externalProductId": "sku-42",
        },
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    stripe = stripe_api(sandbox).v1
    product = stripe.products.retrieve(body["productId"])
    price = stripe.prices.retrieve(body["priceId"])
    assert product.metadata["externalProductId"] == "sku-42"
    assert (product.name, product.description) == ("Poster", "A big poster.")
    assert (price.unit_amount, price.currency, price.product) == (1999, "usd", product.id)
    assert price.type == "one_time"


def test_post_products_requires_the_external_id(sandbox, service) -> None:
    response = service.post(
        "/products", {"name": "Poster", "price": 1999, "currency": "usd"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"error": "externalProductId: This field is required."}


def test_post_products_refuses_a_duplicate_external_id_with_409(sandbox, service) -> None:
    a_product(service, "sku-1")

    response = service.post(
        "/products",
        {"name": "Other", "price": 5, "currency": "usd", "externalProductId": "sku-1"},
        format="json",
    )

    assert response.status_code == 409
    assert "sku-1" in response.json()["error"]
    assert CatalogProduct.objects.count() == 1


@pytest.mark.parametrize(
    "changes",
    [{"price": 19.99}, {"price": "ten"}, {"price": 0}, {"price": -5}, {"currency": "dollars"}],
)
def test_post_products_refuses_bad_money(sandbox, service, changes: dict) -> None:
    response = service.post(
        "/products",
        {"name": "Poster", "price": 1999, "currency": "usd", "externalProductId": "x", **changes},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["error"].startswith(("price:", "currency:"))


def test_checkout_opens_a_hosted_session_for_the_product_and_customer(sandbox, service) -> None:
    product, customer_id = a_product(service), a_customer(service)

    response = service.post(
        "/payments/checkout",
        {"productId": product["productId"], "customerId": customer_id},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert body["url"].startswith("http")
    assert body["sessionId"].startswith("cs_")
    session = stripe_api(sandbox).v1.checkout.sessions.retrieve(body["sessionId"])
    assert (session.customer, session.mode, session.amount_total) == (customer_id, "payment", 1999)
    payment = CheckoutSession.objects.get(stripe_id=body["sessionId"]).payment
    assert (payment.learner, payment.course, payment.amount) == (None, None, 1999)


def test_checkout_accepts_the_external_product_id(sandbox, service) -> None:
    a_product(service, "sku-9")

    response = service.post(
        "/payments/checkout",
        {"productId": "sku-9", "customerId": a_customer(service)},
        format="json",
    )

    assert response.status_code == 201


def test_checkout_of_an_unknown_product_is_404(sandbox, service) -> None:
    response = service.post(
        "/payments/checkout",
        {"productId": "prod_nope", "customerId": a_customer(service)},
        format="json",
    )

    assert response.status_code == 404
    assert response.json() == {"error": "There is no product 'prod_nope'."}


def test_checkout_for_an_unknown_customer_is_404(sandbox, service) -> None:
    product = a_product(service)

    response = service.post(
        "/payments/checkout",
        {"productId": product["productId"], "customerId": "cus_nobody"},
        format="json",
    )

    assert response.status_code == 404
    assert Payment.objects.count() == 0


def test_payment_status_reports_a_session_open_then_complete(sandbox, service) -> None:
    product, customer_id = a_product(service), a_customer(service)
    opened = service.post(
        "/payments/checkout", {"productId": product["productId"], "customerId": customer_id}
    ).json()

    before = service.get(f"/payments/{opened['sessionId']}").json()
    sandbox.control("POST", f"/_sandbox/checkout/sessions/{opened['sessionId']}/complete", {})
    after = service.get(f"/payments/{opened['sessionId']}/").json()

    assert before == {"id": opened["sessionId"], "object": "checkout.session", "status": "open"}
    assert after["status"] == "complete"
    payment = CheckoutSession.objects.get(stripe_id=opened["sessionId"]).payment
    assert payment.status == "succeeded"  # the read recorded what Stripe said


def test_payment_status_reports_a_payment_intent(sandbox, service) -> None:
    intent = stripe_api(sandbox).v1.payment_intents.create(
        params={"amount": 500, "currency": "usd"}
    )

    response = service.get(f"/payments/{intent.id}")

    assert response.json() == {
        "id": intent.id,
        "object": "payment_intent",
        "status": "requires_payment_method",
    }


@pytest.mark.parametrize("unknown", ["cs_test_nope", "pi_nope", "ch_123", "whatever"])
def test_payment_status_of_an_unknown_id_is_404(sandbox, service, unknown: str) -> None:
    response = service.get(f"/payments/{unknown}")

    assert response.status_code == 404
    assert "error" in response.json()


def test_payment_status_needs_a_key(sandbox) -> None:
    assert json_client().get("/payments/cs_test_1").status_code == 401


def test_other_paths_under_the_service_roots_are_json_404s(sandbox, service) -> None:
    for path in ("/payments/", "/payments/a/b", "/customers/cus_1", "/productsx"):
        response = service.post(path, {}, format="json")
        assert response.status_code == 404, path


@pytest.mark.parametrize("path", ["/customers/", "/products/", "/payments/checkout/"])
def test_a_trailing_slash_is_served_in_place_without_redirect(sandbox, service, path) -> None:
    response = service.post(path, {}, format="json")

    assert response.status_code == 400  # validated by the view, not redirected


def test_stripe_down_answers_503_with_a_message(sandbox, service) -> None:
    sandbox.control(
        "POST", "/_sandbox/faults", {"path": "/v1/customers", "status": 500, "count": 10}
    )

    response = service.post("/customers", {"email": "a@example.com"}, format="json")

    assert response.status_code == 503
    assert set(response.json()) == {"error"}


def test_products_and_customers_are_shown_in_the_admin(sandbox, service) -> None:
    from django.test import Client

    from tests.factories import UserFactory

    product, customer_id = a_product(service, "sku-admin"), a_customer(service)
    browser = Client()
    browser.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    product_row = CatalogProduct.objects.get()
    customer_row = ServiceCustomer.objects.get()

    product_page = browser.get(f"/admin/payments/catalogproduct/{product_row.pk}/change/")
    customer_page = browser.get(f"/admin/payments/servicecustomer/{customer_row.pk}/change/")

    assert "Poster (sku-admin)" in product_page.content.decode()
    assert product["productId"] in product_page.content.decode()
    assert customer_id in customer_page.content.decode()
