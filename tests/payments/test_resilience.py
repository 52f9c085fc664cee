"""Stripe down, slow or losing answers: 503 within 3 s, a consistent ledger, no duplicate charge."""

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import stripe

from payments.models import Payment
from stripe_sandbox.testing import TEST_SECRET_KEY
from tests.factories import CourseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def hanging_stripe() -> Iterator[str]:
    """A server that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join()
    for connection in accepted:
        connection.close()
    listener.close()


def closed_port() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def payment_intents_in(sandbox) -> list:
    client = stripe.StripeClient(TEST_SECRET_KEY, base_addresses={"api": sandbox.url})
    return client.v1.payment_intents.list(params={"limit": 100}).data


def test_a_hanging_stripe_answers_503_within_3_seconds(
    sandbox, learner_client, settings, hanging_stripe
) -> None:
    course = CourseFactory.create()
    learner_client.post("/api/v1/payments/", {"course": course.slug}, format="json")  # customer
    settings.STRIPE_API_BASE = hanging_stripe
    Payment.objects.all().delete()

    started = time.monotonic()
    response = learner_client.post("/api/v1/payments/", {"course": course.slug}, format="json")
    elapsed = time.monotonic() - started

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "payment_service_unavailable"
    assert response.json()["error"]["retryable"] is True
    assert elapsed < 3.0


def test_an_unreachable_stripe_answers_503_and_a_retry_creates_one_intent(
    sandbox, learner_client, settings
) -> None:
    course = CourseFactory.create()
    key = {"HTTP_IDEMPOTENCY_KEY": "buy-once"}
    real_stripe, settings.STRIPE_API_BASE = settings.STRIPE_API_BASE, closed_port()

    down = learner_client.post("/api/v1/payments/", {"course": course.slug}, format="json", **key)
    settings.STRIPE_API_BASE = real_stripe
    retried = learner_client.post(
        "/api/v1/payments/", {"course": course.slug}, format="json", **key
    )

    assert down.status_code == 503
    assert retried.status_code in (200, 201)
    assert Payment.objects.count() == 1
    assert len(payment_intents_in(sandbox)) == 1


def test_a_lost_answer_from_stripe_does_not_create_a_second_intent(
    sandbox, learner_client, settings
) -> None:
    course = CourseFactory.create()
    learner_client.post("/api/v1/payments/", {"course": "warm-up"}, format="json")
    # Stripe creates the intent, but neither the first answer nor the SDK's retries reach us.
    attempts = 1 + settings.STRIPE_MAX_NETWORK_RETRIES
    sandbox.control(
        "POST",
        "/_sandbox/faults",
        dict(method="POST", path="/v1/payment_intents", count=attempts, drop_response=True),
    )

    lost = learner_client.post("/api/v1/payments/", {"course": course.slug}, format="json")
    retried = learner_client.post("/api/v1/payments/", {"course": course.slug}, format="json")

    assert lost.status_code == 503
    assert retried.status_code == 200
    intents = payment_intents_in(sandbox)
    assert len(intents) == 1
    assert retried.json()["stripe_payment_intent_id"] == intents[0].id


def test_stripe_rate_limiting_answers_503_and_leaves_the_payment_retryable(
    sandbox, learner_client
) -> None:
    course = CourseFactory.create()
    sandbox.control(
        "POST",
        "/_sandbox/faults",
        dict(method="POST", path="/v1/payment_intents", count=1, status=429),
    )

    limited = learner_client.post("/api/v1/payments/", {"course": course.slug}, format="json")
    retried = learner_client.post("/api/v1/payments/", {"course": course.slug}, format="json")

    assert limited.status_code == 503
    assert Payment.objects.get().status in ("pending", "succeeded")
    assert retried.status_code == 200
    assert len(payment_intents_in(sandbox)) == 1
