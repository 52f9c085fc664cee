"""No client input makes a 5xx: each of these answers 400, 404 or 415 with the error shape.

They run on PostgreSQL in CI, where a NUL or an out-of-range offset reaching a query is a
database error.
"""

import json
from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.factories import CourseFactory

pytestmark = pytest.mark.django_db

ANONYMOUS_JSON_ENDPOINT = "/api/v1/auth/token/"


def error_of(response, status: int) -> dict:
    assert response.status_code == status, response.content[:300]
    body = response.json()
    assert set(body) == {"error", "request_id"}
    return body["error"]


def post_raw(client: APIClient, path: str, body: str | bytes, **extra):
    return client.post(path, data=body, content_type="application/json", **extra)


@pytest.fixture
def client() -> APIClient:
    return APIClient(raise_request_exception=False)


@pytest.mark.parametrize(
    "body",
    ["[" * 1000, "[" * 60_000, '{"a":' * 1000 + "1" + "}" * 1000, '{"a":' * 33 + "1" + "}" * 33],
    ids=["1000-arrays", "60000-arrays", "1000-objects", "33-objects"],
)
def test_deeply_nested_json_is_a_parse_error(client: APIClient, body: str) -> None:
    error = error_of(post_raw(client, ANONYMOUS_JSON_ENDPOINT, body), 400)

    assert error["code"] == "parse_error"


def test_nesting_within_the_limit_is_parsed(client: APIClient) -> None:
    body = {"email": "a@example.com", "password": "x", "extra": json.loads("[" * 31 + "]" * 31)}

    response = client.post(ANONYMOUS_JSON_ENDPOINT, body, format="json")

    assert error_of(response, 401)["code"] == "invalid_credentials"


def test_deep_nesting_is_refused_on_authenticated_endpoints_too(learner_client: APIClient) -> None:
    learner_client.raise_request_exception = False

    response = post_raw(learner_client, "/api/v1/payments/", "[" * 1000)

    assert error_of(response, 400)["code"] == "parse_error"


@pytest.mark.parametrize("body", ["[]", '"x"', "1", "null", "true", '[{"email": "a"}]'])
def test_a_body_that_is_not_an_object_is_a_parse_error(client: APIClient, body: str) -> None:
    error = error_of(post_raw(client, ANONYMOUS_JSON_ENDPOINT, body), 400)

    assert error["code"] == "parse_error"


@pytest.mark.parametrize(
    "number", ["1e999", "-1e999", "NaN", "Infinity", "9" * 30, "-" + "9" * 30, "1" * 5000]
)
def test_numbers_no_column_can_hold_are_a_parse_error(client: APIClient, number: str) -> None:
    response = post_raw(client, ANONYMOUS_JSON_ENDPOINT, f'{{"email": {number}}}')

    assert error_of(response, 400)["code"] == "parse_error"


@pytest.mark.parametrize(
    "body",
    [
        '{"email": "a\\u0000@example.com", "password": "x"}',
        '{"email\\u0000": "a@example.com", "password": "x"}',
        '{"email": "a@example.com", "password": "x", "name": ["\\u0000"]}',
        '{"email": "a@example.com", "password": "\\ud800"}',
        '{"email": "a@example.com", "password": "\\udfff\\ud800"}',
    ],
    ids=["nul-value", "nul-key", "nul-nested", "lone-high-surrogate", "reversed-surrogates"],
)
def test_unstorable_json_strings_are_a_parse_error(client: APIClient, body: str) -> None:
    error = error_of(post_raw(client, ANONYMOUS_JSON_ENDPOINT, body), 400)

    assert error["code"] == "parse_error"


def test_a_surrogate_pair_is_an_ordinary_character(client: APIClient) -> None:
    body = '{"email": "a@example.com", "password": "\\ud83d\\ude00"}'

    assert error_of(post_raw(client, ANONYMOUS_JSON_ENDPOINT, body), 401)


def test_invalid_utf8_is_a_parse_error(client: APIClient) -> None:
    response = post_raw(client, ANONYMOUS_JSON_ENDPOINT, b'{"email": "\xff\xfe"}')

    assert error_of(response, 400)["code"] == "parse_error"


@pytest.mark.parametrize(
    "content_type",
    [
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "text/plain",
        "application/xml",
    ],
)
def test_a_body_that_is_not_json_is_a_415(client: APIClient, content_type: str) -> None:
    response = client.post(ANONYMOUS_JSON_ENDPOINT, data="email=a", content_type=content_type)

    assert error_of(response, 415)["code"] == "unsupported_media_type"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/courses/a%00b/",
        "/api/v1/courses/%00/",
        "/api/v1/payments/%00/",
        "/api/v1/courses/?page=%00",
        "/api/v1/courses/?%00=1",
        "/api/v1/payments/?status=%00",
        "/api/v1/payments/?created_after=2024%00",
    ],
)
def test_a_nul_in_the_path_or_query_string_is_a_400(learner_client: APIClient, path: str) -> None:
    learner_client.raise_request_exception = False

    error = error_of(learner_client.get(path), 400)

    assert error["code"] == "bad_request"


