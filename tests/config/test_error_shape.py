"""Every API error has one shape: {"error": {code, message, retryable, suggestion, fields},
request_id}."""

import logging

import pytest
from django.urls import path
from rest_framework import viewsets
from rest_framework.permissions import AllowAny
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from config import urls as project_urls
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
ERROR_KEYS = {"code", "message", "retryable", "suggestion", "fields"}


class ExplodingViewSet(viewsets.ViewSet):
    permission_classes = [AllowAny]

    def list(self, request):
        raise RuntimeError("database password is hunter2")


urlpatterns = [
    path("api/v1/explode/", ExplodingViewSet.as_view({"get": "list"})),
    *project_urls.urlpatterns,
]
handler404 = project_urls.handler404
handler500 = project_urls.handler500


def assert_error_shape(response, status: int, code: str) -> dict:
    body = response.json()
    assert response.status_code == status
    assert set(body) == {"error", "request_id"}
    assert set(body["error"]) >= ERROR_KEYS
    assert body["error"]["code"] == code
    assert body["request_id"] == response["X-Request-ID"]
    return body["error"]


def test_validation_error_is_400_with_fields(api_client: APIClient) -> None:
    response = api_client.post("/api/v1/auth/token", {"email": "x"}, format="json")

    error = assert_error_shape(response, 400, "validation_error")
    assert set(error["fields"]) == {"email", "password"}


def test_malformed_json_is_400_parse_error(api_client: APIClient) -> None:
    response = api_client.post(
        "/api/v1/auth/token", data="{not json", content_type="application/json"
    )

    assert_error_shape(response, 400, "parse_error")


def test_anonymous_is_401(api_client: APIClient) -> None:
    assert_error_shape(api_client.get("/api/v1/me"), 401, "not_authenticated")


def test_bad_token_is_401_authentication_failed(api_client: APIClient) -> None:
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    assert_error_shape(api_client.get("/api/v1/me"), 401, "authentication_failed")


def test_forbidden_is_403() -> None:
    UserFactory.create(email="ada@example.com")
    client = APIClient(enforce_csrf_checks=True)
    client.login(email="ada@example.com", password="correct-horse-battery-staple")

    assert_error_shape(client.post("/api/v1/auth/logout"), 403, "permission_denied")


def test_unknown_api_path_is_a_json_404(api_client: APIClient) -> None:
    assert_error_shape(api_client.get("/api/v1/no-such-thing/"), 404, "not_found")


def test_wrong_method_is_405(api_client: APIClient) -> None:
    assert_error_shape(api_client.get("/api/v1/auth/token"), 405, "method_not_allowed")


def test_unsupported_media_type_is_415(api_client: APIClient) -> None:
    response = api_client.post(
        "/api/v1/auth/token", data="email=a", content_type="application/x-www-form-urlencoded"
    )

    assert_error_shape(response, 415, "unsupported_media_type")


def test_throttled_is_429_with_retry_after(
    api_client: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "auth", "2/min")
    body = {"email": "ada@example.com", "password": "wrong"}

    responses = [api_client.post("/api/v1/auth/token", body, format="json") for _ in range(3)]

    error = assert_error_shape(responses[-1], 429, "throttled")
    assert error["retryable"] is True
    assert int(responses[-1]["Retry-After"]) > 0


@pytest.mark.urls(__name__)
def test_unhandled_exception_is_a_generic_500_with_detail_only_in_the_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = APIClient(raise_request_exception=False)

    with caplog.at_level(logging.ERROR):
        response = client.get("/api/v1/explode/", HTTP_X_REQUEST_ID="trace-123")

    error = assert_error_shape(response, 500, "server_error")
    assert "hunter2" not in response.content.decode()
    assert error["retryable"] is True
    assert any("hunter2" in r.getMessage() or r.exc_info for r in caplog.records)
    assert all(getattr(r, "request_id", "trace-123") == "trace-123" for r in caplog.records)


def test_request_id_is_accepted_from_the_client(api_client: APIClient) -> None:
    response = api_client.get("/api/v1/me", HTTP_X_REQUEST_ID="abc-123")

    assert response["X-Request-ID"] == "abc-123"
    assert response.json()["request_id"] == "abc-123"


def test_request_id_is_replaced_when_the_client_sends_garbage(api_client: APIClient) -> None:
    response = api_client.get("/api/v1/me", HTTP_X_REQUEST_ID="bad id\nwith newline")

    assert response["X-Request-ID"] != "bad id\nwith newline"
    assert len(response["X-Request-ID"]) == 32


def test_a_page_outside_the_api_gets_an_html_404(client) -> None:
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert b"Page not found" in response.content
