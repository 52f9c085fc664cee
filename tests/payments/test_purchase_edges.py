"""Purchases meeting what Stripe did behind our back: paid already, repriced, processing."""

from dataclasses import replace

import pytest
import stripe

from payments import transitions
from payments.errors import (
    AlreadyEnrolled,
    GatewayKeyReused,
    GatewayUnavailable,
    IntentStateConflict,
    PaymentNotFinished,
)
from payments.gateway import IntentState
from payments.models import Payment, PaymentStatus
from payments.services.purchase import payment_start
from stripe_sandbox.testing import TEST_SECRET_KEY
from tests.factories import CourseFactory, PaymentFactory, UserFactory
from tests.payments.fakes import FakeGateway

pytestmark = pytest.mark.django_db


def buy(client, course: str, card: str = ""):
    body = {"course": course, **({"payment_method": card} if card else {})}
    return client.post("/api/v1/payments/", body, format="json")


def stripe_client(sandbox) -> stripe.StripeClient:
    return stripe.StripeClient(TEST_SECRET_KEY, base_addresses={"api": sandbox.url})


def test_a_card_sent_after_stripe_js_already_paid_is_not_charged(sandbox, learner_client) -> None:
    course = CourseFactory.create()
    started = buy(learner_client, course.slug).json()
    stripe_client(sandbox).v1.payment_intents.confirm(  # Stripe.js paid; its webhook was lost
        started["stripe_payment_intent_id"], params={"payment_method": "pm_card_visa"}
    )

    response = buy(learner_client, course.slug, "pm_card_mastercard")

    assert response.status_code == 200
    assert response.json()["status"] == "succeeded"
    charges = stripe_client(sandbox).v1.charges.list().data
    assert [c.to_dict()["payment_method_details"]["card"]["brand"] for c in charges] == ["visa"]


def test_a_course_repriced_after_stripe_js_paid_keeps_the_paid_payment(
    sandbox, learner_client
) -> None:
    course = CourseFactory.create(price_amount=4900)
    started = buy(learner_client, course.slug).json()
    stripe_client(sandbox).v1.payment_intents.confirm(
        started["stripe_payment_intent_id"], params={"payment_method": "pm_card_visa"}
    )
    course.price_amount = 1900
    course.save()

    response = buy(learner_client, course.slug, "pm_card_visa")

    assert response.status_code == 200
    assert (response.json()["id"], response.json()["status"]) == (started["id"], "succeeded")
    assert Payment.objects.count() == 1


def test_a_processing_payment_cannot_be_started_again(fake_gateway) -> None:
    payment = PaymentFactory.create(status="processing")
    fake_gateway.intents[payment.stripe_payment_intent_id] = _intent(payment, "processing")

    with pytest.raises(PaymentNotFinished):
        payment_start(
            learner=payment.learner,
            course_slug=payment.course.slug,
            payment_method="pm_card_visa",
            gateway=fake_gateway,
        )


def test_a_repriced_course_whose_old_intent_is_processing_waits(fake_gateway) -> None:
    payment = PaymentFactory.create(status="pending", amount=1)
    fake_gateway.intents[payment.stripe_payment_intent_id] = _intent(payment, "processing")
    fake_gateway.payment_intent_cancel = _refuse

    with pytest.raises(PaymentNotFinished):
        payment_start(
            learner=payment.learner,
            course_slug=payment.course.slug,
            payment_method="pm_card_visa",
            gateway=fake_gateway,
        )


def test_create_keys_refused_without_an_intent_answer_unavailable(fake_gateway) -> None:
    learner, course = UserFactory.create(), CourseFactory.create()
    fake_gateway.payment_intent_create = _key_reused

    with pytest.raises(GatewayUnavailable):
        payment_start(
            learner=learner,
            course_slug=course.slug,
            payment_method="pm_card_visa",
            gateway=fake_gateway,
        )

    assert Payment.objects.get().create_key_serial == 2
    assert fake_gateway.calls.count("payment_intent_find") == 2


def test_an_intent_created_earlier_without_a_card_is_found_and_returned(
    fake_gateway: FakeGateway,
) -> None:
    learner, course = UserFactory.create(), CourseFactory.create()
    payment = PaymentFactory.create(
        learner=learner, course=course, status="pending", stripe_payment_intent_id=""
    )
    fake_gateway.intents["pi_earlier"] = _intent(payment, "requires_payment_method", "pi_earlier")
    fake_gateway.payment_intent_create = _key_reused  # type: ignore[method-assign]

    started = payment_start(
        learner=learner, course_slug=course.slug, payment_method="", gateway=fake_gateway
    )

    assert started.payment.stripe_payment_intent_id == "pi_earlier"


