"""Buying a course through `POST /api/v1/payments/`, against the Stripe sandbox."""

import pytest
from rest_framework.test import APIClient

from courses.models import Enrollment
from payments.models import Payment, PaymentEvent
from tests.factories import CourseFactory

pytestmark = pytest.mark.django_db


def buy(client: APIClient, course: str, payment_method: str = ""):
    body = {"course": course}
    if payment_method:
        body["payment_method"] = payment_method
    return client.post("/api/v1/payments/", body, format="json")


def test_buying_with_a_good_card_succeeds_and_grants_the_course(
    sandbox, learner_client, learner
) -> None:
    course = CourseFactory.create(price_amount=4900, currency="usd")

    response = buy(learner_client, course.slug, "pm_card_visa")

    body = response.json()
    assert response.status_code == 201, body
    assert body["status"] == "succeeded"
    assert (body["amount"], body["currency"]) == (4900, "usd")
    assert body["stripe_payment_intent_id"].startswith("pi_")
    assert body["client_secret"].startswith(body["stripe_payment_intent_id"] + "_secret_")
    assert Enrollment.objects.get(learner=learner, course=course).status == "active"


def test_a_paid_purchase_keeps_what_paid(sandbox, learner_client) -> None:
    course = CourseFactory.create()

    response = buy(learner_client, course.slug, "pm_card_visa")

    payment = Payment.objects.get(pk=response.json()["id"])
    assert payment.stripe_charge_id.startswith("ch_")
    assert (payment.card_brand, payment.card_last4) == ("visa", "4242")
    assert payment.paid_at is not None


def test_the_amount_comes_from_the_catalog_not_the_client(sandbox, learner_client) -> None:
    course = CourseFactory.create(price_amount=1500, currency="jpy")

    response = learner_client.post(
        "/api/v1/payments/", {"course": course.slug, "amount": 1, "currency": "usd"}, format="json"
    )

    assert response.status_code == 201
    assert (response.json()["amount"], response.json()["currency"]) == (1500, "jpy")


def test_without_a_payment_method_the_payment_waits_for_client_confirmation(
    sandbox, learner_client
) -> None:
    course = CourseFactory.create()

    response = buy(learner_client, course.slug)

    assert response.status_code == 201
    assert response.json()["status"] == "pending"
    assert response.json()["client_secret"]


@pytest.mark.parametrize(
    ("payment_method", "code", "decline_code"),
    [
        ("pm_card_visa_chargeDeclined", "card_declined", "generic_decline"),
        ("pm_card_visa_chargeDeclinedInsufficientFunds", "card_declined", "insufficient_funds"),
        ("pm_card_visa_chargeDeclinedLostCard", "card_declined", "lost_card"),
        ("pm_card_visa_chargeDeclinedStolenCard", "card_declined", "stolen_card"),
        ("pm_card_chargeDeclinedExpiredCard", "expired_card", None),
        ("pm_card_chargeDeclinedIncorrectCvc", "incorrect_cvc", None),
        ("pm_card_chargeDeclinedProcessingError", "processing_error", None),
        ("pm_card_chargeCustomerFail", "card_declined", None),
    ],
)
def test_a_declined_card_answers_402_with_guidance(
    sandbox, learner_client, payment_method, code, decline_code
) -> None:
    course = CourseFactory.create()

    response = buy(learner_client, course.slug, payment_method)

    error = response.json()["error"]
    assert response.status_code == 402, response.json()
    assert error["code"] == code
    if decline_code:
        assert error["decline_code"] == decline_code
    assert error["suggestion"]
    assert isinstance(error["retryable"], bool)
    payment = Payment.objects.get()
    assert payment.status == "failed"
    assert payment.failure_code == code
    assert not Enrollment.objects.exists()


def test_the_payment_detail_explains_the_last_failure(sandbox, learner_client) -> None:
    course = CourseFactory.create()
    buy(learner_client, course.slug, "pm_card_visa_chargeDeclinedInsufficientFunds")
    payment = Payment.objects.get()

    detail = learner_client.get(f"/api/v1/payments/{payment.pk}/").json()

    assert detail["last_failure"]["code"] == "card_declined"
    assert detail["last_failure"]["decline_code"] == "insufficient_funds"
    assert detail["last_failure"]["message"]
    assert "another card" in detail["last_failure"]["suggestion"]


