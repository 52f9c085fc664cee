"""Refunds settled by Stripe's webhooks, and refunds made outside the app (Stripe's dashboard),
delivered by the sandbox to a live server or signed and posted by the test."""

from functools import partial

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from courses.models import Enrollment
from payments.models import InboxEvent, Payment, PaymentEvent, Refund, RefundEvent
from tests.factories import CourseFactory
from tests.payments.refund_support import (
    buy,
    sandbox_events,
    signed_post,
    staff_user,
    stripe_api,
    token_client,
    wait_for,
)


def payment_is(payment_id, status: str) -> bool:
    return Payment.objects.get(pk=payment_id).status == status


def refund_via_api(payment, body):
    client = token_client(staff_user(can_refund=True))
    return client.post(f"/api/v1/payments/{payment.pk}/refunds/", body, format="json")


def assert_kept_for_a_retry(event: dict) -> None:
    """The inbox stored the event and failed its first attempt; it will try again."""
    stored = InboxEvent.objects.get(event_id=event["id"])
    assert (stored.status, stored.attempts) == ("pending", 1)
    assert stored.next_attempt_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_refund_whose_answer_was_lost_is_settled_by_the_webhook(
    sandbox, webhooks_to_live_server, learner
) -> None:
    paid = buy(learner)
    lost = {"method": "POST", "path": "/v1/refunds", "drop_response": True, "count": 3}
    sandbox.control("POST", "/_sandbox/faults", lost)

    response = refund_via_api(paid, {"reason": "requested_by_customer"})

    assert response.json()["status"] == "pending"
    wait_for(lambda: Payment.objects.get(pk=paid.pk).status == "refunded")
    refund = Refund.objects.get()
    assert refund.status == "succeeded"
    assert refund.stripe_refund_id.startswith("re_")
    assert len(sandbox.sandbox.store.all("refund")) == 1
    assert Enrollment.objects.get(payment=paid).status == "revoked"
    assert (
        PaymentEvent.objects.filter(
            payment=paid,
            to_status="refunded",
            source="webhook",
            stripe_event_type__startswith="refund.",
        ).exists()
        or PaymentEvent.objects.filter(
            payment=paid, to_status="refunded", source="webhook"
        ).exists()
    )
    wait_for(lambda: any(m.to == [learner.email] for m in mail.outbox))


@pytest.mark.django_db(transaction=True)
def test_a_dashboard_refund_reaches_the_ledger_as_stripe_s(
    sandbox, webhooks_to_live_server, learner
) -> None:
    paid = buy(learner, CourseFactory.create(price_amount=3000, currency="jpy"))

    stripe_api(sandbox).v1.refunds.create(
        params={"payment_intent": paid.stripe_payment_intent_id, "amount": 1000}
    )

    wait_for(lambda: Payment.objects.get(pk=paid.pk).status == "partially_refunded")
    refund = Refund.objects.get()
    assert (refund.origin, refund.amount, refund.currency, refund.requested_by) == (
        "stripe",
        1000,
        "jpy",
        None,
    )
    moved = PaymentEvent.objects.get(payment=paid, to_status="partially_refunded")
    assert (moved.source, moved.actor) == ("stripe", "Stripe")
    assert moved.stripe_event_id.startswith("evt_")
    assert RefundEvent.objects.filter(refund=refund, action="recorded", actor="Stripe").exists()
    assert Enrollment.objects.get(payment=paid).status == "active"
    wait_for(lambda: any("¥1,000" in m.body for m in mail.outbox if m.to == [learner.email]))


@pytest.mark.django_db(transaction=True)
def test_a_full_dashboard_refund_revokes_the_course(
    sandbox, webhooks_to_live_server, learner
) -> None:
    paid = buy(learner)

    stripe_api(sandbox).v1.refunds.create(params={"payment_intent": paid.stripe_payment_intent_id})

    wait_for(lambda: Payment.objects.get(pk=paid.pk).status == "refunded")
    wait_for(lambda: Enrollment.objects.get(payment=paid).status == "revoked")


