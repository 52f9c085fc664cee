"""What every seed contract shares: CORS, rate limits, logs; and seed 000 (serverless checkout)
served by the native Checkout endpoint."""

import logging
import time
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import ServiceAPIKey
from payments.gateway import get_gateway
from payments.services.catalog import course_sync_to_stripe
from tests.config.test_production_settings import PRODUCTION_ENV, run_manage
from tests.factories import CourseFactory

pytestmark = pytest.mark.django_db

FRONTEND = "https://front.example"


def preflight(path: str, origin: str, headers: str = "content-type") -> Any:
    return Client().options(
        path,
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS=headers,
    )


@pytest.fixture
def cors(settings) -> None:
    settings.CORS_ALLOWED_ORIGINS = [FRONTEND]
    settings.CORS_ALLOW_ALL_ORIGINS = False


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/api/checkout/embedded-session", "content-type"),
        ("/api/stripe/create-payment-intent", "authorization,content-type"),
        ("/customers", "content-type,x-api-key"),
        ("/payments/checkout", "content-type,x-api-key"),
    ],
)
def test_a_preflight_from_an_allowed_origin_is_answered(cors, path: str, headers: str) -> None:
    response = preflight(path, FRONTEND, headers)

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == FRONTEND
    assert set(response["Access-Control-Allow-Methods"].split(", ")) == {"GET", "POST", "OPTIONS"}
    allowed = response["Access-Control-Allow-Headers"].split(", ")
    assert set(headers.split(",")) <= set(allowed)


def test_a_preflight_from_a_foreign_origin_gets_no_cors_headers(cors) -> None:
    response = preflight("/api/checkout/embedded-session", "https://evil.example")

    assert "Access-Control-Allow-Origin" not in response


def test_a_simple_request_from_the_allowed_origin_is_readable(cors, sandbox) -> None:
    response = Client().get(
        "/api/checkout/session-status?session_id=cs_test_nope", HTTP_ORIGIN=FRONTEND
    )

    assert response["Access-Control-Allow-Origin"] == FRONTEND


def test_development_allows_any_origin() -> None:
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.CORS_ALLOW_ALL_ORIGINS)",
        env={"DJANGO_SETTINGS_MODULE": "config.settings.dev"},
    )

    assert result.stdout.strip().splitlines()[-1] == "True", result.stderr


def test_production_never_allows_any_origin() -> None:
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.CORS_ALLOW_ALL_ORIGINS)",
        env={**PRODUCTION_ENV, "CORS_ALLOW_ALL_ORIGINS": "true"},
    )

    assert result.stdout.strip().splitlines()[-1] == "False", result.stderr


def test_the_allowed_origins_come_from_the_environment() -> None:
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.CORS_ALLOWED_ORIGINS)",
        env={**PRODUCTION_ENV, "CORS_ALLOWED_ORIGINS": "https://a.example,https://b.example"},
    )

    assert result.stdout.strip().splitlines()[-1] == "['https://a.example', 'https://b.example']", (
        result.stderr
    )


def throttle(settings, contract: str, rate: str) -> None:
    rates = dict(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"])
    rates[f"contract_{contract}"] = rate
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}


def test_guests_are_throttled_per_ip_with_retry_after(sandbox, settings) -> None:
    throttle(settings, "embedded_checkout", "2/min")
    client = Client()
    statuses = [
        client.post(
            "/api/checkout/embedded-session", {}, content_type="application/json"
        ).status_code
        for _ in range(3)
    ]
    other_ip = Client(REMOTE_ADDR="10.0.0.9").post(
        "/api/checkout/embedded-session", {}, content_type="application/json"
    )

    assert statuses == [200, 200, 429]
    assert other_ip.status_code == 200


def test_a_throttled_answer_has_the_contract_shape_and_retry_after(sandbox, settings) -> None:
    throttle(settings, "embedded_checkout", "1/min")
    Client().get("/api/checkout/session-status")

    response = Client().get("/api/checkout/session-status")

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert list(response.json()) == ["error"]


def test_service_keys_are_throttled_per_key(sandbox, settings) -> None:
    throttle(settings, "service_api", "1/min")
    _, first = ServiceAPIKey.objects.create_key(name="a")
    _, second = ServiceAPIKey.objects.create_key(name="b")

    statuses = [
        APIClient(HTTP_X_API_KEY=key).get("/payments/pi_nope").status_code
        for key in (first, first, second)
    ]

    assert statuses == [404, 429, 404]


def test_each_contract_request_logs_its_outcome_and_request_id_without_secrets(
    sandbox, caplog
) -> None:
    _, key = ServiceAPIKey.objects.create_key(name="billing")
    with caplog.at_level(logging.INFO, logger="payments.contracts"):
        response = APIClient(HTTP_X_API_KEY=key).post(
            "/customers", {"email": "a@example.com"}, format="json"
        )

    record = next(r for r in caplog.records if r.name == "payments.contracts")
    assert record.getMessage() == "contract service_api POST CustomersView -> 201"
    assert record.request_id == response["X-Request-ID"]
    assert key not in caplog.text
    assert "sk_test" not in caplog.text


def test_seed_000_checkout_by_price_answers_within_3_seconds_when_stripe_is_slow(
    sandbox, learner_client
) -> None:
    course = course_sync_to_stripe(course=CourseFactory.create(), gateway=get_gateway())
    for path in ("/v1/customers", "/v1/checkout/sessions"):
        sandbox.control(
            "POST",
            "/_sandbox/faults",
            {"method": "POST", "path": path, "latency_ms": 2500, "rate": 1},
        )

    started = time.monotonic()
    response = learner_client.post(
        "/api/v1/checkout-sessions/", {"price": course.stripe_price_id}, format="json"
    )
    elapsed = time.monotonic() - started

    assert elapsed < 3.0
    assert response.status_code == 503
    assert response.json()["error"]["retryable"] is True


def test_seed_000_checkout_by_price_answers_the_hosted_url(sandbox, learner_client) -> None:
    course = course_sync_to_stripe(course=CourseFactory.create(), gateway=get_gateway())

    response = learner_client.post(
        "/api/v1/checkout-sessions/", {"price": course.stripe_price_id}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["url"].startswith("http")


def test_seed_000_the_stripe_key_can_come_from_a_mounted_file(tmp_path: Path) -> None:
    key_file = tmp_path / "stripe_secret_key"
    key_file.write_text("sk_test_fromAMountedSecretFile")
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "STRIPE_SECRET_KEY"}

    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.STRIPE_SECRET_KEY[:8])",
        env={**env, "STRIPE_SECRET_KEY_FILE": str(key_file)},
    )

    assert result.stdout.strip().splitlines()[-1] == "sk_test_", result.stderr
