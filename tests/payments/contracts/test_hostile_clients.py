"""Hostile clients against the seed contracts: every refusal is a 4xx in the contract's
`{"error": "..."}` shape, whichever layer refuses (regressions of the adversarial pass)."""

import json
import uuid

import pytest
from django.http import HttpResponseForbidden
from django.test import RequestFactory
from rest_framework.test import APIClient

from accounts.models import ServiceAPIKey
from payments.contracts.middleware import ContractErrorShapeMiddleware
from payments.gateway import get_gateway
from payments.management.commands.seed_demo import MONTHLY_PRICE
from payments.models import (
    CatalogProduct,
    Payment,
    ServiceCustomer,
    StripeCustomer,
    Subscription,
)
from payments.services.products import catalog_product_get_or_create
from tests.factories import UserFactory
from tests.payments.contracts.test_mobile import app_for
from tests.payments.live_stripe import _live_webhooks, stripe_api, wait_for  # noqa: F401
from tests.payments.test_checkout_concurrency import concurrently

pytestmark = pytest.mark.django_db


@pytest.fixture
def service() -> APIClient:
    _, key = ServiceAPIKey.objects.create_key(name="billing")
    return APIClient(HTTP_X_API_KEY=key)


@pytest.fixture
def app(learner) -> APIClient:
    return app_for(learner)


def assert_contract_error(response, status: int) -> None:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert list(body) == ["error"]
    assert isinstance(body["error"], str)
    assert body["error"]
    if response.has_header("Content-Length"):  # a client reads exactly this many bytes
        assert int(response["Content-Length"]) == len(response.content)


@pytest.mark.parametrize(
    "path",
    [
        "/customers",
        "/products",
        "/payments/checkout",
        "/api/checkout/embedded-session",
        "/api/stripe/create-payment-intent",
        "/api/stripe/create-customer",
        "/api/stripe/create-subscription",
    ],
)
def test_a_body_too_large_is_413_in_the_contract_shape(service, app, path: str) -> None:
    client = app if path.startswith("/api/stripe/") else service
    body = b'{"name": "' + b"x" * 70_000 + b'"}'

    response = client.post(path, body, content_type="application/json")

    assert_contract_error(response, 413)


def test_a_nul_in_the_session_status_query_is_400_in_the_contract_shape() -> None:
    response = APIClient().get("/api/checkout/session-status?session_id=cs_%00")

    assert_contract_error(response, 400)


def test_a_nul_in_a_payment_id_is_400_in_the_contract_shape(service) -> None:
    assert_contract_error(service.get("/payments/pi_%00"), 400)


def test_a_nul_in_the_api_key_header_is_400_in_the_contract_shape() -> None:
    response = APIClient(HTTP_X_API_KEY="abc\x00.def").post("/customers", {}, format="json")

    assert_contract_error(response, 400)


def test_a_nul_in_a_mobile_header_is_400_in_the_contract_shape(app) -> None:
    response = app.post(
        "/api/stripe/create-payment-intent",
        {"amount": 700, "currency": "usd"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k\x00",
    )

    assert_contract_error(response, 400)


@pytest.mark.parametrize("path", ["/customers", "/products", "/payments/checkout"])
def test_a_host_we_do_not_serve_is_400_in_the_contract_shape(service, path: str) -> None:
    """Django's own refusal (handler400): the service API lives outside `/api/`, and got the
    store's HTML page."""
    response = service.post(path, {}, format="json", HTTP_HOST="evil.example")

    assert_contract_error(response, 400)


def test_a_payment_id_with_a_newline_is_a_json_404(service) -> None:
    assert_contract_error(service.get("/payments/pi_abc%0A"), 404)


def test_a_service_path_with_a_newline_inside_is_a_json_404(service) -> None:
    assert_contract_error(service.get("/customers/a%0Ab"), 404)


def test_an_unknown_mobile_path_is_a_json_404_whose_length_is_its_body(app) -> None:
    """The 404 passes CommonMiddleware, which sets Content-Length for the native body, before
    it is reduced to the contract's shape: the stale length made a client wait for 136 bytes
    that never came."""
    assert_contract_error(app.post("/api/stripe/no-such-endpoint", {}, format="json"), 404)


def test_an_error_page_on_a_contract_path_is_answered_in_the_contract_shape() -> None:
    """No layer answers these paths with HTML today (Django's handlers answer JSON there); if one
    ever does, the client still reads `{"error"}`."""
    middleware = ContractErrorShapeMiddleware(lambda request: HttpResponseForbidden("<h1>No</h1>"))

    response = middleware(RequestFactory().post("/customers"))

    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"error": "Forbidden"}


def test_native_api_refusals_keep_the_native_shape() -> None:
    response = APIClient().get("/api/v1/courses/?q=%00")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"