@pytest.mark.django_db
def test_refund_events_duplicated_and_reversed_record_one_refund(
    sandbox, registered_endpoint, learner
) -> None:
    paid = buy(learner)
    stripe_api(sandbox).v1.refunds.create(
        params={"payment_intent": paid.stripe_payment_intent_id, "amount": 700}
    )
    events = sandbox_events(sandbox, "refund.created", "charge.refunded")
    client = Client()

    answers = [
        signed_post(registered_endpoint, event, client).status_code
        for event in [*reversed(events), *events]
    ]

    assert set(answers) == {200}
    paid.refresh_from_db()
    assert (paid.status, paid.amount_refunded) == ("partially_refunded", 700)
    assert Refund.objects.count() == 1
    assert PaymentEvent.objects.filter(payment=paid, to_status="partially_refunded").count() == 1


@pytest.mark.django_db
def test_charge_refunded_alone_finds_a_dashboard_refund(
    sandbox, registered_endpoint, learner
) -> None:
    paid = buy(learner)
    stripe_api(sandbox).v1.refunds.create(params={"payment_intent": paid.stripe_payment_intent_id})
    (charge_refunded,) = sandbox_events(sandbox, "charge.refunded")

    assert signed_post(registered_endpoint, charge_refunded, Client()).status_code == 200

    paid.refresh_from_db()
    assert (paid.status, paid.amount_refunded) == ("refunded", paid.amount)
    assert Refund.objects.get().origin == "stripe"


