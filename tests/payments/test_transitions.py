"""`payments.transitions`: the state machine and the only writer of a payment's status."""

import itertools

import pytest

from courses.models import Enrollment
from payments import transitions
from payments.models import Payment, PaymentEvent, PaymentStatus
from payments.signals import payment_succeeded
from payments.transitions import Actor, IllegalTransition
from tests.factories import CourseFactory, PaymentFactory, UserFactory

pytestmark = pytest.mark.django_db

MOVES = list(itertools.product(PaymentStatus.values, PaymentStatus.values))
ALLOWED = [(a, b) for a, b in MOVES if b in transitions.ALLOWED[a]]
FORBIDDEN = [(a, b) for a, b in MOVES if b not in transitions.ALLOWED[a]]
ACTOR = Actor(PaymentEvent.Source.ADMIN, label="ops@example.com")


def test_every_status_has_a_row_in_the_table() -> None:
    assert set(transitions.ALLOWED) == set(PaymentStatus.values)


@pytest.mark.parametrize(("current", "new"), ALLOWED)
def test_an_allowed_move_saves_the_status_and_writes_one_audit_row(current, new) -> None:
    payment = PaymentFactory.create(status=current)

    transitions.payment_move(payment, new, actor=ACTOR, detail={"why": "test"})

    event = PaymentEvent.objects.get(payment=payment)
    assert Payment.objects.get(pk=payment.pk).status == new
    assert (event.from_status, event.to_status) == (current, new)
    assert (event.source, event.actor, event.detail) == (
        "admin",
        "ops@example.com",
        {"why": "test"},
    )


@pytest.mark.parametrize(("current", "new"), FORBIDDEN)
def test_a_forbidden_move_raises_and_writes_nothing(current, new) -> None:
    payment = PaymentFactory.create(status=current)

    with pytest.raises(IllegalTransition):
        transitions.payment_move(payment, new, actor=ACTOR)

    assert Payment.objects.get(pk=payment.pk).status == current
    assert not PaymentEvent.objects.filter(payment=payment).exists()


def test_nothing_leaves_refunded_or_canceled() -> None:
    assert transitions.ALLOWED[PaymentStatus.REFUNDED] == frozenset()
    assert transitions.ALLOWED[PaymentStatus.CANCELED] == frozenset()


def test_reaching_succeeded_grants_the_course_stamps_the_time_and_signals_once() -> None:
    payment = PaymentFactory.create(status=PaymentStatus.REQUIRES_ACTION)
    signalled: list[object] = []
    payment_succeeded.connect(receiver := lambda **kw: signalled.append(kw["payment_id"]))
    try:
        transitions.payment_move(payment, PaymentStatus.SUCCEEDED, actor=ACTOR)
    finally:
        payment_succeeded.disconnect(receiver)

    enrollment = Enrollment.objects.get(payment=payment)
    assert (enrollment.learner_id, enrollment.course_id) == (payment.learner_id, payment.course_id)
    assert Payment.objects.get(pk=payment.pk).paid_at is not None
    assert signalled == [payment.pk]


def test_changes_are_saved_with_the_move() -> None:
    payment = PaymentFactory.create(status=PaymentStatus.PENDING)

    transitions.payment_move(
        payment, PaymentStatus.FAILED, actor=ACTOR, changes={"failure_code": "card_declined"}
    )

    assert Payment.objects.get(pk=payment.pk).failure_code == "card_declined"


def test_opening_a_payment_takes_the_catalog_price_and_writes_the_first_audit_row() -> None:
    learner = UserFactory.create()
    course = CourseFactory.create(price_amount=3000, currency="jpy", title="Yen")

    payment = transitions.payment_open(learner_id=learner.pk, course=course, actor=ACTOR)

    assert (payment.amount, payment.currency, payment.description) == (3000, "jpy", "Yen")
    event = PaymentEvent.objects.get(payment=payment)
    assert (event.from_status, event.to_status) == ("", PaymentStatus.PENDING)


def test_webhook_actors_name_their_event() -> None:
    actor = Actor.webhook(event_id="evt_1", event_type="payment_intent.succeeded")

    assert (actor.source, actor.label, actor.stripe_event_id) == ("webhook", "evt_1", "evt_1")
