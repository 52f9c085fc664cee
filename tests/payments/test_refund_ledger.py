"""The refund and dispute services beneath the entry points: the periodic re-read, refusals
the entry points cannot reach, the reversal table, and the mappers from Stripe's objects."""

import pytest

from courses.models import Enrollment
from payments import transitions
from payments.gateway import DisputeState, get_gateway
from payments.models import Payment, PaymentStatus, Refund
from payments.services.disputes import dispute_record
from payments.services.refunds import RefundAsk, refund_request, refunds_settle_stale
from payments.services.refunds import refund_record as refund_record_service
from payments.stripe_gateway import dispute_state, refund_state
from payments.tasks import refunds_recheck_pending
from tests.factories import PaymentFactory
from tests.payments.refund_support import buy, staff_user

pytestmark = pytest.mark.django_db
TASK = transitions.Actor.task(name="test")


def ask(payment, *, amount=None, by=None) -> RefundAsk:
    return RefundAsk(
        payment_id=str(payment.pk),
        amount=amount,
        reason="duplicate",
        note="",
        origin="admin",
        requested_by=by or staff_user(can_refund=True),
    )


def test_a_pending_refund_is_settled_by_the_periodic_re_read(sandbox, learner, settings) -> None:
    paid = buy(learner, payment_method="pm_card_pendingRefund")
    refund = refund_request(ask=ask(paid), gateway=get_gateway())
    assert refund.status == "pending"
    sandbox.control("POST", f"/_sandbox/refunds/{refund.stripe_refund_id}/succeed")
    settings.REFUND_RECHECK_AFTER_SECONDS = 0

    assert refunds_recheck_pending.delay().get() == 1

    assert Refund.objects.get().status == "succeeded"
    assert Payment.objects.get(pk=paid.pk).status == "refunded"
    assert refunds_recheck_pending.delay().get() == 0  # nothing pending any more


def test_the_re_read_leaves_a_refund_pending_while_stripe_is_down(
    sandbox, learner, settings
) -> None:
    paid = buy(learner, payment_method="pm_card_pendingRefund")
    refund_request(ask=ask(paid), gateway=get_gateway())
    settings.REFUND_RECHECK_AFTER_SECONDS = 0
    sandbox.control(
        "POST",
        "/_sandbox/faults",
        {"method": "GET", "path": "/v1/refunds/*", "status": 503, "count": 10},
    )

    assert refunds_settle_stale(gateway=get_gateway(), actor=TASK) == 1

    refund = Refund.objects.get()
    assert (refund.status, refund.stripe_checked_at is not None) == ("pending", True)


def test_the_re_read_waits_for_refunds_to_be_old_enough(sandbox, learner, settings) -> None:
    paid = buy(learner, payment_method="pm_card_pendingRefund")
    refund_request(ask=ask(paid), gateway=get_gateway())
    settings.REFUND_RECHECK_AFTER_SECONDS = 3600

    assert refunds_settle_stale(gateway=get_gateway(), actor=TASK) == 0


def test_a_pending_refund_holds_what_it_takes(sandbox, learner) -> None:
    from payments.errors import RefundRefused

    paid = buy(learner, payment_method="pm_card_pendingRefund")
    refund_request(ask=ask(paid), gateway=get_gateway())

    with pytest.raises(RefundRefused) as refused:
        refund_request(ask=ask(paid, amount=1), gateway=get_gateway())

    assert refused.value.code == "nothing_to_refund"


def test_a_reversal_the_table_does_not_allow_is_refused() -> None:
    payment = PaymentFactory.create(status="succeeded")

    with pytest.raises(transitions.IllegalTransition):
        transitions.payment_refund_reversed(payment, PaymentStatus.SUCCEEDED, actor=TASK)


def test_a_dispute_naming_only_the_charge_finds_the_payment() -> None:
    payment = PaymentFactory.create(stripe_charge_id="ch_only")
    Enrollment.objects.create(payment=payment, learner=payment.learner, course=payment.course)
    state = DisputeState(id="dp_1", status="needs_response", amount=payment.amount, currency="usd",
                         charge_id="ch_only", payment_intent_id="", reason="general")  # fmt: skip

    dispute = dispute_record(dispute=state, actor=TASK)

    assert dispute is not None
    assert dispute.payment_id == payment.pk
    assert Enrollment.objects.get(payment=payment).status == "suspended"


