"""Reconciliation brings the ledger up to date with Stripe when webhooks were lost (issue 15)."""

from dataclasses import replace
from datetime import timedelta

import pytest
import stripe
from django.core.management import CommandError, call_command
from django.test import TestCase
from django.utils import timezone

from courses.models import Enrollment
from payments.gateway import CheckoutState, DisputeState, IntentState, RefundState, StripeEvent
from payments.models import InboxEvent, Payment, ReconciliationIssue
from payments.services.reconciliation import stripe_reconcile
from payments.tasks import stripe_reconcile_task
from stripe_sandbox.testing import TEST_SECRET_KEY
from tests.factories import CourseFactory, PaymentFactory, UserFactory

pytestmark = pytest.mark.django_db


def api(sandbox) -> stripe.StripeClient:
    return stripe.StripeClient(TEST_SECRET_KEY, base_addresses={"api": sandbox.url})


def start(client, course) -> dict:
    return client.post("/api/v1/payments/", {"course": course.slug}, format="json").json()


def reconcile(*args: str) -> None:
    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command("stripe_reconcile", *args)


def test_purchases_paid_while_webhooks_were_lost_are_settled_by_one_run(
    sandbox, api_client, capsys
) -> None:
    call_command("stripe_webhook_register", base_url="http://127.0.0.1:9", verbosity=0)
    sandbox.control("POST", "/_sandbox/webhooks/chaos", {"drop_rate": 1.0})
    learners = [UserFactory.create() for _ in range(3)]
    started = []
    for learner in learners:
        api_client.force_authenticate(learner)
        started.append(start(api_client, CourseFactory.create()))
    paid, declined, authenticated = started
    stripe_api = api(sandbox)
    stripe_api.v1.payment_intents.confirm(
        paid["stripe_payment_intent_id"], params={"payment_method": "pm_card_visa"}
    )
    with pytest.raises(stripe.CardError):
        stripe_api.v1.payment_intents.confirm(
            declined["stripe_payment_intent_id"],
            params={"payment_method": "pm_card_visa_chargeDeclined"},
        )
    stripe_api.v1.payment_intents.confirm(
        authenticated["stripe_payment_intent_id"],
        params={"payment_method": "pm_card_authenticationRequired"},
    )
    sandbox.control(
        "POST",
        f"/_sandbox/payment_intents/{authenticated['stripe_payment_intent_id']}/authenticate",
        {"outcome": "approve"},
    )

    reconcile()

    statuses = {str(p.pk): p.status for p in Payment.objects.all()}
    assert [statuses[p["id"]] for p in started] == ["succeeded", "failed", "succeeded"]
    assert Enrollment.objects.filter(status="active").count() == 2
    assert "complete" in capsys.readouterr().out


def test_events_stripe_could_not_deliver_are_replayed_through_the_inbox(sandbox, api_client):
    call_command("stripe_webhook_register", base_url="http://127.0.0.1:9", verbosity=0)
    learner = UserFactory.create()
    api_client.force_authenticate(learner)
    started = start(api_client, CourseFactory.create())
    api(sandbox).v1.payment_intents.confirm(
        started["stripe_payment_intent_id"], params={"payment_method": "pm_card_visa"}
    )
    undelivered = api(sandbox).v1.events.list(params={"delivery_success": False}).data
    assert undelivered  # the endpoint points at a closed port

    reconcile()

    replayed = InboxEvent.objects.filter(event_id__in=[e.id for e in undelivered])
    assert replayed.count() == len(undelivered)
    assert set(replayed.values_list("status", flat=True)) == {"processed"}


def intent_naming(payment_id: str, **changes) -> IntentState:
    intent = IntentState(
        id="pi_elsewhere",
        status="succeeded",
        client_secret="",
        amount=4900,
        currency="usd",
        metadata={"coursepay_payment_id": payment_id},
    )
    return replace(intent, **changes)


def test_an_intent_naming_a_payment_we_lack_is_reported_not_invented(fake_gateway) -> None:
    ghost = "00000000-0000-0000-0000-0000000000aa"
    fake_gateway.intents["pi_elsewhere"] = intent_naming(ghost)

    report = stripe_reconcile(since=timezone.now(), gateway=fake_gateway, max_calls=10)

    assert report.issues == ["unknown_payment: pi_elsewhere"]
    assert ReconciliationIssue.objects.get().kind == "unknown_payment"
    assert not Payment.objects.exists()


def test_an_amount_that_differs_is_reported_and_left_alone(fake_gateway) -> None:
    payment = PaymentFactory.create(status="pending", amount=4900, stripe_payment_intent_id="")
    fake_gateway.intents["pi_elsewhere"] = intent_naming(str(payment.pk), amount=1)

    stripe_reconcile(since=timezone.now(), gateway=fake_gateway, max_calls=10)

    issue = ReconciliationIssue.objects.get()
    assert (issue.kind, issue.payment, issue.detail["intent_amount"]) == (
        "amount_mismatch",
        payment,
        1,
    )
    assert Payment.objects.get(pk=payment.pk).status == "pending"