def test_a_second_card_completes_the_same_payment_after_a_decline(sandbox, learner_client) -> None:
    course = CourseFactory.create()
    first = buy(learner_client, course.slug, "pm_card_visa_chargeDeclined")

    second = buy(learner_client, course.slug, "pm_card_visa")

    assert first.status_code == 402
    assert second.status_code == 200
    assert second.json()["status"] == "succeeded"
    assert Payment.objects.count() == 1
    assert Payment.objects.get().failed_attempts == 1


def test_three_d_secure_answers_requires_action(sandbox, learner_client) -> None:
    course = CourseFactory.create()

    response = buy(learner_client, course.slug, "pm_card_authenticationRequired")

    assert response.status_code == 201
    assert response.json()["status"] == "requires_action"
    assert not Enrollment.objects.exists()


def test_an_open_payment_is_reused_instead_of_duplicated(sandbox, learner_client) -> None:
    course = CourseFactory.create()
    first = buy(learner_client, course.slug)

    second = buy(learner_client, course.slug)

    assert second.status_code == 200
    assert second.json()["id"] == first.json()["id"]
    assert second.json()["stripe_payment_intent_id"] == first.json()["stripe_payment_intent_id"]


def test_a_learner_who_owns_the_course_gets_409(sandbox, learner_client) -> None:
    course = CourseFactory.create()
    buy(learner_client, course.slug, "pm_card_visa")

    response = buy(learner_client, course.slug, "pm_card_visa")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "already_enrolled"


def test_an_unknown_course_is_404(sandbox, learner_client) -> None:
    response = buy(learner_client, "no-such-course")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "course_not_found"


def test_a_malformed_payment_method_is_a_validation_error(sandbox, learner_client) -> None:
    course = CourseFactory.create()

    response = buy(learner_client, course.slug, "4242424242424242")

    assert response.status_code == 400
    assert "payment_method" in response.json()["error"]["fields"]
    assert not Payment.objects.exists()


def test_an_anonymous_purchase_is_401(sandbox, api_client) -> None:
    course = CourseFactory.create()

    assert buy(api_client, course.slug).status_code == 401


def test_every_status_change_is_audited(sandbox, learner_client) -> None:
    course = CourseFactory.create()

    buy(learner_client, course.slug, "pm_card_visa")

    trail = list(PaymentEvent.objects.values_list("from_status", "to_status", "source"))
    assert trail == [("", "pending", "api"), ("pending", "succeeded", "api")]


def test_an_unusable_payment_method_is_a_400_and_the_next_card_pays_the_same_payment(
    sandbox, learner_client
) -> None:
    course = CourseFactory.create()

    rejected = buy(learner_client, course.slug, "pm_doesnotexist")
    retried = buy(learner_client, course.slug, "pm_card_visa")

    assert rejected.status_code == 400
    assert rejected.json()["error"]["code"] == "invalid_payment_method"
    assert retried.status_code == 200
    assert retried.json()["status"] == "succeeded"
    assert list(Payment.objects.values_list("status", flat=True)) == ["succeeded"]


def test_each_declined_attempt_counts_even_when_it_reads_the_same(sandbox, learner_client) -> None:
    course = CourseFactory.create()
    card = "pm_card_visa_chargeDeclinedInsufficientFunds"

    answers = [buy(learner_client, course.slug, card).status_code for _ in range(3)]

    assert answers == [402, 402, 402]
    assert Payment.objects.get().failed_attempts == 3
    assert PaymentEvent.objects.filter(to_status="failed").count() == 3


def test_a_repriced_course_is_bought_at_the_new_price_and_the_old_intent_is_canceled(
    sandbox, learner_client
) -> None:
    course = CourseFactory.create(price_amount=4900)
    quoted = buy(learner_client, course.slug).json()
    course.price_amount = 1900
    course.save()

    response = buy(learner_client, course.slug, "pm_card_visa")

    assert response.status_code == 201
    assert (response.json()["amount"], response.json()["status"]) == (1900, "succeeded")
    assert Payment.objects.get(pk=quoted["id"]).status == "canceled"
    old_intent = sandbox.sandbox.store.get("payment_intent", quoted["stripe_payment_intent_id"])
    assert old_intent["status"] == "canceled"
