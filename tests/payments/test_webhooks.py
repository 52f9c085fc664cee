"""Stripe's webhooks move the ledger, through dj-stripe's view, signed by the sandbox."""

import pytest
import stripe
from django.core.management import call_command
from django.test import Client
from djstripe.models import Event as DjstripeEvent

from courses.models import Enrollment
from payments.models import InboxEvent, Payment, PaymentEvent
from tests.factories import CourseFactory, UserFactory
from tests.payments.live_stripe import signed_post, stripe_api, wait_for


def purchase(learner, course, payment_method: str = ""):
    from rest_framework.test import APIClient

    # Django's test client re-raises any request's exception, even one raised by the live
    # server's thread for a delivery: this client only reports its own answers.
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(learner)
    body = {"course": course.slug}
    if payment_method:
        body["payment_method"] = payment_method
    return client.post("/api/v1/payments/", body, format="json")


@pytest.mark.django_db(transaction=True)
def test_client_side_confirmation_is_settled_by_the_webhook(
    sandbox, webhooks_to_live_server
) -> None:
    learner, course = UserFactory.create(), CourseFactory.create()
    started = purchase(learner, course).json()
    assert started["status"] == "pending"

    # What Stripe.js does in the browser with the client secret.
    stripe_api(sandbox).v1.payment_intents.confirm(
        started["stripe_payment_intent_id"], params={"payment_method": "pm_card_visa"}
    )

    wait_for(lambda: Payment.objects.get(pk=started["id"]).status == "succeeded")
    assert Enrollment.objects.filter(learner=learner, course=course, status="active").exists()
    assert PaymentEvent.objects.filter(
        payment_id=started["id"], source="webhook", stripe_event_type="payment_intent.succeeded"
    ).exists()


@pytest.mark.django_db(transaction=True)
def test_three_d_secure_approved_completes_the_purchase(sandbox, webhooks_to_live_server) -> None:
    learner, course = UserFactory.create(), CourseFactory.create()
    started = purchase(learner, course, "pm_card_authenticationRequired").json()
    assert started["status"] == "requires_action"

    sandbox.control(
        "POST",
        f"/_sandbox/payment_intents/{started['stripe_payment_intent_id']}/authenticate",
        {"outcome": "approve"},
    )

    wait_for(lambda: Payment.objects.get(pk=started["id"]).status == "succeeded")
    assert Enrollment.objects.filter(learner=learner, course=course).exists()
    wait_for(lambda: Payment.objects.get(pk=started["id"]).card_last4 == "3184")
    payment = Payment.objects.get(pk=started["id"])
    assert payment.stripe_charge_id.startswith("ch_")
    assert payment.paid_at is not None


@pytest.mark.django_db(transaction=True)
def test_three_d_secure_failed_records_the_failure(sandbox, webhooks_to_live_server) -> None:
    learner, course = UserFactory.create(), CourseFactory.create()
    started = purchase(learner, course, "pm_card_authenticationRequired").json()

    sandbox.control(
        "POST",
        f"/_sandbox/payment_intents/{started['stripe_payment_intent_id']}/authenticate",
        {"outcome": "fail"},
    )

    wait_for(lambda: Payment.objects.get(pk=started["id"]).status == "failed")
    payment = Payment.objects.get(pk=started["id"])
    assert payment.failure_code == "payment_intent_authentication_failure"
    assert not Enrollment.objects.exists()


@pytest.fixture
def registered_endpoint(sandbox, db):
    from djstripe.models import WebhookEndpoint

    call_command("stripe_webhook_register", base_url="http://127.0.0.1:9", verbosity=0)
    return WebhookEndpoint.objects.get()


def sandbox_events(sandbox, intent_id: str) -> list[dict]:
    events = stripe_api(sandbox).v1.events.list(params={"limit": 100})
    return [
        e.to_dict()
        for e in reversed(events.data)
        if e.data.object.get("id") == intent_id or e.data.object.get("payment_intent") == intent_id
    ]


@pytest.mark.django_db
def test_the_same_event_delivered_twenty_times_changes_the_ledger_once(
    sandbox, registered_endpoint, client
) -> None:
    learner, course = UserFactory.create(), CourseFactory.create()
    started = purchase(learner, course).json()
    stripe_api(sandbox).v1.payment_intents.confirm(
        started["stripe_payment_intent_id"], params={"payment_method": "pm_card_visa"}
    )
    succeeded = next(
        e
        for e in sandbox_events(sandbox, started["stripe_payment_intent_id"])
        if e["type"] == "payment_intent.succeeded"
    )

    answers = {signed_post(registered_endpoint, succeeded, client).status_code for _ in range(20)}

    assert answers == {200}
    assert Payment.objects.get(pk=started["id"]).status == "succeeded"
    assert Enrollment.objects.count() == 1
    assert PaymentEvent.objects.filter(source="webhook").count() == 1


