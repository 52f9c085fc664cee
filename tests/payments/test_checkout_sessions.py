"""What Stripe says of a Checkout Session, recorded: in any order, twice, or never (services,
with the in-memory gateway where the sandbox cannot make the case happen)."""

from dataclasses import replace

import pytest

from courses.models import Enrollment
from payments import transitions
from payments.errors import AlreadyEnrolled, GatewayUnavailable, PaymentNotFinished, PaymentUnknown
from payments.gateway import CheckoutState, IntentState
from payments.models import CheckoutSession, Payment
from payments.services.checkout import checkout_start
from payments.services.checkout_sessions import (
    checkout_session_record,
    checkout_session_refresh_if_stale,
)
from payments.services.purchase import payment_start
from tests.factories import CourseFactory, UserFactory
from tests.payments.fakes import FakeGateway

pytestmark = pytest.mark.django_db


def start(gateway: FakeGateway, learner=None, course=None, ui_mode: str = "hosted"):
    return checkout_start(
        learner=learner or UserFactory.create(),
        course_slug=(course or CourseFactory.create()).slug,
        ui_mode=ui_mode,
        gateway=gateway,
    ).session


def record(gateway: FakeGateway, session_id: str, actor=transitions.API) -> Payment | None:
    return checkout_session_record(
        session=gateway.sessions[session_id], actor=actor, gateway=gateway
    )


def test_a_session_that_is_not_ours_changes_nothing(fake_gateway) -> None:
    foreign = CheckoutState(
        id="cs_x", status="complete", payment_status="paid", metadata={}, expires_at=1
    )

    assert (
        checkout_session_record(session=foreign, actor=transitions.API, gateway=fake_gateway)
        is None
    )


def test_a_session_naming_a_payment_we_lack_is_unknown(fake_gateway) -> None:
    missing = CheckoutState(
        id="cs_x",
        status="complete",
        payment_status="paid",
        metadata={"coursepay_payment_id": "00000000-0000-0000-0000-000000000009"},
        expires_at=1,
    )

    with pytest.raises(PaymentUnknown):
        checkout_session_record(session=missing, actor=transitions.API, gateway=fake_gateway)


def test_a_second_session_for_a_payment_never_replaces_the_first(fake_gateway) -> None:
    session = start(fake_gateway)
    stray = replace(fake_gateway.sessions[session.stripe_id], id="cs_stray", status="expired")

    assert (
        checkout_session_record(session=stray, actor=transitions.API, gateway=fake_gateway) is None
    )
    session.refresh_from_db()
    assert (session.stripe_id, session.status) == (
        fake_gateway.sessions[session.stripe_id].id,
        "open",
    )
    assert session.payment.status == "pending"


def test_an_older_open_state_never_reopens_a_complete_session(fake_gateway) -> None:
    session = start(fake_gateway)
    opened = fake_gateway.sessions[session.stripe_id]
    fake_gateway.checkout_session_pay(session.stripe_id)
    record(fake_gateway, session.stripe_id)

    checkout_session_record(session=opened, actor=transitions.API, gateway=fake_gateway)

    session.refresh_from_db()
    assert (session.status, session.payment_status, session.url) == ("complete", "paid", "")
    assert session.payment.status == "succeeded"


def test_a_paid_session_with_its_intent_by_id_reads_the_intent_once(fake_gateway) -> None:
    session = start(fake_gateway)
    fake_gateway.checkout_session_pay(session.stripe_id)
    paid = fake_gateway.sessions[session.stripe_id]
    by_id = replace(paid, payment_intent=None)
    fake_gateway.calls.clear()

    for _ in range(3):
        checkout_session_record(session=by_id, actor=transitions.API, gateway=fake_gateway)

    assert fake_gateway.calls == ["payment_intent_state"]
    assert Payment.objects.get(pk=session.pk).status == "succeeded"
    assert Enrollment.objects.count() == 1


def test_an_open_session_with_a_declined_attempt_records_the_failure(fake_gateway) -> None:
    session = start(fake_gateway)
    declined = IntentState(
        id="pi_declined",
        status="requires_payment_method",
        client_secret="s",
        amount=4900,
        currency="usd",
        metadata={"coursepay_payment_id": str(session.pk)},
        failure_code="card_declined",
        decline_code="insufficient_funds",
    )
    state = replace(fake_gateway.sessions[session.stripe_id], payment_intent=declined)

    payment = checkout_session_record(session=state, actor=transitions.API, gateway=fake_gateway)

    assert payment is not None
    assert (payment.status, payment.decline_code) == ("failed", "insufficient_funds")


def test_an_async_payment_that_fails_leaves_the_payment_failed(fake_gateway) -> None:
    session = start(fake_gateway)
    fake_gateway.checkout_session_pay(session.stripe_id, intent_status="requires_payment_method")
    paid = fake_gateway.sessions[session.stripe_id]
    assert paid.payment_intent is not None
    failed = replace(
        paid, payment_intent=replace(paid.payment_intent, failure_code="payment_method_failure")
    )

    payment = checkout_session_record(session=failed, actor=transitions.API, gateway=fake_gateway)

    assert payment is not None
    assert (payment.status, payment.failure_code) == ("failed", "payment_method_failure")


