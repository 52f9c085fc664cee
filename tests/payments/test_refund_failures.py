"""Refunds that fail at Stripe after we asked, injected in the sandbox: logged with Stripe's
error, shown in the admin, mailed to the admins; the money and the course come back."""

import pytest
from django.core import mail

from courses.models import Enrollment
from payments.models import Payment, PaymentEvent, Refund
from tests.payments.refund_support import buy, staff_user, token_client, wait_for

ADMINS = ["payments-team@coursepay.test"]


def refund_via_api(payment, body):
    client = token_client(staff_user(can_refund=True))
    return client.post(f"/api/v1/payments/{payment.pk}/refunds/", body, format="json")


@pytest.mark.django_db(transaction=True)
def test_a_refund_that_fails_later_is_reversed_and_mailed_to_the_admins(
    sandbox, webhooks_to_live_server, learner, client, caplog
) -> None:
    paid = buy(learner, payment_method="pm_card_refundFail")
    assert refund_via_api(paid, {"reason": "requested_by_customer"}).json()["status"] == "succeeded"
    assert Enrollment.objects.get(payment=paid).status == "revoked"

    sandbox.control("POST", "/_sandbox/clock/advance", {"seconds": 5})

    wait_for(lambda: Refund.objects.get().status == "failed")
    wait_for(lambda: Payment.objects.get(pk=paid.pk).status == "succeeded")
    refund = Refund.objects.get()
    assert refund.failure_reason
    payment = Payment.objects.get(pk=paid.pk)
    assert payment.amount_refunded == 0
    assert Enrollment.objects.get(payment=paid).status == "active"
    reversal = PaymentEvent.objects.get(payment=paid, from_status="refunded")
    assert (reversal.to_status, reversal.source) == ("succeeded", "webhook")
    wait_for(lambda: any(m.to == ADMINS for m in mail.outbox))
    (to_admins,) = [m for m in mail.outbox if m.to == ADMINS]
    assert refund.failure_reason in to_admins.body
    assert f"Refund {refund.pk} of payment {paid.pk} failed at Stripe" in caplog.text
    client.force_login(staff_user(can_refund=True))
    page = client.get(f"/admin/payments/payment/{paid.pk}/change/")
    assert refund.failure_reason.encode() in page.content


@pytest.mark.django_db(transaction=True)
def test_a_pending_refund_failed_by_the_card_network_is_mailed_to_the_admins(
    sandbox, webhooks_to_live_server, learner
) -> None:
    paid = buy(learner, payment_method="pm_card_pendingRefund")
    answer = refund_via_api(paid, {"amount": 1000, "reason": "duplicate"}).json()
    assert answer["status"] == "pending"
    refund = Refund.objects.get()

    sandbox.control(
        "POST",
        f"/_sandbox/refunds/{refund.stripe_refund_id}/fail",
        {"failure_reason": "lost_or_stolen_card"},
    )

    wait_for(lambda: Refund.objects.get().status == "failed")
    assert Refund.objects.get().failure_reason == "lost_or_stolen_card"
    assert Payment.objects.get(pk=paid.pk).status == "succeeded"
    wait_for(lambda: any(m.to == ADMINS and "lost_or_stolen_card" in m.body for m in mail.outbox))


@pytest.mark.django_db(transaction=True)
def test_a_pending_refund_settles_later_by_webhook(
    sandbox, webhooks_to_live_server, learner
) -> None:
    paid = buy(learner, payment_method="pm_card_pendingRefund")
    refund_via_api(paid, {"reason": "duplicate"})
    assert Payment.objects.get(pk=paid.pk).status == "succeeded"

    sandbox.control("POST", "/_sandbox/clock/advance", {"seconds": 5})

    wait_for(lambda: Payment.objects.get(pk=paid.pk).status == "refunded")
    assert Refund.objects.get().status == "succeeded"
    wait_for(lambda: Enrollment.objects.get(payment=paid).status == "revoked")
    wait_for(lambda: len([m for m in mail.outbox if m.to == [learner.email]]) == 1)


@pytest.mark.django_db(transaction=True)
def test_a_partial_refund_that_fails_later_leaves_the_payment_as_paid(
    sandbox, webhooks_to_live_server, learner
) -> None:
    paid = buy(learner, payment_method="pm_card_refundFail")
    refund_via_api(paid, {"amount": 1000, "reason": "duplicate"})
    assert Payment.objects.get(pk=paid.pk).status == "partially_refunded"

    sandbox.control("POST", "/_sandbox/clock/advance", {"seconds": 5})

    wait_for(lambda: Payment.objects.get(pk=paid.pk).status == "succeeded")
    assert Payment.objects.get(pk=paid.pk).amount_refunded == 0
    assert Enrollment.objects.get(payment=paid).status == "active"