def test_mappers_read_ids_and_objects_alike() -> None:
    refund = refund_state({"id": "re_1", "status": "succeeded", "amount": 5, "currency": "usd",
                           "payment_intent": {"id": "pi_1"}, "charge": "ch_1", "reason": None,
                           "metadata": None})  # fmt: skip
    dispute = dispute_state({"id": "dp_1", "status": "won", "amount": 5, "currency": "usd",
                             "charge": "ch_1", "payment_intent": None})  # fmt: skip

    assert (refund.payment_intent_id, refund.charge_id, refund.reason, refund.metadata) == (
        "pi_1",
        "ch_1",
        "",
        {},
    )
    assert (dispute.charge_id, dispute.payment_intent_id, dispute.reason) == ("ch_1", "", "")


def test_a_restore_leaves_access_alone_when_the_learner_bought_again() -> None:
    from courses.services import enrollment_restore

    first = PaymentFactory.create(status="refunded")
    again = PaymentFactory.create(learner=first.learner, course=first.course)
    Enrollment.objects.create(
        payment=first, learner=first.learner, course=first.course, status="revoked"
    )
    Enrollment.objects.create(payment=again, learner=first.learner, course=first.course)

    restored = enrollment_restore(payment_id=first.pk, from_status="revoked")

    assert restored is not None
    assert restored.status == "revoked"
    assert Enrollment.objects.filter(learner=first.learner, status="active").count() == 1


def test_money_is_written_the_currency_s_way() -> None:
    from config.money import from_major_units, money_display

    written = [money_display(4900, "usd"), money_display(3000, "JPY"), money_display(12345, "kwd")]
    assert written == [
        "$49.00", "¥3,000", "KWD12.345",
    ]  # fmt: skip
    assert [from_major_units(t, "jpy") for t in ("3,000", "3000.5", "nan", "inf", "")] == [
        3000,
        None,
        None,
        None,
        None,
    ]


def test_a_disputed_payment_is_not_refunded_while_the_dispute_is_open(fake_gateway) -> None:
    from payments.errors import RefundRefused
    from payments.models import Dispute

    payment = PaymentFactory.create()
    Dispute.objects.create(payment=payment, stripe_dispute_id="dp_open", amount=payment.amount,
                           currency="usd", stripe_status="needs_response")  # fmt: skip

    with pytest.raises(RefundRefused) as refused:
        refund_request(ask=ask(payment), gateway=fake_gateway)

    assert refused.value.code == "payment_disputed"
    assert fake_gateway.calls == []


def test_the_same_refund_asked_twice_of_the_gateway_refunds_once(fake_gateway) -> None:
    from payments.services.refunds import refund_submit

    payment = PaymentFactory.create()
    refund = refund_request(ask=ask(payment, amount=100), gateway=fake_gateway)

    again = refund_submit(refund=refund, gateway=fake_gateway, actor=TASK)

    assert (refund.status, again.status) == ("succeeded", "succeeded")
    assert fake_gateway.calls == ["refund_create", "refund_create"]
    assert len(fake_gateway.refunds.refunds) == 1
    assert Payment.objects.get(pk=payment.pk).amount_refunded == 100


def test_a_refund_waiting_for_the_customer_changes_status_and_nothing_else(
    sandbox, learner
) -> None:
    paid = buy(learner, payment_method="pm_card_pendingRefund")
    refund = refund_request(ask=ask(paid), gateway=get_gateway())
    state = refund_state(
        {
            "id": refund.stripe_refund_id,
            "status": "requires_action",
            "amount": refund.amount,
            "currency": refund.currency,
            "payment_intent": paid.stripe_payment_intent_id,
            "metadata": {"coursepay_refund_id": str(refund.pk)},
        }
    )

    refund_record_service(refund=state, actor=TASK)

    assert Refund.objects.get().status == "requires_action"
    assert Payment.objects.get(pk=paid.pk).status == "succeeded"
    assert Enrollment.objects.get(payment=paid).status == "active"
