"""`services.outcomes`: what Stripe says of a payment, recorded forward only."""

from dataclasses import replace

import pytest

from payments import transitions
from payments.gateway import ChargeState, IntentState
from payments.models import Payment, PaymentStatus
from payments.services.outcomes import (
    payment_record_charge,
    payment_record_outcome,
    payment_refresh_if_stale,
)
from tests.factories import PaymentFactory

pytestmark = pytest.mark.django_db


def intent_for(payment: Payment, status: str, **changes) -> IntentState:
    intent = IntentState(
        id=payment.stripe_payment_intent_id,
        status=status,
        client_secret="secret",
        amount=payment.amount,
        currency=payment.currency,
        metadata={"coursepay_payment_id": str(payment.pk)},
    )
    return replace(intent, **changes)


@pytest.mark.parametrize(
    ("stripe_status", "failure", "ours"),
    [
        ("requires_payment_method", "", "pending"),
        ("requires_payment_method", "card_declined", "failed"),
        ("requires_action", "", "requires_action"),
        ("processing", "", "processing"),
        ("succeeded", "", "succeeded"),
        ("canceled", "", "canceled"),
    ],
)
def test_each_stripe_status_maps_to_ours(stripe_status, failure, ours) -> None:
    payment = PaymentFactory.create(status="pending")

    payment_record_outcome(
        intent=intent_for(payment, stripe_status, failure_code=failure), actor=transitions.API
    )

    assert Payment.objects.get(pk=payment.pk).status == ours


def test_an_intent_that_is_not_ours_changes_nothing() -> None:
    stranger = IntentState(
        id="pi_stranger",
        status="succeeded",
        client_secret="",
        amount=1,
        currency="usd",
        metadata={},
    )

    assert payment_record_outcome(intent=stranger, actor=transitions.API) is None


def test_a_malformed_payment_id_in_metadata_is_not_ours() -> None:
    odd = IntentState(
        id="",
        status="succeeded",
        client_secret="",
        amount=1,
        currency="usd",
        metadata={"coursepay_payment_id": "not-a-uuid"},
    )

    assert payment_record_outcome(intent=odd, actor=transitions.API) is None


def test_an_intent_without_our_metadata_is_matched_by_its_id() -> None:
    payment = PaymentFactory.create(status="pending")

    recorded = payment_record_outcome(
        intent=intent_for(payment, "succeeded", metadata={}), actor=transitions.API
    )

    assert recorded is not None
    assert recorded.status == "succeeded"


def test_a_late_failure_after_success_is_ignored_but_what_paid_is_kept() -> None:
    payment = PaymentFactory.create(status="succeeded", stripe_charge_id="", card_last4="")
    late = intent_for(
        payment,
        "requires_payment_method",
        failure_code="card_declined",
        charge=ChargeState(id="ch_1", card_brand="visa", card_last4="4242"),
    )

    payment_record_outcome(intent=late, actor=transitions.API)

    payment.refresh_from_db()
    assert payment.status == "succeeded"
    assert (payment.stripe_charge_id, payment.card_last4) == ("ch_1", "4242")


def test_a_charge_without_an_intent_is_not_ours() -> None:
    assert payment_record_charge(charge=ChargeState(id="ch_x"), actor=transitions.API) is None


def test_only_one_of_concurrent_stale_readers_asks_stripe(fake_gateway, settings) -> None:
    settings.PAYMENT_REFRESH_AFTER_SECONDS = 0
    payment = PaymentFactory.create(status=PaymentStatus.REQUIRES_ACTION)
    fake_gateway.intents[payment.stripe_payment_intent_id] = intent_for(payment, "succeeded")
    first_reader, second_reader = (
        Payment.objects.get(pk=payment.pk),
        Payment.objects.get(pk=payment.pk),
    )

    payment_refresh_if_stale(payment=first_reader, gateway=fake_gateway)
    payment_refresh_if_stale(payment=second_reader, gateway=fake_gateway)

    assert fake_gateway.calls == ["payment_intent_state"]
    assert Payment.objects.get(pk=payment.pk).status == "succeeded"
