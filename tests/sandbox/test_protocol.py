"""Auth, headers, errors: what every request of the Stripe API shares."""

import base64

import pytest
import stripe

from stripe_sandbox.testing import TEST_SECRET_KEY


def test_a_request_without_a_key_answers_401(raw) -> None:
    response = raw("GET", "/v1/customers", headers={"Authorization": ""})

    assert response.status == 401
    assert response.body["error"]["type"] == "invalid_request_error"


def test_a_key_that_is_not_a_test_secret_key_answers_401(raw) -> None:
    response = raw("GET", "/v1/customers", headers={"Authorization": "Bearer pk_test_abc"})

    assert response.status == 401
    assert "Invalid API Key" in response.body["error"]["message"]


def test_the_sdk_raises_authentication_error_for_a_bad_key(sandbox) -> None:
    client = stripe.StripeClient("sk_live_nope", base_addresses={"api": sandbox.url})

    with pytest.raises(stripe.AuthenticationError):
        client.v1.customers.list()


def test_basic_auth_with_the_key_as_username_is_accepted(raw) -> None:
    credentials = base64.b64encode(f"{TEST_SECRET_KEY}:".encode()).decode()

    response = raw("GET", "/v1/customers", headers={"Authorization": f"Basic {credentials}"})

    assert response.status == 200


def test_every_response_carries_a_request_id(raw) -> None:
    ok = raw("GET", "/v1/customers")
    missing = raw("GET", "/v1/customers/cus_missing")

    assert ok.headers["Request-Id"].startswith("req_")
    assert missing.headers["Request-Id"].startswith("req_")
    assert ok.headers["Request-Id"] != missing.headers["Request-Id"]


def test_the_sdk_sees_the_request_id(client) -> None:
    customer = client.v1.customers.create()

    assert customer.last_response.request_id.startswith("req_")


def test_the_platform_account_header_is_accepted(raw, client) -> None:
    account_id = client.v1.accounts.retrieve_current().id

    response = raw("GET", "/v1/customers", headers={"Stripe-Account": account_id})

    assert response.status == 200


def test_another_account_header_is_refused(raw) -> None:
    response = raw("GET", "/v1/customers", headers={"Stripe-Account": "acct_someoneelse"})

    assert response.status == 403
    assert response.body["error"]["code"] == "account_invalid"


def test_a_pinned_stripe_version_is_accepted_and_echoed(raw) -> None:
    response = raw("GET", "/v1/customers", headers={"Stripe-Version": "2026-05-27.dahlia"})

    assert response.status == 200
    assert response.headers["Stripe-Version"] == "2026-05-27.dahlia"


def test_an_unknown_id_answers_404_resource_missing_on_id(client) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.customers.retrieve("cus_doesnotexist")

    assert raised.value.http_status == 404
    assert raised.value.code == "resource_missing"
    assert raised.value.param == "id"


def test_an_unknown_url_answers_404(raw) -> None:
    response = raw("GET", "/v1/nothing_here")

    assert response.status == 404
    assert "Unrecognized request URL" in response.body["error"]["message"]


def test_health_answers_200_without_a_key(raw) -> None:
    response = raw("GET", "/_sandbox/health", headers={"Authorization": ""})

    assert response.status == 200
    assert response.body["status"] == "ok"


def test_the_module_level_api_that_dj_stripe_uses_works(sandbox, client, monkeypatch) -> None:
    account_id = client.v1.accounts.retrieve_current().id
    customer = client.v1.customers.create({"email": "legacy@example.com"})
    monkeypatch.setattr(stripe, "api_base", sandbox.url)

    retrieved = stripe.Customer.retrieve(
        customer.id,
        api_key=TEST_SECRET_KEY,
        stripe_account=account_id,
        expand=["default_source", "sources"],
    )

    assert retrieved.email == "legacy@example.com"
