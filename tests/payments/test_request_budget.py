"""One time budget per request, shared by all its Stripe calls and retries (issue 9, item 5)."""

import time

import pytest
import stripe

from config import deadline
from payments.models import Payment
from stripe_sandbox.testing import TEST_SECRET_KEY
from tests.factories import CourseFactory

pytestmark = pytest.mark.django_db


def slow(sandbox, path: str, ms: int) -> None:
    fault = dict(method="POST", path=path, latency_ms=ms, rate=1)
    sandbox.control("POST", "/_sandbox/faults", fault)


def test_two_slow_stripe_calls_answer_within_the_budget_and_a_retry_charges_once(
    sandbox, learner_client, settings
) -> None:
    course = CourseFactory.create()
    body = {"course": course.slug, "payment_method": "pm_card_visa"}
    key = {"HTTP_IDEMPOTENCY_KEY": "slow-1"}
    slow(sandbox, "/v1/customers", 1500)
    slow(sandbox, "/v1/payment_intents", 1500)

    started = time.monotonic()
    first = learner_client.post("/api/v1/payments/", body, format="json", **key)
    elapsed = time.monotonic() - started
    sandbox.control("DELETE", "/_sandbox/faults")
    retried = learner_client.post("/api/v1/payments/", body, format="json", **key)

    assert first.status_code == 503
    assert first.json()["error"]["retryable"] is True
    assert elapsed < 3.0  # the promise: the budget plus our own work
    assert retried.status_code in (200, 201), retried.json()
    assert retried.json()["status"] == "succeeded"
    assert Payment.objects.count() == 1
    client = stripe.StripeClient(TEST_SECRET_KEY, base_addresses={"api": sandbox.url})
    assert len(client.v1.charges.list(params={"limit": 10}).data) == 1


def test_a_call_that_fits_the_budget_is_not_cut_short(sandbox, learner_client) -> None:
    course = CourseFactory.create()
    slow(sandbox, "/v1/payment_intents", 800)

    response = learner_client.post(
        "/api/v1/payments/",
        {"course": course.slug, "payment_method": "pm_card_visa"},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["status"] == "succeeded"


def test_a_tighter_enclosing_budget_wins() -> None:
    with deadline.within(10), deadline.within(1):
        left = deadline.remaining()

    assert left is not None
    assert left <= 1
    assert deadline.remaining() is None