def _intent(payment, status: str, intent_id: str = "") -> IntentState:
    return IntentState(
        id=intent_id or payment.stripe_payment_intent_id,
        status=status,
        client_secret="s",
        amount=payment.amount,
        currency=payment.currency,
        metadata={"coursepay_payment_id": str(payment.pk)},
    )


def _refuse(**kwargs):
    raise IntentStateConflict("too late")


def _key_reused(**kwargs):
    raise GatewayKeyReused()


def test_a_processing_payment_that_failed_meanwhile_is_paid_with_the_new_card(
    fake_gateway, settings
) -> None:
    settings.PAYMENT_REFRESH_AFTER_SECONDS = 0
    payment = PaymentFactory.create(status="processing")
    declined = _intent(payment, "requires_payment_method")
    fake_gateway.intents[payment.stripe_payment_intent_id] = replace(
        declined, failure_code="card_declined"
    )

    started = payment_start(
        learner=payment.learner,
        course_slug=payment.course.slug,
        payment_method="pm_card_visa",
        gateway=fake_gateway,
    )

    assert started.payment.status == "succeeded"
    assert fake_gateway.calls == [
        "payment_intent_state",
        "customer_create",
        "payment_intent_confirm",
    ]


def test_a_repriced_quote_that_never_reached_stripe_is_simply_closed(fake_gateway) -> None:
    stale = PaymentFactory.create(status="pending", amount=1, stripe_payment_intent_id="")

    started = payment_start(
        learner=stale.learner,
        course_slug=stale.course.slug,
        payment_method="",
        gateway=fake_gateway,
    )

    assert Payment.objects.get(pk=stale.pk).status == "canceled"
    assert started.payment.amount == stale.course.price_amount
    assert "payment_intent_cancel" not in fake_gateway.calls


def test_a_repriced_quote_stripe_will_not_cancel_yet_is_closed_here(fake_gateway) -> None:
    stale = PaymentFactory.create(status="pending", amount=1)
    fake_gateway.intents[stale.stripe_payment_intent_id] = _intent(stale, "requires_action")
    fake_gateway.payment_intent_cancel = _refuse

    started = payment_start(
        learner=stale.learner,
        course_slug=stale.course.slug,
        payment_method="",
        gateway=fake_gateway,
    )

    assert Payment.objects.get(pk=stale.pk).status == "canceled"
    assert started.payment.pk != stale.pk


def test_a_quote_paid_while_it_was_being_retired_keeps_the_course(fake_gateway) -> None:
    stale = PaymentFactory.create(status="pending", amount=1)
    fake_gateway.intents[stale.stripe_payment_intent_id] = _intent(stale, "requires_action")

    def paid_meanwhile(**kwargs):  # the success webhook lands while we cancel
        locked = Payment.objects.get(pk=stale.pk)
        transitions.payment_move(locked, PaymentStatus.SUCCEEDED, actor=transitions.API)
        return fake_gateway.intents[stale.stripe_payment_intent_id]

    fake_gateway.payment_intent_cancel = paid_meanwhile

    with pytest.raises(AlreadyEnrolled):
        payment_start(
            learner=stale.learner,
            course_slug=stale.course.slug,
            payment_method="",
            gateway=fake_gateway,
        )

    assert Payment.objects.get(pk=stale.pk).status == "succeeded"


def test_a_purchase_racing_another_for_the_same_course_reuses_its_payment(
    fake_gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    from payments.services import open_purchase

    learner, course = UserFactory.create(), CourseFactory.create()
    theirs = PaymentFactory.create(learner=learner, course=course, status="pending")
    real_read = open_purchase._course_for_sale

    def read_before_they_committed(**kwargs):  # the first read misses the other's payment
        monkeypatch.setattr(open_purchase, "_course_for_sale", real_read)
        return replace(real_read(**kwargs), unsettled_id=None)

    monkeypatch.setattr(open_purchase, "_course_for_sale", read_before_they_committed)

    started = payment_start(
        learner=learner, course_slug=course.slug, payment_method="", gateway=fake_gateway
    )

    assert (started.created, started.payment.pk) == (False, theirs.pk)
    assert Payment.objects.count() == 1


def test_an_integrity_error_that_is_not_the_race_surfaces(
    fake_gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import IntegrityError

    learner, course = UserFactory.create(), CourseFactory.create()

    def broken(**kwargs):
        raise IntegrityError("something else")

    monkeypatch.setattr(transitions, "payment_open", broken)

    with pytest.raises(IntegrityError):
        payment_start(
            learner=learner, course_slug=course.slug, payment_method="", gateway=fake_gateway
        )
