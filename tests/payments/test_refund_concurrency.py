"""Refunds under concurrency: the payment's row lock decides, Stripe is asked once."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections

from payments.models import Payment, Refund, RefundEvent
from tests.payments.refund_support import buy, staff_user, token_client


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_full_refunds_make_one_stripe_refund(sandbox, learner) -> None:
    paid = buy(learner)
    clients = [token_client(staff_user(can_refund=True)) for _ in range(20)]
    url = f"/api/v1/payments/{paid.pk}/refunds/"

    def refund(client) -> int:
        try:
            return client.post(url, {"reason": "duplicate"}, format="json").status_code
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = sorted(pool.map(refund, clients))

    assert answers == [201] + [409] * 19
    assert len(sandbox.sandbox.store.all("refund")) == 1
    assert Refund.objects.get().status == "succeeded"
    payment = Payment.objects.get(pk=paid.pk)
    assert (payment.status, payment.amount_refunded) == ("refunded", payment.amount)
    assert RefundEvent.objects.filter(action="refused").count() == 19


def test_a_refund_email_task_run_twice_sends_once(
    sandbox, learner, django_capture_on_commit_callbacks, db
) -> None:
    from django.core import mail

    from payments.tasks import refund_email_learner

    paid = buy(learner)
    with django_capture_on_commit_callbacks(execute=True):
        token_client(staff_user(can_refund=True)).post(
            f"/api/v1/payments/{paid.pk}/refunds/", {"reason": "duplicate"}, format="json"
        )
    refund = Refund.objects.get()

    again = [refund_email_learner.delay(str(refund.pk)).get() for _ in range(3)]

    assert again == [False, False, False]
    assert len([m for m in mail.outbox if m.to == [learner.email]]) == 1
    assert Refund.objects.get().learner_notified_at is not None
