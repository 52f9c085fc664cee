"""Checkout's webhooks move the ledger: delivered by the sandbox, or replayed, duplicated and
reordered by hand (signed as Stripe signs them)."""

from urllib.error import HTTPError

import pytest
from djstripe.models import Event

from courses.models import Enrollment
from payments.models import CheckoutSession, InboxEvent, Payment, PaymentEvent
from tests.factories import CourseFactory, UserFactory
from tests.payments.live_stripe import (  # noqa: F401
    _endpoint,
    _live_webhooks,
    client_for,
    events_about,
    signed_post,
    stripe_api,
    wait_for,
)


def open_session(learner, course, ui_mode: str = "hosted") -> dict:
    response = client_for(learner).post(
        "/api/v1/checkout-sessions/", {"course": course.slug, "ui_mode": ui_mode}, format="json"
    )
    assert response.status_code == 201, response.json()
    return response.json()


def complete(sandbox, session_id: str, card: str = "4242424242424242") -> None:
    sandbox.control(
        "POST", f"/_sandbox/checkout/sessions/{session_id}/complete", {"card_number": card}
    )


def payment_of(session: dict) -> Payment:
    return Payment.objects.get(pk=session["payment"]["id"])


@pytest.mark.django_db(transaction=True)
def test_a_hosted_session_completed_ends_paid_with_one_enrollment(sandbox, live_webhooks) -> None:
    learner, course = UserFactory.create(), CourseFactory.create()
    session = open_session(learner, course)

    complete(sandbox, session["id"])

    wait_for(lambda: payment_of(session).status == "succeeded")
    wait_for(lambda: CheckoutSession.objects.get(stripe_id=session["id"]).status == "complete")
    assert Enrollment.objects.filter(learner=learner, course=course).count() == 1
    payment = payment_of(session)
    intent = stripe_api(sandbox).v1.payment_intents.retrieve(payment.stripe_payment_intent_id)
    assert intent.metadata["coursepay_payment_id"] == str(payment.pk)
    wait_for(lambda: payment_of(session).card_last4 == "4242")


@pytest.mark.django_db(transaction=True)
def test_an_embedded_session_completed_reads_complete(sandbox, live_webhooks) -> None:
    learner, course = UserFactory.create(), CourseFactory.create()
    session = open_session(learner, course, ui_mode="embedded")

    complete(sandbox, session["id"])

    wait_for(lambda: CheckoutSession.objects.get(stripe_id=session["id"]).status == "complete")
    status = client_for(learner).get(f"/api/v1/checkout-sessions/{session['id']}/").json()
    assert (status["status"], status["payment_status"]) == ("complete", "paid")
    assert status["payment"]["status"] == "succeeded"


@pytest.mark.django_db(transaction=True)
def test_an_expired_session_cancels_its_payment(sandbox, live_webhooks) -> None:
    learner, course = UserFactory.create(), CourseFactory.create()
    session = open_session(learner, course)

    sandbox.control("POST", f"/_sandbox/checkout/sessions/{session['id']}/expire", {})

    wait_for(lambda: payment_of(session).status == "canceled")
    assert CheckoutSession.objects.get(stripe_id=session["id"]).status == "expired"
    assert PaymentEvent.objects.filter(
        payment=payment_of(session), stripe_event_type="checkout.session.expired"
    ).exists()
    assert not Enrollment.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_declined_card_on_the_page_is_recorded_then_a_good_one_pays_once(
    sandbox, live_webhooks
) -> None:
    learner, course = UserFactory.create(), CourseFactory.create()
    session = open_session(learner, course)

    with pytest.raises(HTTPError, match="402"):
        complete(sandbox, session["id"], "4000000000009995")
    wait_for(lambda: payment_of(session).status == "failed")
    complete(sandbox, session["id"])

    wait_for(lambda: payment_of(session).status == "succeeded")
    payment = payment_of(session)
    assert (payment.failed_attempts, payment.decline_code) == (1, "insufficient_funds")
    assert Enrollment.objects.filter(learner=learner).count() == 1


