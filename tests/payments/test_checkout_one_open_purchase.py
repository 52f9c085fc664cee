"""One open purchase per learner and course, whatever the way of paying: the last one wins."""

from datetime import timedelta

import pytest
from django.utils import timezone

from courses.models import Enrollment
from payments.models import CheckoutSession, Payment
from tests.factories import CourseFactory
from tests.payments.live_stripe import stripe_api

pytestmark = pytest.mark.django_db


def open_session(client, course: str, **body):
    return client.post("/api/v1/checkout-sessions/", {"course": course, **body}, format="json")


def buy(client, course: str, **body):
    return client.post("/api/v1/payments/", {"course": course, **body}, format="json")


def stripe_session(sandbox, session_id: str):
    return stripe_api(sandbox).v1.checkout.sessions.retrieve(session_id)


def test_another_ui_mode_expires_the_open_session_and_opens_a_new_payment(
    sandbox, learner_client
) -> None:
    course = CourseFactory.create()
    hosted = open_session(learner_client, course.slug, ui_mode="hosted").json()

    embedded = open_session(learner_client, course.slug, ui_mode="embedded")

    assert embedded.status_code == 201
    assert embedded.json()["payment"]["id"] != hosted["payment"]["id"]
    assert stripe_session(sandbox, hosted["id"]).status == "expired"
    assert Payment.objects.get(pk=hosted["payment"]["id"]).status == "canceled"
    assert CheckoutSession.objects.get(stripe_id=hosted["id"]).status == "expired"


def test_other_redirects_expire_the_open_session(sandbox, learner_client, settings) -> None:
    settings.CHECKOUT_REDIRECT_ORIGINS = ["https://app.example"]
    course = CourseFactory.create()
    first = open_session(learner_client, course.slug).json()

    second = open_session(learner_client, course.slug, success_url="https://app.example/done")

    assert second.status_code == 201
    assert stripe_session(sandbox, first["id"]).status == "expired"
    assert (
        stripe_session(sandbox, second.json()["id"]).success_url
        == "https://app.example/done?session_id={CHECKOUT_SESSION_ID}"
    )


def test_a_payment_intent_purchase_expires_the_open_checkout_session(
    sandbox, learner_client
) -> None:
    course = CourseFactory.create()
    checkout = open_session(learner_client, course.slug).json()

    bought = buy(learner_client, course.slug, payment_method="pm_card_visa")

    assert bought.status_code == 201
    assert bought.json()["status"] == "succeeded"
    assert stripe_session(sandbox, checkout["id"]).status == "expired"
    assert Payment.objects.get(pk=checkout["payment"]["id"]).status == "canceled"
    assert Enrollment.objects.get().payment_id == Payment.objects.get(pk=bought.json()["id"]).pk


def test_checkout_cancels_the_open_payment_intent(sandbox, learner_client) -> None:
    course = CourseFactory.create()
    pending = buy(learner_client, course.slug).json()

    checkout = open_session(learner_client, course.slug)

    assert checkout.status_code == 201
    intent = stripe_api(sandbox).v1.payment_intents.retrieve(pending["stripe_payment_intent_id"])
    assert intent.status == "canceled"
    assert Payment.objects.get(pk=pending["id"]).status == "canceled"


def test_a_session_paid_behind_our_back_is_recorded_instead_of_charging_again(
    sandbox, learner_client
) -> None:
    course = CourseFactory.create()
    checkout = open_session(learner_client, course.slug).json()
    sandbox.control("POST", f"/_sandbox/checkout/sessions/{checkout['id']}/complete", {})

    bought = buy(learner_client, course.slug, payment_method="pm_card_mastercard")

    assert bought.status_code == 200
    assert (bought.json()["id"], bought.json()["status"]) == (
        checkout["payment"]["id"],
        "succeeded",
    )
    charges = stripe_api(sandbox).v1.charges.list().data
    brands = [c.to_dict()["payment_method_details"]["card"]["brand"] for c in charges]
    assert brands == ["visa"]
    assert Enrollment.objects.count() == 1


def test_checkout_again_after_paying_behind_our_back_answers_409(sandbox, learner_client) -> None:
    course = CourseFactory.create()
    checkout = open_session(learner_client, course.slug).json()
    sandbox.control("POST", f"/_sandbox/checkout/sessions/{checkout['id']}/complete", {})

    again = open_session(learner_client, course.slug, ui_mode="embedded")

    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_enrolled"
    assert Payment.objects.get(pk=checkout["payment"]["id"]).status == "succeeded"


def test_a_session_stripe_expired_without_telling_us_is_not_handed_out(
    sandbox, learner_client, settings
) -> None:
    settings.PAYMENT_REFRESH_AFTER_SECONDS = 0
    course = CourseFactory.create()
    first = open_session(learner_client, course.slug).json()
    sandbox.control("POST", f"/_sandbox/checkout/sessions/{first['id']}/expire", {})

    again = open_session(learner_client, course.slug)

    assert again.status_code == 201
    assert again.json()["id"] != first["id"]
    assert Payment.objects.get(pk=first["payment"]["id"]).status == "canceled"


def test_a_session_about_to_end_is_replaced(sandbox, learner_client) -> None:
    course = CourseFactory.create()
    first = open_session(learner_client, course.slug).json()
    CheckoutSession.objects.filter(stripe_id=first["id"]).update(
        expires_at=timezone.now() + timedelta(minutes=5)
    )

    again = open_session(learner_client, course.slug)

    assert again.status_code == 201
    assert stripe_session(sandbox, first["id"]).status == "expired"


def test_a_repriced_course_gets_a_new_session_at_the_new_price(sandbox, learner_client) -> None:
    course = CourseFactory.create(price_amount=4900)
    first = open_session(learner_client, course.slug).json()
    course.price_amount = 2900
    course.save()

    again = open_session(learner_client, course.slug).json()

    assert again["payment"]["amount"] == 2900
    assert stripe_session(sandbox, again["id"]).amount_total == 2900
    assert stripe_session(sandbox, first["id"]).status == "expired"
