import pytest
from rest_framework.test import APIClient

from accounts.models import User
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_register_creates_a_user_with_a_usable_password(api_client: APIClient) -> None:
    response = api_client.post(
        "/api/v1/auth/register",
        {"email": "Ada@Example.com", "password": DEFAULT_PASSWORD, "name": "Ada"},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["email"] == "ada@example.com"
    assert "password" not in response.json()
    assert User.objects.get(email="ada@example.com").check_password(DEFAULT_PASSWORD)


def test_register_rejects_a_duplicate_email_whatever_its_case(api_client: APIClient) -> None:
    UserFactory.create(email="ada@example.com")

    response = api_client.post(
        "/api/v1/auth/register",
        {"email": "ADA@example.com", "password": DEFAULT_PASSWORD},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "email_taken"
    assert User.objects.count() == 1


def test_register_rejects_a_weak_password_with_django_validators(api_client: APIClient) -> None:
    response = api_client.post(
        "/api/v1/auth/register", {"email": "ada@example.com", "password": "12345678"}, format="json"
    )

    error = response.json()["error"]
    assert response.status_code == 400
    assert error["code"] == "validation_error"
    assert any("too common" in message for message in error["fields"]["password"])
    assert not User.objects.exists()


def test_register_reports_each_invalid_field(api_client: APIClient) -> None:
    response = api_client.post("/api/v1/auth/register", {"email": "not-an-email"}, format="json")

    fields = response.json()["error"]["fields"]
    assert response.status_code == 400
    assert set(fields) == {"email", "password"}


def test_token_is_returned_for_good_credentials_and_opens_me(api_client: APIClient) -> None:
    user = UserFactory.create(email="ada@example.com")

    response = api_client.post(
        "/api/v1/auth/token",
        {"email": "ada@example.com", "password": DEFAULT_PASSWORD},
        format="json",
    )
    token = response.json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = api_client.get("/api/v1/me")

    assert response.status_code == 200
    assert me.status_code == 200
    assert me.json()["email"] == user.email


def test_token_refuses_a_wrong_password_with_401(api_client: APIClient) -> None:
    UserFactory.create(email="ada@example.com")

    response = api_client.post(
        "/api/v1/auth/token", {"email": "ada@example.com", "password": "wrong"}, format="json"
    )

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_credentials"


def test_login_opens_a_session_that_authenticates_me() -> None:
    UserFactory.create(email="ada@example.com")
    client = APIClient(enforce_csrf_checks=True)

    login = client.post(
        "/api/v1/auth/login",
        {"email": "ada@example.com", "password": DEFAULT_PASSWORD},
        format="json",
    )

    assert login.status_code == 200
    assert "sessionid" in login.cookies
    assert client.get("/api/v1/me").json()["email"] == "ada@example.com"


def test_logout_over_a_session_needs_the_csrf_token() -> None:
    UserFactory.create(email="ada@example.com")
    client = APIClient(enforce_csrf_checks=True)
    login = client.post(
        "/api/v1/auth/login",
        {"email": "ada@example.com", "password": DEFAULT_PASSWORD},
        format="json",
    )

    forged = client.post("/api/v1/auth/logout")
    logout = client.post("/api/v1/auth/logout", HTTP_X_CSRFTOKEN=login.cookies["csrftoken"].value)

    assert forged.status_code == 403
    assert forged.json()["error"]["code"] == "permission_denied"
    assert logout.status_code == 204
    assert client.get("/api/v1/me").status_code == 401


def test_logout_with_a_token_revokes_the_token(api_client: APIClient) -> None:
    UserFactory.create(email="ada@example.com")
    token = api_client.post(
        "/api/v1/auth/token",
        {"email": "ada@example.com", "password": DEFAULT_PASSWORD},
        format="json",
    ).json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    assert api_client.post("/api/v1/auth/logout").status_code == 204
    assert api_client.get("/api/v1/me").status_code == 401


def test_me_answers_401_to_an_anonymous_request(api_client: APIClient) -> None:
    response = api_client.get("/api/v1/me")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_logging_in_again_with_a_stale_session_needs_no_csrf_token() -> None:
    user = UserFactory.create(email="ada@example.com")
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)

    response = client.post(
        "/api/v1/auth/login",
        {"email": "ada@example.com", "password": DEFAULT_PASSWORD},
        format="json",
    )

    assert response.status_code == 200


def test_a_stale_token_header_does_not_block_getting_a_token(api_client: APIClient) -> None:
    UserFactory.create(email="ada@example.com")
    api_client.credentials(HTTP_AUTHORIZATION="Token revoked-long-ago")

    response = api_client.post(
        "/api/v1/auth/token",
        {"email": "ada@example.com", "password": DEFAULT_PASSWORD},
        format="json",
    )

    assert response.status_code == 200