def fault(sandbox, **fault: object) -> None:
    sandbox.control("POST", "/_sandbox/faults", fault)


def test_a_product_stripe_left_half_made_is_finished_by_the_retry(sandbox, service) -> None:
    body = {"name": "Poster", "price": 1999, "currency": "usd", "externalProductId": "sku-1"}
    fault(sandbox, method="POST", path="/v1/prices", count=3, status=503)
    assert_contract_error(service.post("/products", body, format="json"), 503)

    response = service.post("/products", body, format="json")

    assert response.status_code == 201, response.content
    product = CatalogProduct.objects.get()
    assert (response.json()["productId"], response.json()["priceId"]) == (
        product.stripe_product_id,
        product.stripe_price_id,
    )
    assert len(stripe_api(sandbox).v1.products.list().data) == 1
    assert stripe_api(sandbox).v1.prices.retrieve(product.stripe_price_id).unit_amount == 1999


def test_a_half_made_product_is_not_finished_by_a_different_request(sandbox, service) -> None:
    body = {"name": "Poster", "price": 1999, "currency": "usd", "externalProductId": "sku-1"}
    fault(sandbox, method="POST", path="/v1/prices", count=3, status=503)
    service.post("/products", body, format="json")

    response = service.post("/products", {**body, "price": 5}, format="json")

    assert_contract_error(response, 409)
    assert CatalogProduct.objects.get().stripe_price_id == ""


@pytest.mark.django_db(transaction=True)
def test_a_subscription_whose_answer_was_lost_is_not_made_twice_by_the_retry(
    sandbox, live_webhooks
) -> None:
    app = app_for(UserFactory.create())
    price = catalog_product_get_or_create(spec=MONTHLY_PRICE, gateway=get_gateway())
    customer_id = app.post("/api/stripe/create-customer", {"email": "u@example.com"}).json()[
        "customerId"
    ]
    body = {"customerId": customer_id, "priceId": price.stripe_price_id}
    fault(sandbox, method="POST", path="/v1/subscriptions", count=3, drop_response=True)
    assert_contract_error(app.post("/api/stripe/create-subscription", body), 503)
    wait_for(lambda: Subscription.objects.count() == 1)  # its webhook told us of it

    response = app.post("/api/stripe/create-subscription", body)

    assert response.status_code == 200, response.content
    made = stripe_api(sandbox).v1.subscriptions.list(params={"status": "all"}).data
    assert [subscription.id for subscription in made] == [response.json()["subscriptionId"]]
    assert Subscription.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_new_subscription_can_follow_a_canceled_one(sandbox, live_webhooks) -> None:
    app = app_for(UserFactory.create())
    price = catalog_product_get_or_create(spec=MONTHLY_PRICE, gateway=get_gateway())
    customer_id = app.post("/api/stripe/create-customer", {"email": "u@example.com"}).json()[
        "customerId"
    ]
    body = {"customerId": customer_id, "priceId": price.stripe_price_id}
    first = app.post("/api/stripe/create-subscription", body).json()["subscriptionId"]
    stripe_api(sandbox).v1.subscriptions.cancel(first)
    wait_for(lambda: Subscription.objects.get(stripe_id=first).status == "canceled")

    second = app.post("/api/stripe/create-subscription", body).json()["subscriptionId"]

    assert second != first


def test_the_same_product_posted_again_answers_the_same_ids(sandbox, service) -> None:
    body = {"name": "Poster", "price": 1999, "currency": "usd", "externalProductId": "sku-1"}
    first = service.post("/products", body, format="json")

    again = service.post("/products", body, format="json")

    assert again.status_code == 201
    assert again.json() == first.json()
    assert len(stripe_api(sandbox).v1.products.list().data) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_product_posted_20_times_at_once_is_made_once(sandbox) -> None:
    _, key = ServiceAPIKey.objects.create_key(name="billing")
    body = {"name": "Poster", "price": 1999, "currency": "usd", "externalProductId": "sku-1"}
    answers: list = []

    def post(index: int):
        response = APIClient(HTTP_X_API_KEY=key).post("/products", body, format="json")
        answers.append(response)
        return response

    statuses = concurrently(20, post)

    assert set(statuses) == {201}
    assert len({(a.json()["productId"], a.json()["priceId"]) for a in answers}) == 1
    assert len(sandbox.sandbox.store.all("product")) == 1
    assert len(sandbox.sandbox.store.all("price")) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_different_products_under_one_external_id_at_once_make_one(sandbox) -> None:
    _, key = ServiceAPIKey.objects.create_key(name="billing")

    statuses = concurrently(
        10,
        lambda i: APIClient(HTTP_X_API_KEY=key).post(
            "/products",
            {"name": f"P{i}", "price": 100 + i, "currency": "usd", "externalProductId": "sku"},
            format="json",
        ),
    )

    assert sorted(statuses) == [201] + [409] * 9
    assert len(sandbox.sandbox.store.all("product")) == 1


