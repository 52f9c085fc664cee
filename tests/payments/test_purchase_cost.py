"""What one purchase costs once the learner's Stripe Customer exists."""

import pytest
import stripe
from rest_framework.throttling import SimpleRateThrottle

from tests.factories import CourseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def stripe_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every HTTP request the stripe SDK sends, as 'METHOD url'."""
    calls: list[str] = []
    send = stripe.RequestsClient.request

    def counting(self, method, url, headers, post_data=None):
        calls.append(f"{method.upper()} {url}")
        return send(self, method, url, headers, post_data)

    monkeypatch.setattr(stripe.RequestsClient, "request", counting)
    return calls


def test_a_purchase_makes_one_stripe_call_and_few_queries(
    sandbox, learner_client, stripe_calls, django_assert_max_num_queries
) -> None:
    warm_up, course = CourseFactory.create(), CourseFactory.create()
    learner_client.post("/api/v1/payments/", {"course": warm_up.slug}, format="json")
    stripe_calls.clear()

    # A constant: 11 statements (the idempotency claim; one read of the course, the learner's
    # open payment and Stripe Customer, and whether the card is another learner's saved card;
    # the payment opened with its audit row and running total; the outcome under the row lock
    # with its audit row, the enrollment and the totals; the idempotent answer), plus the
    # savepoints of the test's own transaction.
    with django_assert_max_num_queries(17):
        response = learner_client.post(
            "/api/v1/payments/",
            {"course": course.slug, "payment_method": "pm_card_visa"},
            format="json",
            HTTP_IDEMPOTENCY_KEY="cost-1",
        )

    assert response.status_code == 201
    assert len(stripe_calls) == 1
    method, url = stripe_calls[0].split(" ")
    assert (method, url.rsplit("/v1/", 1)[1]) == ("POST", "payment_intents")


def test_reusing_an_open_payment_calls_stripe_not_at_all(
    sandbox, learner_client, stripe_calls
) -> None:
    course = CourseFactory.create()
    learner_client.post("/api/v1/payments/", {"course": course.slug}, format="json")
    stripe_calls.clear()

    response = learner_client.post("/api/v1/payments/", {"course": course.slug}, format="json")

    assert response.status_code == 200
    assert stripe_calls == []


def test_payment_creation_is_throttled_per_learner(
    sandbox, learner_client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "payments_user", "2/min")
    course = CourseFactory.create()

    answers = [
        learner_client.post("/api/v1/payments/", {"course": course.slug}, format="json")
        for _ in range(3)
    ]

    assert [a.status_code for a in answers] == [201, 200, 429]
    assert answers[-1].json()["error"]["code"] == "throttled"
    assert int(answers[-1]["Retry-After"]) > 0


def test_payment_creation_is_throttled_per_ip(
    sandbox, learner_client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "payments_ip", "1/min")
    course = CourseFactory.create()

    first = learner_client.post("/api/v1/payments/", {"course": course.slug}, format="json")
    second = learner_client.post("/api/v1/payments/", {"course": course.slug}, format="json")

    assert first.status_code == 201
    assert second.status_code == 429


def test_a_learner_throttled_may_buy_again_once_the_window_has_passed(
    sandbox, learner_client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "payments_user", "1/min")
    now = [1_000_000.0]
    monkeypatch.setattr(SimpleRateThrottle, "timer", lambda self: now[0])
    course = CourseFactory.create()

    first = learner_client.post("/api/v1/payments/", {"course": course.slug}, format="json")
    refused = learner_client.post("/api/v1/payments/", {"course": course.slug}, format="json")
    now[0] += 61
    later = learner_client.post("/api/v1/payments/", {"course": course.slug}, format="json")

    assert (first.status_code, refused.status_code, later.status_code) == (201, 429, 200)


def test_a_throttle_without_a_rate_lets_purchases_through(
    sandbox, learner_client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "payments_user", None)
    course = CourseFactory.create()

    answers = [
        learner_client.post("/api/v1/payments/", {"course": course.slug}, format="json")
        for _ in range(25)
    ]

    assert {a.status_code for a in answers} == {201, 200}


def test_reading_the_history_is_not_throttled_as_a_purchase(
    sandbox, learner_client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "payments_user", "1/min")

    answers = {learner_client.get("/api/v1/payments/").status_code for _ in range(3)}

    assert answers == {200}