@pytest.mark.parametrize(
    "header",
    [
        {"HTTP_AUTHORIZATION": "Token abc\x00def"},
        {"HTTP_COOKIE": "sessionid=abc\x00def"},
        {"HTTP_X_REQUEST_ID": "abc\x00"},
        {"HTTP_IDEMPOTENCY_KEY": "key\x00"},
        {"HTTP_ACCEPT_LANGUAGE": "\x00"},
    ],
    ids=["authorization", "cookie", "request-id", "idempotency-key", "accept-language"],
)
def test_a_nul_in_a_header_is_a_400(client: APIClient, header: dict[str, Any]) -> None:
    response = client.post("/api/v1/payments/", {"course": "x"}, format="json", **header)

    assert error_of(response, 400)["code"] == "bad_request"


@pytest.mark.parametrize("debug", [True, False])
def test_too_many_query_parameters_is_a_json_400(client: APIClient, settings, debug: bool) -> None:
    settings.DEBUG = debug
    query = "&".join(f"p{i}=1" for i in range(1001))

    assert error_of(client.get(f"/api/v1/courses/?{query}"), 400)["code"] == "bad_request"


def test_a_host_we_do_not_serve_is_a_json_400(client: APIClient) -> None:
    response = client.get("/api/v1/courses/", HTTP_HOST="evil.example")

    assert error_of(response, 400)["code"] == "bad_request"


def test_a_nul_in_a_form_field_is_a_400(client: APIClient) -> None:
    response = client.post(
        "/admin/login/",
        data="username=admin%00&password=x",
        content_type="application/x-www-form-urlencoded",
    )

    assert error_of(response, 400)["code"] == "bad_request"


def test_a_course_slug_that_is_not_a_slug_is_a_json_404(client: APIClient) -> None:
    CourseFactory.create(slug="python")

    for path in ("/api/v1/courses/caf%C3%A9/", "/api/v1/courses/%FF/", "/api/v1/courses/a.b/"):
        assert error_of(client.get(path), 404)["code"] == "not_found"


def test_a_slug_thousands_of_characters_long_is_a_short_404(client: APIClient) -> None:
    response = client.get(f"/api/v1/courses/{'a' * 10_000}/")

    assert error_of(response, 404)
    assert len(response.content) < 1024


@pytest.mark.parametrize(
    "query",
    [
        "page=99999999999999999999999999",
        "page=-1",
        "page=" + "9" * 5000,
        "cursor=not-a-cursor",
        "cursor=%FF%FE",
    ],
    ids=["huge-page", "negative-page", "5000-digit-page", "bad-cursor", "binary-cursor"],
)
def test_out_of_range_pages_and_cursors_are_404s(learner_client: APIClient, query: str) -> None:
    path = "/api/v1/payments/" if query.startswith("cursor") else "/api/v1/courses/"

    assert error_of(learner_client.get(f"{path}?{query}"), 404)["code"] == "not_found"


def test_a_long_request_id_is_replaced(client: APIClient) -> None:
    response = client.get("/api/v1/courses/", HTTP_X_REQUEST_ID="r" * 10_000)

    assert response.status_code == 200
    assert len(response["X-Request-ID"]) == 32


@pytest.mark.parametrize("request_id", ["<script>", "a b", "ünïcode", "x" * 129])
def test_an_unsafe_request_id_is_replaced(client: APIClient, request_id: str) -> None:
    response = client.get("/api/v1/courses/", HTTP_X_REQUEST_ID=request_id)

    assert response["X-Request-ID"] != request_id
    assert len(response["X-Request-ID"]) == 32


def test_an_unacceptable_accept_header_is_a_json_406(client: APIClient) -> None:
    response = client.get("/api/v1/courses/", HTTP_ACCEPT="application/xml")

    assert error_of(response, 406)["code"] == "not_acceptable"


def test_head_answers_like_get_without_a_body(client: APIClient) -> None:
    CourseFactory.create()

    get, head = client.get("/api/v1/courses/"), client.head("/api/v1/courses/")

    assert head.status_code == get.status_code == 200
    assert head.content == b""
    assert head["Content-Type"] == get["Content-Type"]


def test_options_describes_an_anonymous_endpoint(client: APIClient) -> None:
    response = client.options("/api/v1/courses/")

    assert response.status_code == 200
    assert response.json()["name"] == "Course List"


def test_options_on_an_authenticated_endpoint_needs_authentication(client: APIClient) -> None:
    assert error_of(client.options("/api/v1/payments/"), 401)["code"] == "not_authenticated"


@pytest.mark.parametrize("method", ["options", "post", "put", "delete"])
@pytest.mark.parametrize("path", ["/api/schema/", "/api/docs/", "/api/redoc/"])
def test_the_documentation_answers_other_methods_with_a_json_405(
    client: APIClient, path: str, method: str
) -> None:
    response = getattr(client, method)(path)

    assert error_of(response, 405)["code"] == "method_not_allowed"