def test_a_customer_stripe_failed_to_make_leaves_no_row(sandbox, service) -> None:
    fault(sandbox, method="POST", path="/v1/customers", count=3, status=503)

    response = service.post("/customers", {"email": "buyer@example.com"}, format="json")

    assert_contract_error(response, 503)
    assert not ServiceCustomer.objects.exists()


@pytest.mark.parametrize("path", ["/v1/ephemeral_keys", "/v1/payment_intents"])
def test_a_payment_intent_retried_with_its_key_after_a_503_is_the_same(
    sandbox, app, path: str
) -> None:
    body = {"amount": 700, "currency": "usd"}
    fault(sandbox, method="POST", path=path, count=3, status=503)
    first = app.post("/api/stripe/create-payment-intent", body, HTTP_IDEMPOTENCY_KEY="k1")
    assert_contract_error(first, 503)

    retry = app.post("/api/stripe/create-payment-intent", body, HTTP_IDEMPOTENCY_KEY="k1")

    assert retry.status_code == 200, retry.content
    assert len(sandbox.sandbox.store.all("payment_intent")) == 1
    payment = Payment.objects.get()
    assert retry.json()["client_secret"] == payment.client_secret


def test_a_payment_intent_whose_answer_was_lost_is_not_made_twice_by_the_retry(
    sandbox, app
) -> None:
    body = {"amount": 700, "currency": "usd"}
    fault(sandbox, method="POST", path="/v1/payment_intents", count=3, drop_response=True)
    assert_contract_error(
        app.post("/api/stripe/create-payment-intent", body, HTTP_IDEMPOTENCY_KEY="k1"), 503
    )

    retry = app.post("/api/stripe/create-payment-intent", body, HTTP_IDEMPOTENCY_KEY="k1")

    assert retry.status_code == 200, retry.content
    assert len(sandbox.sandbox.store.all("payment_intent")) == 1
    assert Payment.objects.count() == 1


def test_another_key_or_amount_is_another_payment_intent(sandbox, app) -> None:
    app.post(
        "/api/stripe/create-payment-intent",
        {"amount": 700, "currency": "usd"},
        HTTP_IDEMPOTENCY_KEY="k1",
    )
    app.post(
        "/api/stripe/create-payment-intent",
        {"amount": 700, "currency": "usd"},
        HTTP_IDEMPOTENCY_KEY="k2",
    )
    app.post("/api/stripe/create-payment-intent", {"amount": 800, "currency": "usd"})

    assert Payment.objects.count() == 3
    assert len(sandbox.sandbox.store.all("payment_intent")) == 3


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/stripe/create-customer", {"email": "b@example.com"}),
        ("/api/stripe/create-payment-intent", {"amount": 700, "currency": "usd"}),
    ],
)
def test_a_customer_whose_answer_was_lost_does_not_lock_the_learner_out(
    sandbox, app, path: str, body: dict
) -> None:
    fault(sandbox, method="POST", path="/v1/customers", count=3, drop_response=True)
    assert_contract_error(app.post("/api/stripe/create-customer", {"email": "a@example.com"}), 503)

    response = app.post(path, body)  # other details than the first attempt's, same learner

    assert response.status_code == 200, response.content
    again = app.post("/api/stripe/create-customer", {"email": "c@example.com"}).json()
    assert again["customerId"] == StripeCustomer.objects.get().customer_id


def test_the_status_of_another_environments_payment_is_answered(sandbox, service) -> None:
    api = stripe_api(sandbox)
    theirs = {"coursepay_payment_id": str(uuid.uuid4())}  # a payment this ledger never had
    intent = api.v1.payment_intents.create(
        params={"amount": 500, "currency": "usd", "metadata": theirs}
    )
    session = api.v1.checkout.sessions.create(
        params={
            "mode": "payment",
            "success_url": "https://shop.example/done",
            "metadata": theirs,
            "line_items": [
                {
                    "price_data": {
                        "currency": "usd",
                        "unit_amount": 500,
                        "product_data": {"name": "Elsewhere"},
                    },
                    "quantity": 1,
                }
            ],
        }
    )

    by_intent = service.get(f"/payments/{intent.id}")
    by_session = service.get(f"/payments/{session.id}")

    assert (by_intent.status_code, by_intent.json()["status"]) == (200, "requires_payment_method")
    assert (by_session.status_code, by_session.json()["status"]) == (200, "open")
    assert not Payment.objects.exists()
