"""The card charged is always the one the current request names (issue 9, item 1)."""

import pytest
import stripe

from payments.models import Payment
from stripe_sandbox.testing import TEST_SECRET_KEY
from tests.factories import CourseFactory

pytestmark = pytest.mark.django_db


def buy(client, course: str, card: str, key: str = ""):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    body = {"course": course, "payment_method": card}
    return client.post("/api/v1/payments/", body, format="json", **headers)


def charges_in(sandbox) -> list:
    client = stripe.StripeClient(TEST_SECRET_KEY, base_addresses={"api": sandbox.url})
    return client.v1.charges.list(params={"limit": 100}).data


def intents_in(sandbox) -> list:
    client = stripe.StripeClient(TEST_SECRET_KEY, base_addresses={"api": sandbox.url})
    return client.v1.payment_intents.list(params={"limit": 100}).data


def fail_intent_calls(sandbox, settings, **fault) -> None:
    attempts = 1 + settings.STRIPE_MAX_NETWORK_RETRIES  # the SDK's retries meet the fault too
    sandbox.control(
        "POST",
        "/_sandbox/faults",
        dict(method="POST", path="/v1/payment_intents*", count=attempts, **fault),
    )


@pytest.fixture
def course(sandbox, learner_client):
    learner_client.post("/api/v1/payments/", {"course": "warm-up"}, format="json")  # customer
    return CourseFactory.create()


def test_after_stripe_failed_before_storing_the_next_card_named_is_the_one_charged(
    sandbox, settings, learner_client, course
) -> None:
    fail_intent_calls(sandbox, settings, status=503)

    first = buy(learner_client, course.slug, "pm_card_visa", key="a")
    second = buy(learner_client, course.slug, "pm_card_mastercard", key="b")

    assert first.status_code == 503
    assert second.status_code == 200, second.json()
    assert second.json()["status"] == "succeeded"
    charges = charges_in(sandbox)
    assert [c.payment_method_details.card.brand for c in charges] == ["mastercard"]


def test_after_a_decline_a_good_card_pays_instead_of_replaying_the_decline(
    sandbox, learner_client, course
) -> None:
    declined = buy(learner_client, course.slug, "pm_card_visa_chargeDeclinedInsufficientFunds")
    paid = buy(learner_client, course.slug, "pm_card_mastercard")

    assert declined.status_code == 402
    assert paid.status_code == 200, paid.json()
    assert paid.json()["status"] == "succeeded"
    assert [c.status for c in charges_in(sandbox)] == ["succeeded", "failed"]
    assert len(intents_in(sandbox)) == 1


def test_after_a_lost_answer_another_card_confirms_the_same_intent(
    sandbox, settings, learner_client, course
) -> None:
    # Stripe creates (and declines) the intent, but no answer reaches us.
    fail_intent_calls(sandbox, settings, drop_response=True)

    lost = buy(learner_client, course.slug, "pm_card_visa_chargeDeclined", key="a")
    paid = buy(learner_client, course.slug, "pm_card_mastercard", key="b")

    assert lost.status_code == 503
    assert paid.status_code == 200, paid.json()
    intents = intents_in(sandbox)
    assert len(intents) == 1
    assert paid.json()["stripe_payment_intent_id"] == intents[0].id
    succeeded = [c for c in charges_in(sandbox) if c.status == "succeeded"]
    assert [c.payment_method_details.card.brand for c in succeeded] == ["mastercard"]


def test_a_retry_of_the_same_request_after_a_lost_answer_lands_on_the_same_intent(
    sandbox, settings, learner_client, course
) -> None:
    fail_intent_calls(sandbox, settings, drop_response=True)

    lost = buy(learner_client, course.slug, "pm_card_visa", key="same")
    retried = buy(learner_client, course.slug, "pm_card_visa", key="same")

    assert lost.status_code == 503
    assert retried.status_code == 200
    assert retried.json()["status"] == "succeeded"
    assert len(intents_in(sandbox)) == 1
    assert len(charges_in(sandbox)) == 1


def test_an_unusable_card_does_not_block_the_payment_when_its_answer_was_lost(
    sandbox, settings, learner_client, course
) -> None:
    fail_intent_calls(sandbox, settings, drop_response=True)

    lost = buy(learner_client, course.slug, "pm_doesnotexist")
    paid = buy(learner_client, course.slug, "pm_card_visa")

    assert lost.status_code == 503
    assert paid.status_code == 200, paid.json()
    assert paid.json()["status"] == "succeeded"
    assert Payment.objects.get(course=course).create_key_serial == 1