def only_completed(sandbox, session_id: str) -> dict:
    return events_about(sandbox, session_id, "checkout.session.completed")[0]


@pytest.mark.django_db
def test_the_completed_event_alone_settles_the_payment(sandbox, endpoint) -> None:
    learner, course = UserFactory.create(), CourseFactory.create()
    session = open_session(learner, course)
    complete(sandbox, session["id"])

    response = signed_post(endpoint, only_completed(sandbox, session["id"]))

    assert response.status_code == 200
    payment = payment_of(session)
    assert payment.status == "succeeded"
    assert payment.stripe_payment_intent_id.startswith("pi_")
    assert Enrollment.objects.filter(payment=payment).count() == 1
    assert PaymentEvent.objects.get(payment=payment, to_status="succeeded").stripe_event_type == (
        "checkout.session.completed"
    )


@pytest.mark.django_db
def test_a_completed_event_delivered_twenty_times_changes_the_ledger_once(
    sandbox, endpoint
) -> None:
    learner, course = UserFactory.create(), CourseFactory.create()
    session = open_session(learner, course)
    complete(sandbox, session["id"])
    completed = only_completed(sandbox, session["id"])

    answers = {signed_post(endpoint, completed).status_code for _ in range(20)}

    assert answers == {200}
    assert Enrollment.objects.count() == 1
    assert PaymentEvent.objects.filter(source="webhook").count() == 1


@pytest.mark.django_db
def test_every_event_of_a_paid_session_in_any_order_grants_once(sandbox, endpoint) -> None:
    learner, course = UserFactory.create(), CourseFactory.create()
    session = open_session(learner, course)
    complete(sandbox, session["id"])
    intent_id = stripe_api(sandbox).v1.checkout.sessions.retrieve(session["id"]).payment_intent
    events = [*events_about(sandbox, session["id"]), *events_about(sandbox, str(intent_id))]

    answers = [signed_post(endpoint, event).status_code for event in reversed(events)]
    answers += [signed_post(endpoint, event).status_code for event in events]

    assert set(answers) == {200}
    assert payment_of(session).status == "succeeded"
    assert Enrollment.objects.count() == 1


@pytest.mark.django_db
def test_what_paid_is_kept_when_the_charge_event_comes_before_the_intents(
    sandbox, endpoint
) -> None:
    learner, course = UserFactory.create(), CourseFactory.create()
    session = open_session(learner, course)
    complete(sandbox, session["id"], "5555555555554444")
    intent_id = str(stripe_api(sandbox).v1.checkout.sessions.retrieve(session["id"]).payment_intent)
    charge_id = str(stripe_api(sandbox).v1.payment_intents.retrieve(intent_id).latest_charge)

    for event in [
        *events_about(sandbox, charge_id, "charge.succeeded"),  # no payment knows the intent yet
        *events_about(sandbox, intent_id, "payment_intent.succeeded"),
    ]:
        assert signed_post(endpoint, event).status_code == 200

    payment = payment_of(session)
    assert (payment.status, payment.stripe_charge_id) == ("succeeded", charge_id)
    assert (payment.card_brand, payment.card_last4) == ("mastercard", "4444")


@pytest.mark.django_db
def test_a_charge_event_before_any_that_links_the_intent_keeps_what_paid(sandbox, endpoint) -> None:
    learner, course = UserFactory.create(), CourseFactory.create()
    session = open_session(learner, course)
    complete(sandbox, session["id"], "5555555555554444")
    intent_id = str(stripe_api(sandbox).v1.checkout.sessions.retrieve(session["id"]).payment_intent)
    charge_id = str(stripe_api(sandbox).v1.payment_intents.retrieve(intent_id).latest_charge)

    (charged,) = events_about(sandbox, charge_id, "charge.succeeded")
    assert signed_post(endpoint, charged).status_code == 200

    payment = payment_of(session)
    assert (payment.stripe_payment_intent_id, payment.status) == ("", "pending")
    assert (payment.stripe_charge_id, payment.card_last4) == (charge_id, "4444")


