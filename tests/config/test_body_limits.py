"""Request bodies are bounded before anything reads them; errors quote input only briefly."""

import json
import uuid

import pytest
from django.test import override_settings
from gunicorn.http.errors import ChunkMissingTerminator, InvalidChunkSize, NoMoreData
from rest_framework.test import APIClient

from tests.config import raw_wsgi
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

KIB = 1024
JSON = {"Content-Type": "application/json"}
WEBHOOK_PATH = f"/stripe/webhook/{uuid.uuid4()}/"


def assert_too_large(response: raw_wsgi.RawResponse) -> None:
    assert response.status == 413
    body = json.loads(response.body)
    assert body["error"]["code"] == "request_too_large"
    assert body["request_id"] == response.headers["X-Request-ID"]
    assert len(response.body) < KIB


def test_a_50_mb_anonymous_body_is_refused_without_reading_it() -> None:
    stream = raw_wsgi.CountingStream(50 * KIB * KIB)

    response = raw_wsgi.call("POST", "/api/v1/auth/register/", body=stream, headers=JSON)

    assert_too_large(response)
    assert stream.bytes_read == 0


def test_a_chunked_body_is_read_only_up_to_the_limit() -> None:
    stream = raw_wsgi.CountingStream(50 * KIB * KIB)

    response = raw_wsgi.call("POST", "/api/v1/auth/token/", body=stream, chunked=True, headers=JSON)

    assert_too_large(response)
    assert stream.bytes_read <= 64 * KIB + 1


def test_a_chunked_body_within_the_limit_reaches_the_view() -> None:
    body = json.dumps({"email": "chunked@example.com", "password": "a long passphrase 42"})

    response = raw_wsgi.call(
        "POST", "/api/v1/auth/register/", body=body.encode(), chunked=True, headers=JSON
    )

    assert response.status == 201, response.body
    assert json.loads(response.body)["email"] == "chunked@example.com"


@pytest.mark.parametrize(
    "error",
    [InvalidChunkSize(b"ZZ"), ChunkMissingTerminator(b"XX"), NoMoreData(b"")],
    ids=["chunk-size-not-hex", "chunk-without-crlf", "body-cut-short"],
)
@pytest.mark.parametrize("path", ["/api/v1/auth/token/", "/customers"])
def test_a_chunked_body_the_server_cannot_read_is_a_400_not_a_500(
    path: str, error: OSError, caplog: pytest.LogCaptureFixture
) -> None:
    """gunicorn raises these from `wsgi.input.read()`: they were a 500, "retryable", logged as a
    server error with its traceback."""
    stream = raw_wsgi.BrokenStream(b'{"email": ', error)

    response = raw_wsgi.call("POST", path, body=stream, chunked=True, headers=JSON)

    assert response.status == 400
    error_body = json.loads(response.body)["error"]
    message = error_body if isinstance(error_body, str) else error_body["message"]
    assert message == "The chunked request body is malformed or incomplete."
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


def test_a_body_at_the_limit_is_parsed() -> None:
    padding = "x" * (64 * KIB - len('{"email": "", "password": "pw"}'))
    body = json.dumps({"email": padding, "password": "pw"}).encode()
    assert len(body) == 64 * KIB

    response = raw_wsgi.call("POST", "/api/v1/auth/token/", body=body, headers=JSON)

    assert response.status == 400
    assert "email" in json.loads(response.body)["error"]["fields"]


def test_one_byte_over_the_limit_is_refused(api_client: APIClient) -> None:
    response = api_client.post(
        "/api/v1/auth/token/", data="x" * (64 * KIB + 1), content_type="application/json"
    )

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"


@override_settings(API_MAX_BODY_BYTES=100)
def test_the_api_limit_is_a_setting(api_client: APIClient) -> None:
    response = api_client.post(
        "/api/v1/auth/token/", {"email": "a@example.com", "password": "x" * 80}, format="json"
    )

    assert response.status_code == 413


def test_an_authenticated_purchase_body_is_bounded_too(learner_client: APIClient) -> None:
    body = json.dumps({"course": "x", "padding": "y" * 2 * KIB * KIB})

    response = learner_client.post("/api/v1/payments/", data=body, content_type="application/json")

    assert response.status_code == 413
    assert len(response.content) < KIB


def test_the_webhook_accepts_a_body_above_the_api_limit() -> None:
    event = json.dumps({"id": "evt_1", "padding": "x" * 512 * KIB}).encode()

    response = raw_wsgi.call("POST", WEBHOOK_PATH, body=event, headers=JSON)

    assert response.status != 413


def test_the_webhook_refuses_a_body_above_one_mebibyte() -> None:
    stream = raw_wsgi.CountingStream(KIB * KIB + 1)

    response = raw_wsgi.call("POST", WEBHOOK_PATH, body=stream, headers=JSON)

    assert_too_large(response)
    assert stream.bytes_read == 0


def test_the_admin_keeps_djangos_form_limit(client) -> None:
    form = {"username": "admin@example.com", "password": "x" * 200 * KIB}

    assert client.post("/admin/login/", form).status_code != 413
    assert client.post("/admin/login/", {"password": "x" * 3 * KIB * KIB}).status_code == 413


@pytest.mark.parametrize(
    "declared", ["2x", "-1", "9" * 5000, "\u0662"], ids=["2x", "-1", "5000-digits", "arabic-2"]
)
def test_a_content_length_that_is_not_a_number_is_a_400(declared: str) -> None:
    response = raw_wsgi.call(
        "POST", "/api/v1/auth/token/", body=b"{}", content_length=declared, headers=JSON
    )

    assert response.status == 400
    assert json.loads(response.body)["error"]["code"] == "bad_request"


def test_a_huge_slug_is_not_echoed_back(learner_client: APIClient) -> None:
    slug = "a" * 60 * KIB

    response = learner_client.post("/api/v1/payments/", {"course": slug}, format="json")

    assert response.status_code in (400, 404)
    assert len(response.content) < KIB
    assert slug[:20] in response.json()["error"]["message"]  # quoted, but briefly


def test_an_invalid_choice_is_quoted_briefly(learner_client: APIClient) -> None:
    response = learner_client.get("/api/v1/payments/", {"status": "s" * 5000})

    error = response.json()["error"]
    assert response.status_code == 400
    assert all(len(message) <= 300 for message in error["fields"]["status"])
    assert "is not one of the available choices" in error["fields"]["status"][0]


def test_a_long_password_error_lists_messages_briefly() -> None:
    UserFactory.create(email="taken@example.com")
    body = {"email": "taken@example.com", "password": "p" * 5000, "name": "n" * 5000}

    response = APIClient().post("/api/v1/auth/register/", body, format="json")

    assert response.status_code == 400
    assert len(response.content) < 2 * KIB