@pytest.mark.django_db
def test_a_refund_of_a_payment_that_is_not_ours_is_acknowledged_and_ignored(
    sandbox, registered_endpoint
) -> None:
    api = stripe_api(sandbox)
    intent = api.v1.payment_intents.create(
        params={"amount": 500, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
    )
    api.v1.refunds.create(params={"payment_intent": intent.id})

    answers = [
        signed_post(registered_endpoint, e, Client()).status_code
        for e in sandbox_events(sandbox, "refund.created", "charge.refunded")
    ]

    assert answers == [200, 200]
    assert not Refund.objects.exists()


@pytest.mark.django_db
def test_a_refund_naming_a_refund_we_lack_is_kept_for_a_retry(
    sandbox, registered_endpoint, learner
) -> None:
    paid = buy(learner)
    stripe_api(sandbox).v1.refunds.create(
        params={
            "payment_intent": paid.stripe_payment_intent_id,
            "metadata": {"coursepay_refund_id": "00000000-0000-0000-0000-00000000000a"},
        }
    )
    (created,) = sandbox_events(sandbox, "refund.created")

    response = signed_post(registered_endpoint, created, Client(raise_request_exception=False))

    assert response.status_code == 200  # kept: the inbox retries it later
    assert_kept_for_a_retry(created)
    assert not Refund.objects.exists()


@pytest.mark.django_db
def test_stripe_refusing_a_refund_fails_it_and_tells_the_admins(
    sandbox, learner, django_capture_on_commit_callbacks
) -> None:
    paid = buy(learner)
    # Refunded in the dashboard, and we have not heard of it yet: Stripe has less left than us.
    stripe_api(sandbox).v1.refunds.create(
        params={"payment_intent": paid.stripe_payment_intent_id, "amount": 4000}
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = refund_via_api(paid, {"reason": "duplicate"})

    assert (response.status_code, response.json()["status"]) == (201, "failed")
    refund = Refund.objects.get(origin="api")
    assert refund.failure_reason == "amount_too_large"
    assert "greater than unrefunded amount" in refund.failure_message
    (to_admins,) = [m for m in mail.outbox if m.to == ["payments-team@coursepay.test"]]
    assert "Refund failed" in to_admins.subject
    assert "amount_too_large" in to_admins.body
    assert Payment.objects.get(pk=paid.pk).status == "succeeded"


@pytest.mark.django_db
def test_a_refund_naming_a_payment_we_lack_is_kept_for_a_retry(
    sandbox, registered_endpoint
) -> None:
    api = stripe_api(sandbox)
    intent = api.v1.payment_intents.create(
        params={"amount": 500, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
    )
    api.v1.refunds.create(
        params={"payment_intent": intent.id,
                "metadata": {"coursepay_payment_id": "00000000-0000-0000-0000-00000000000b"}}
    )  # fmt: skip
    (created,) = sandbox_events(sandbox, "refund.created")

    response = signed_post(registered_endpoint, created, Client(raise_request_exception=False))

    assert response.status_code == 200
    assert_kept_for_a_retry(created)


@pytest.mark.django_db
def test_a_refund_event_ahead_of_the_payment_s_success_waits_for_it(
    sandbox, registered_endpoint, learner
) -> None:
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(learner)
    started = client.post(
        "/api/v1/payments/", {"course": CourseFactory.create().slug}, format="json"
    ).json()
    api = stripe_api(sandbox)
    api.v1.payment_intents.confirm(
        started["stripe_payment_intent_id"], params={"payment_method": "pm_card_visa"}
    )
    api.v1.refunds.create(params={"payment_intent": started["stripe_payment_intent_id"]})
    (refund_created,) = sandbox_events(sandbox, "refund.created")
    (succeeded,) = sandbox_events(sandbox, "payment_intent.succeeded")
    webhook = Client(raise_request_exception=False)

    early = signed_post(registered_endpoint, refund_created, webhook)
    assert early.status_code == 200
    assert_kept_for_a_retry(refund_created)
    assert not Refund.objects.exists()

    assert signed_post(registered_endpoint, succeeded, webhook).status_code == 200
    InboxEvent.objects.filter(event_id=refund_created["id"]).update(next_attempt_at=timezone.now())
    call_command("webhooks_reprocess", "--due")  # the retry falls due
    assert Payment.objects.get(pk=started["id"]).status == "refunded"


@pytest.mark.django_db
def test_a_refund_is_mirrored_for_the_back_office(sandbox, registered_endpoint, learner) -> None:
    from djstripe.models import Refund as MirroredRefund

    paid = buy(learner)
    stripe_api(sandbox).v1.refunds.create(params={"payment_intent": paid.stripe_payment_intent_id})
    (created,) = sandbox_events(sandbox, "refund.created")

    assert signed_post(registered_endpoint, created, Client()).status_code == 200

    assert MirroredRefund.objects.filter(id=created["data"]["object"]["id"]).exists()


@pytest.mark.django_db
def test_a_mirror_that_cannot_sync_does_not_block_the_ledger(
    sandbox, registered_endpoint, learner, caplog
) -> None:
    from djstripe.models import Refund as MirroredRefund

    paid = buy(learner)
    stripe_api(sandbox).v1.refunds.create(params={"payment_intent": paid.stripe_payment_intent_id})
    (created,) = sandbox_events(sandbox, "refund.created")
    sandbox.control(
        "POST",
        "/_sandbox/faults",
        {"method": "GET", "path": "/v1/balance_transactions/*", "status": 500, "count": 50},
    )

    assert signed_post(registered_endpoint, created, Client()).status_code == 200

    assert Payment.objects.get(pk=paid.pk).status == "refunded"
    assert not MirroredRefund.objects.exists()
    assert "Could not mirror Refund" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_two_partial_refunds_from_the_admin_settle_by_webhook(
    sandbox, webhooks_to_live_server, learner
) -> None:
    paid = buy(learner)
    admin = Client(raise_request_exception=False)
    admin.force_login(staff_user(can_refund=True))
    lost = {"method": "POST", "path": "/v1/refunds", "drop_response": True, "count": 3}

    for amount, expected in (("10.00", "partially_refunded"), ("39.00", "refunded")):
        sandbox.control("POST", "/_sandbox/faults", lost)
        answer = admin.post(
            f"/admin/payments/payment/{paid.pk}/refund/", {"amount": amount, "reason": "duplicate"}
        )
        assert answer.status_code == 302
        wait_for(partial(payment_is, paid.pk, expected))

    assert sorted(Refund.objects.values_list("amount", "status")) == [
        (1000, "succeeded"),
        (3900, "succeeded"),
    ]
    assert len(sandbox.sandbox.store.all("refund")) == 2
    moves = PaymentEvent.objects.filter(
        payment=paid, to_status__in=["partially_refunded", "refunded"]
    )
    assert {event.source for event in moves} == {"webhook"}