@pytest.mark.django_db
def test_events_out_of_order_leave_the_payment_succeeded(
    sandbox, registered_endpoint, client
) -> None:
    learner, course = UserFactory.create(), CourseFactory.create()
    started = purchase(learner, course).json()
    intent_id = started["stripe_payment_intent_id"]
    api = stripe_api(sandbox)
    with pytest.raises(stripe.CardError):
        api.v1.payment_intents.confirm(
            intent_id, params={"payment_method": "pm_card_visa_chargeDeclined"}
        )
    api.v1.payment_intents.confirm(intent_id, params={"payment_method": "pm_card_visa"})
    events = sandbox_events(sandbox, intent_id)
    by_type = {e["type"]: e for e in events}

    for event_type in ("payment_intent.succeeded", "payment_intent.payment_failed"):
        assert signed_post(registered_endpoint, by_type[event_type], client).status_code == 200

    payment = Payment.objects.get(pk=started["id"])
    assert payment.status == "succeeded"
    assert Enrollment.objects.filter(payment=payment).count() == 1


@pytest.mark.django_db
def test_an_event_for_a_payment_we_do_not_have_yet_is_kept_for_a_retry(
    sandbox, registered_endpoint
) -> None:
    customer = stripe_api(sandbox).v1.customers.create(params={"email": "x@example.com"})
    intent = stripe_api(sandbox).v1.payment_intents.create(
        params={
            "amount": 500,
            "currency": "usd",
            "customer": customer.id,
            "payment_method": "pm_card_visa",
            "confirm": True,
            "metadata": {"coursepay_payment_id": "00000000-0000-0000-0000-000000000001"},
        }
    )
    succeeded = next(
        e for e in sandbox_events(sandbox, intent.id) if e["type"] == "payment_intent.succeeded"
    )

    response = signed_post(registered_endpoint, succeeded, Client(raise_request_exception=False))

    assert response.status_code == 200  # stored: we retry it ourselves, Stripe need not
    stored = InboxEvent.objects.get(event_id=succeeded["id"])
    assert (stored.status, stored.attempts) == ("pending", 1)
    assert stored.next_attempt_at is not None
    assert "PaymentUnknown" in stored.last_error
    assert not DjstripeEvent.objects.filter(id=succeeded["id"]).exists()


@pytest.mark.django_db
def test_an_unsigned_webhook_is_rejected(sandbox, registered_endpoint, client) -> None:
    response = client.post(
        f"/stripe/webhook/{registered_endpoint.djstripe_uuid}/",
        data="{}",
        content_type="application/json",
    )

    assert response.status_code == 400


@pytest.mark.django_db
def test_success_after_a_decline_grants_once_when_the_webhook_comes_last(
    sandbox, registered_endpoint, client
) -> None:
    learner, course = UserFactory.create(), CourseFactory.create()
    assert purchase(learner, course, "pm_card_visa_chargeDeclined").status_code == 402
    paid = purchase(learner, course, "pm_card_visa").json()
    succeeded = next(
        e
        for e in sandbox_events(sandbox, paid["stripe_payment_intent_id"])
        if e["type"] == "payment_intent.succeeded"
    )

    response = signed_post(registered_endpoint, succeeded, client)

    assert response.status_code == 200
    assert Enrollment.objects.filter(learner=learner, course=course).count() == 1


@pytest.mark.django_db
def test_a_second_intent_naming_a_paid_payment_does_not_overwrite_it(
    sandbox, registered_endpoint, client
) -> None:
    learner, course = UserFactory.create(), CourseFactory.create()
    paid = purchase(learner, course, "pm_card_visa").json()
    stray = stripe_api(sandbox).v1.payment_intents.create(
        params={
            "amount": 4900,
            "currency": "usd",
            "payment_method": "pm_card_visa",
            "confirm": True,
            "metadata": {"coursepay_payment_id": paid["id"]},
        }
    )
    succeeded = next(
        e for e in sandbox_events(sandbox, stray.id) if e["type"] == "payment_intent.succeeded"
    )

    assert signed_post(registered_endpoint, succeeded, client).status_code == 200
    assert (
        Payment.objects.get(pk=paid["id"]).stripe_payment_intent_id
        == paid["stripe_payment_intent_id"]
    )


@pytest.mark.django_db
def test_an_old_event_for_a_payment_we_never_had_is_acknowledged(
    sandbox, registered_endpoint, client
) -> None:
    intent = stripe_api(sandbox).v1.payment_intents.create(
        params={
            "amount": 500,
            "currency": "usd",
            "payment_method": "pm_card_visa",
            "confirm": True,
            "metadata": {"coursepay_payment_id": "00000000-0000-0000-0000-000000000002"},
        }
    )
    succeeded = next(
        e for e in sandbox_events(sandbox, intent.id) if e["type"] == "payment_intent.succeeded"
    )
    succeeded["created"] -= 2 * 3600

    assert signed_post(registered_endpoint, succeeded, client).status_code == 200
