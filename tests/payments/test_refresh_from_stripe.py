"""A lost webhook never leaves a charged learner without access (issue 9, item 6).

No webhook endpoint is registered in these tests: every event Stripe sends is lost.
"""

import pytest
import stripe

from courses.models import Enrollment
from payments.models import Payment, PaymentEvent
from tests.factories import CourseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_behind_our_back(sandbox, learner_client):
    """A purchase that needed 3-D Secure, then approved at Stripe; we heard nothing of it."""
    course = CourseFactory.create()
    started = learner_client.post(
        "/api/v1/payments/",
        {"course": course.slug, "payment_method": "pm_card_authenticationRequired"},
        format="json",
    ).json()
    assert started["status"] == "requires_action"
    sandbox.control(
        "POST",
        f"/_sandbox/payment_intents/{started['stripe_payment_intent_id']}/authenticate",
        {"outcome": "approve"},
    )
    return started


@pytest.fixture
def stripe_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    send = stripe.RequestsClient.request

    def counting(self, method, url, headers, post_data=None):
        calls.append(f"{method.upper()} {url.split('/v1/', 1)[1]}")
        return send(self, method, url, headers, post_data)

    monkeypatch.setattr(stripe.RequestsClient, "request", counting)
    return calls


def test_a_recent_payment_is_read_from_the_ledger(
    paid_behind_our_back, learner_client, stripe_calls
) -> None:
    detail = learner_client.get(f"/api/v1/payments/{paid_behind_our_back['id']}/").json()

    assert detail["status"] == "requires_action"
    assert stripe_calls == []


def test_a_stale_unsettled_payment_is_brought_up_to_date_by_one_read(
    paid_behind_our_back, learner_client, learner, settings, stripe_calls
) -> None:
    settings.PAYMENT_REFRESH_AFTER_SECONDS = 0

    detail = learner_client.get(f"/api/v1/payments/{paid_behind_our_back['id']}/").json()

    assert detail["status"] == "succeeded"
    assert Enrollment.objects.filter(learner=learner, status="active").count() == 1
    assert [call.split("?")[0] for call in stripe_calls] == [
        f"GET payment_intents/{paid_behind_our_back['stripe_payment_intent_id']}"
    ]
    assert PaymentEvent.objects.filter(source="refresh", to_status="succeeded").count() == 1


def test_buying_again_without_a_card_brings_the_payment_up_to_date(
    paid_behind_our_back, learner_client, learner, settings
) -> None:
    settings.PAYMENT_REFRESH_AFTER_SECONDS = 0
    course = Payment.objects.get().course

    response = learner_client.post("/api/v1/payments/", {"course": course.slug}, format="json")

    assert response.status_code == 200
    assert response.json()["status"] == "succeeded"
    assert Enrollment.objects.filter(learner=learner, course=course).exists()


def test_a_settled_payment_is_never_asked_about(sandbox, learner_client, settings, stripe_calls):
    settings.PAYMENT_REFRESH_AFTER_SECONDS = 0
    course = CourseFactory.create()
    paid = learner_client.post(
        "/api/v1/payments/",
        {"course": course.slug, "payment_method": "pm_card_visa"},
        format="json",
    ).json()
    stripe_calls.clear()

    learner_client.get(f"/api/v1/payments/{paid['id']}/")

    assert stripe_calls == []


def test_stripe_being_down_during_a_refresh_answers_the_ledger(
    paid_behind_our_back, learner_client, settings, sandbox
) -> None:
    settings.PAYMENT_REFRESH_AFTER_SECONDS = 0
    sandbox.control(
        "POST", "/_sandbox/faults", dict(method="GET", path="/v1/*", rate=1, status=503)
    )

    response = learner_client.get(f"/api/v1/payments/{paid_behind_our_back['id']}/")

    assert response.status_code == 200
    assert response.json()["status"] == "requires_action"