@pytest.mark.django_db
def test_a_charge_of_a_stray_intent_naming_a_paid_payment_changes_nothing(
    sandbox, endpoint
) -> None:
    learner, course = UserFactory.create(), CourseFactory.create()
    session = open_session(learner, course)
    complete(sandbox, session["id"])
    signed_post(endpoint, only_completed(sandbox, session["id"]))
    paid = payment_of(session)
    stray = stripe_api(sandbox).v1.payment_intents.create(
        params={
            "amount": 4900,
            "currency": "usd",
            "payment_method": "pm_card_mastercard",
            "confirm": True,
            "metadata": {"coursepay_payment_id": str(paid.pk)},
        }
    )

    (charged,) = events_about(sandbox, str(stray.latest_charge), "charge.succeeded")
    assert signed_post(endpoint, charged).status_code == 200

    after = payment_of(session)
    assert (after.stripe_charge_id, after.card_last4) == (paid.stripe_charge_id, "4242")


@pytest.mark.django_db
def test_a_charge_of_an_intent_that_is_not_ours_changes_nothing(sandbox, endpoint) -> None:
    learner, course = UserFactory.create(), CourseFactory.create()
    session = open_session(learner, course)
    foreign = stripe_api(sandbox).v1.payment_intents.create(
        params={"amount": 500, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
    )

    (charged,) = events_about(sandbox, str(foreign.latest_charge), "charge.succeeded")
    assert signed_post(endpoint, charged).status_code == 200

    assert payment_of(session).stripe_charge_id == ""


@pytest.mark.django_db
def test_an_async_payment_succeeded_event_settles_the_payment(sandbox, endpoint) -> None:
    learner, course = UserFactory.create(), CourseFactory.create()
    session = open_session(learner, course)
    complete(sandbox, session["id"])
    event = only_completed(sandbox, session["id"])
    event |= {"id": event["id"] + "async", "type": "checkout.session.async_payment_succeeded"}

    assert signed_post(endpoint, event).status_code == 200
    assert payment_of(session).status == "succeeded"
    assert Event.objects.filter(type="checkout.session.async_payment_succeeded").exists()


@pytest.mark.django_db
def test_a_session_of_someone_else_is_acknowledged_and_ignored(sandbox, endpoint) -> None:
    api = stripe_api(sandbox)
    foreign = api.v1.checkout.sessions.create(
        params={
            "mode": "payment",
            "line_items": [
                {
                    "price_data": {
                        "currency": "usd",
                        "unit_amount": 200,
                        "product_data": {"name": "Not ours"},
                    },
                    "quantity": 1,
                }
            ],
            "success_url": "https://elsewhere.example/ok",
        }
    )
    complete(sandbox, foreign.id)

    assert signed_post(endpoint, only_completed(sandbox, foreign.id)).status_code == 200
    assert not Payment.objects.exists()


@pytest.mark.django_db
def test_a_session_naming_a_payment_we_lack_is_kept_for_a_retry(sandbox, endpoint) -> None:
    learner, course = UserFactory.create(), CourseFactory.create()
    session = open_session(learner, course)
    complete(sandbox, session["id"])
    completed = only_completed(sandbox, session["id"])
    Payment.objects.all().delete()

    response = signed_post(endpoint, completed)

    assert response.status_code == 200  # stored: the inbox retries it, Stripe need not
    stored = InboxEvent.objects.get(event_id=completed["id"])
    assert (stored.status, stored.attempts) == ("pending", 1)
    assert "PaymentUnknown" in stored.last_error
    assert not Event.objects.filter(id=completed["id"]).exists()
