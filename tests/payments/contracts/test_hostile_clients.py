"""Hostile clients against the seed contracts: every refusal is a 4xx in the contract's
`{"error": "..."}` shape, whichever layer refuses (regressions of the adversarial pass)."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import ServiceAPIKey

pytestmark = pytest.mark.django_db


@pytest.fixture
def service() -> APIClient:
    _, key = ServiceAPIKey.objects.create_key(name="billing")
    return APIClient(HTTP_X_API_KEY=key)


@pytest.fixture
def app(learner) -> APIClient:
    token, _ = Token.objects.get_or_create(user=learner)
    return APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")


def assert_contract_error(response, status: int) -> None:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert list(body) == ["error"]
    assert isinstance(body["error"], str)
    assert body["error"]


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


def test_a_payment_id_with_a_newline_is_a_json_404(service) -> None:
    assert_contract_error(service.get("/payments/pi_abc%0A"), 404)


def test_a_service_path_with_a_newline_inside_is_a_json_404(service) -> None:
    assert_contract_error(service.get("/customers/a%0Ab"), 404)


def test_native_api_refusals_keep_the_native_shape() -> None:
    response = APIClient().get("/api/v1/courses/?q=%00")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"