def test_a_second_intent_for_a_paid_payment_is_reported_once_however_often_seen(
    fake_gateway,
) -> None:
    payment = PaymentFactory.create(status="succeeded", amount=4900, currency="usd")
    fake_gateway.intents["pi_elsewhere"] = intent_naming(str(payment.pk))

    for _ in range(2):
        stripe_reconcile(since=timezone.now(), gateway=fake_gateway, max_calls=10)

    assert ReconciliationIssue.objects.get().kind == "two_intents"


def test_intents_that_are_not_ours_are_skipped(fake_gateway) -> None:
    fake_gateway.intents["pi_other"] = intent_naming("", id="pi_other", metadata={})

    report = stripe_reconcile(since=timezone.now(), gateway=fake_gateway, max_calls=10)

    assert (report.checked["intents"], report.issues) == (0, [])


def test_a_run_stops_at_its_call_budget_and_says_so(fake_gateway) -> None:
    for n in range(5):
        fake_gateway.intents[f"pi_{n}"] = intent_naming("", id=f"pi_{n}", metadata={})

    report = stripe_reconcile(since=timezone.now(), gateway=fake_gateway, max_calls=2)

    assert report.complete is False
    assert report.calls == 2
    assert fake_gateway.calls == ["payment_intent_list", "payment_intent_list"]


def test_the_command_fails_loudly_when_a_run_does_not_finish(sandbox, settings) -> None:
    sandbox.control(
        "POST", "/_sandbox/faults", dict(method="GET", path="/v1/*", rate=1, status=429)
    )

    with pytest.raises(CommandError, match="did not finish"):
        reconcile("--since", "2026-01-01T00:00:00Z")


def test_the_command_refuses_a_malformed_since() -> None:
    with pytest.raises(CommandError, match="ISO date-time"):
        call_command("stripe_reconcile", "--since", "yesterday\x00")


def test_a_naive_since_is_taken_in_the_server_time_zone(sandbox, capsys) -> None:
    reconcile("--since", "2026-11-01T00:00:00")

    assert "checked 0 intents" in capsys.readouterr().out


def test_the_periodic_task_reconciles_the_configured_window(fake_gateway, settings) -> None:
    settings.RECONCILE_WINDOW_HOURS = 1
    payment = PaymentFactory.create(status="pending", amount=4900, currency="usd")
    fake_gateway.intents[payment.stripe_payment_intent_id] = intent_naming(
        str(payment.pk), id=payment.stripe_payment_intent_id
    )
    fake_gateway.undelivered.append(
        StripeEvent("evt_1", {"id": "evt_1", "type": "x", "data": {"object": {"id": "pi_1"}}})
    )

    with TestCase.captureOnCommitCallbacks(execute=False):
        outcome = stripe_reconcile_task.delay().get()

    assert "1 payments updated, 1 undelivered events replayed" in outcome
    assert Payment.objects.get(pk=payment.pk).status == "succeeded"
    assert timezone.now() - timedelta(hours=1) < Payment.objects.get(pk=payment.pk).updated


def test_stripes_lists_are_read_page_by_page(sandbox, api_client, monkeypatch, capsys) -> None:
    monkeypatch.setattr("payments.stripe_gateway.LIST_PAGE", 2)
    call_command("stripe_webhook_register", base_url="http://127.0.0.1:9", verbosity=0)
    api_client.force_authenticate(UserFactory.create())
    for _ in range(3):
        started = start(api_client, CourseFactory.create())
        api(sandbox).v1.payment_intents.confirm(
            started["stripe_payment_intent_id"], params={"payment_method": "pm_card_visa"}
        )

    reconcile()

    assert set(Payment.objects.values_list("status", flat=True)) == {"succeeded"}
    out = capsys.readouterr().out
    assert "checked 3 intents, 0 sessions, 0 refunds, 0 disputes; 3 payments updated" in out
    assert "needs review" not in out


def test_a_payment_already_in_step_is_not_counted_as_updated(fake_gateway) -> None:
    payment = PaymentFactory.create(status="succeeded", amount=4900, currency="usd")
    fake_gateway.intents[payment.stripe_payment_intent_id] = intent_naming(
        str(payment.pk), id=payment.stripe_payment_intent_id
    )

    report = stripe_reconcile(since=timezone.now(), gateway=fake_gateway, max_calls=10)

    assert (report.checked["intents"], report.payments_updated) == (1, 0)


def test_a_malformed_undelivered_event_is_skipped(fake_gateway) -> None:
    fake_gateway.undelivered.append(StripeEvent("evt_bad", {"id": "evt_bad"}))

    report = stripe_reconcile(since=timezone.now(), gateway=fake_gateway, max_calls=10)

    assert report.events_replayed == 0
    assert not InboxEvent.objects.exists()


def test_an_issue_names_its_kind_and_object() -> None:
    issue = ReconciliationIssue.objects.create(kind="two_intents", stripe_object_id="pi_9")

    assert str(issue) == "A second intent for a payment backed by another: pi_9"