def test_an_async_payment_still_processing_blocks_a_new_purchase(fake_gateway) -> None:
    learner, course = UserFactory.create(), CourseFactory.create()
    session = start(fake_gateway, learner, course)
    fake_gateway.checkout_session_pay(session.stripe_id, intent_status="processing")
    record(fake_gateway, session.stripe_id)

    with pytest.raises(PaymentNotFinished):
        start(fake_gateway, learner, course, ui_mode="embedded")
    with pytest.raises(PaymentNotFinished):
        payment_start(
            learner=learner, course_slug=course.slug, payment_method="", gateway=fake_gateway
        )


def test_an_expired_session_never_cancels_a_paid_payment(fake_gateway) -> None:
    session = start(fake_gateway)
    fake_gateway.checkout_session_pay(session.stripe_id)
    record(fake_gateway, session.stripe_id)
    expired = replace(fake_gateway.sessions[session.stripe_id], status="expired")

    checkout_session_record(session=expired, actor=transitions.API, gateway=fake_gateway)

    assert Payment.objects.get(pk=session.pk).status == "succeeded"


def test_an_expired_session_recorded_twice_cancels_once(fake_gateway) -> None:
    session = start(fake_gateway)
    fake_gateway.checkout_session_expire(session_id=session.stripe_id, idempotency_key="k")

    record(fake_gateway, session.stripe_id)
    record(fake_gateway, session.stripe_id)

    payment = Payment.objects.get(pk=session.pk)
    assert payment.status == "canceled"
    assert payment.events.filter(to_status="canceled").count() == 1


def test_a_session_whose_creation_answer_was_lost_is_found_then_expired(fake_gateway) -> None:
    learner, course = UserFactory.create(), CourseFactory.create()
    created = fake_gateway.checkout_session_create

    def lost(**kwargs):  # Stripe creates it; the answer never reaches us
        created(**kwargs)
        raise GatewayUnavailable()

    fake_gateway.checkout_session_create = lost
    with pytest.raises(GatewayUnavailable):
        start(fake_gateway, learner, course)
    fake_gateway.checkout_session_create = created
    (orphan,) = fake_gateway.sessions.values()

    started = payment_start(
        learner=learner, course_slug=course.slug, payment_method="", gateway=fake_gateway
    )

    assert fake_gateway.sessions[orphan.id].status == "expired"
    assert CheckoutSession.objects.get(stripe_id=orphan.id).payment.status == "canceled"
    assert started.created


def test_a_lost_session_paid_meanwhile_is_recorded_when_found(fake_gateway) -> None:
    learner, course = UserFactory.create(), CourseFactory.create()
    created = fake_gateway.checkout_session_create

    def lost(**kwargs):
        created(**kwargs)
        raise GatewayUnavailable()

    fake_gateway.checkout_session_create = lost
    with pytest.raises(GatewayUnavailable):
        start(fake_gateway, learner, course)
    fake_gateway.checkout_session_create = created
    (orphan,) = fake_gateway.sessions.values()
    fake_gateway.checkout_session_pay(orphan.id)

    with pytest.raises(AlreadyEnrolled):
        start(fake_gateway, learner, course, ui_mode="embedded")

    assert Payment.objects.get().status == "succeeded"
    assert fake_gateway.sessions[orphan.id].status == "complete"


def test_only_one_of_concurrent_stale_readers_asks_stripe(fake_gateway, settings) -> None:
    settings.PAYMENT_REFRESH_AFTER_SECONDS = 0
    session = start(fake_gateway)
    first = CheckoutSession.objects.select_related("payment").get(pk=session.pk)
    second = CheckoutSession.objects.select_related("payment").get(pk=session.pk)
    fake_gateway.calls.clear()

    checkout_session_refresh_if_stale(session=first, gateway=fake_gateway)
    checkout_session_refresh_if_stale(session=second, gateway=fake_gateway)

    assert fake_gateway.calls == ["checkout_session_state"]


def test_stripe_down_during_a_refresh_answers_the_ledger(fake_gateway, settings) -> None:
    settings.PAYMENT_REFRESH_AFTER_SECONDS = 0
    session = start(fake_gateway)

    def down(**kwargs):
        raise GatewayUnavailable()

    fake_gateway.checkout_session_state = down

    read = checkout_session_refresh_if_stale(session=session, gateway=fake_gateway)

    assert read.status == "open"


def test_a_settled_session_is_never_asked_about(fake_gateway, settings) -> None:
    settings.PAYMENT_REFRESH_AFTER_SECONDS = 0
    session = start(fake_gateway)
    fake_gateway.checkout_session_pay(session.stripe_id)
    record(fake_gateway, session.stripe_id)
    session = CheckoutSession.objects.select_related("payment").get(pk=session.pk)
    fake_gateway.calls.clear()

    checkout_session_refresh_if_stale(session=session, gateway=fake_gateway)

    assert fake_gateway.calls == []


def test_a_session_reads_as_its_stripe_id_or_its_payment(fake_gateway) -> None:
    session = start(fake_gateway)
    unsent = CheckoutSession(payment=session.payment, ui_mode="hosted")

    assert str(session) == session.stripe_id
    assert str(unsent) == f"checkout of {session.payment_id}"