def test_the_command_lists_what_needs_review(sandbox, capsys) -> None:
    api(sandbox).v1.payment_intents.create(
        params={
            "amount": 500,
            "currency": "usd",
            "metadata": {"coursepay_payment_id": "00000000-0000-0000-0000-0000000000bb"},
        }
    )

    reconcile()

    assert "needs review: unknown_payment: pi_" in capsys.readouterr().out


def drop_every_webhook(sandbox) -> None:
    call_command("stripe_webhook_register", base_url="http://127.0.0.1:9", verbosity=0)
    sandbox.control("POST", "/_sandbox/webhooks/chaos", {"drop_rate": 1.0})


def test_a_checkout_paid_while_webhooks_were_lost_is_settled(sandbox, api_client) -> None:
    drop_every_webhook(sandbox)
    learner = UserFactory.create()
    api_client.force_authenticate(learner)
    session = api_client.post(
        "/api/v1/checkout-sessions/", {"course": CourseFactory.create().slug}, format="json"
    ).json()
    sandbox.control("POST", f"/_sandbox/checkout/sessions/{session['id']}/complete", {})

    reconcile()

    assert Payment.objects.get().status == "succeeded"
    assert Enrollment.objects.filter(learner=learner, status="active").count() == 1


def test_a_refund_made_at_stripe_while_webhooks_were_lost_is_recorded(sandbox, api_client) -> None:
    learner = UserFactory.create()
    api_client.force_authenticate(learner)
    paid = api_client.post(
        "/api/v1/payments/",
        {"course": CourseFactory.create().slug, "payment_method": "pm_card_visa"},
        format="json",
    ).json()
    drop_every_webhook(sandbox)
    api(sandbox).v1.refunds.create(params={"payment_intent": paid["stripe_payment_intent_id"]})

    reconcile()

    assert Payment.objects.get().status == "refunded"
    assert not Enrollment.objects.filter(learner=learner, status="active").exists()


def test_a_dispute_opened_while_webhooks_were_lost_is_recorded(sandbox, api_client) -> None:
    learner = UserFactory.create()
    api_client.force_authenticate(learner)
    drop_every_webhook(sandbox)
    api_client.post(
        "/api/v1/payments/",
        {"course": CourseFactory.create().slug, "payment_method": "pm_card_createDispute"},
        format="json",
    )
    sandbox.control("POST", "/_sandbox/clock/advance", {"seconds": 5})

    reconcile()

    payment = Payment.objects.get()
    assert payment.status == "succeeded"
    assert payment.disputes.count() == 1
    assert Enrollment.objects.get(payment=payment).status == "suspended"


def test_a_session_or_refund_naming_a_payment_we_lack_is_reported(fake_gateway) -> None:
    ghost = "00000000-0000-0000-0000-0000000000cc"
    fake_gateway.sessions["cs_ghost"] = CheckoutState(
        id="cs_ghost",
        status="complete",
        payment_status="paid",
        metadata={"coursepay_payment_id": ghost},
        expires_at=0,
    )
    fake_gateway.refunds.refunds["re_ghost"] = RefundState(
        id="re_ghost",
        status="succeeded",
        amount=100,
        currency="usd",
        payment_intent_id="pi_ghost",
        charge_id="",
        reason="",
        metadata={"coursepay_payment_id": ghost},
    )

    report = stripe_reconcile(since=timezone.now(), gateway=fake_gateway, max_calls=10)

    assert sorted(report.issues) == ["unknown_payment: cs_ghost", "unknown_payment: re_ghost"]


def test_a_checkout_that_expired_while_webhooks_were_lost_cancels_its_payment(
    sandbox, api_client, capsys
) -> None:
    drop_every_webhook(sandbox)
    api_client.force_authenticate(UserFactory.create())
    session = api_client.post(
        "/api/v1/checkout-sessions/", {"course": CourseFactory.create().slug}, format="json"
    ).json()
    sandbox.control("POST", f"/_sandbox/checkout/sessions/{session['id']}/expire", {})

    reconcile()

    assert Payment.objects.get().status == "canceled"
    assert "1 sessions" in capsys.readouterr().out


def test_objects_that_are_not_ours_are_skipped(fake_gateway) -> None:
    fake_gateway.sessions["cs_other"] = CheckoutState(
        id="cs_other", status="complete", payment_status="paid", metadata={}, expires_at=0
    )
    fake_gateway.refunds.refunds["re_other"] = RefundState(
        id="re_other",
        status="succeeded",
        amount=100,
        currency="usd",
        payment_intent_id="pi_other",
        charge_id="",
        reason="",
        metadata={},
    )
    fake_gateway.disputes.append(
        DisputeState(
            id="dp_other",
            status="needs_response",
            amount=100,
            currency="usd",
            charge_id="ch_other",
            payment_intent_id="pi_other",
            reason="fraudulent",
        )
    )

    report = stripe_reconcile(since=timezone.now(), gateway=fake_gateway, max_calls=10)

    assert (sum(report.checked.values()), report.issues) == (0, [])
