"""Disputes (chargebacks) from Stripe's dispute test cards, delivered by the sandbox to a live
server: access suspended and the admins told; won restores access, lost revokes it and books
the loss."""

import pytest
from django.core import mail
from django.test import Client

from courses.models import Enrollment
from payments.models import Dispute, DisputeEvent, Payment
from tests.payments.refund_support import buy, sandbox_events, signed_post, stripe_api, wait_for

ADMINS = ["payments-team@coursepay.test"]


def advance(sandbox, seconds: int = 5) -> None:
    """Stripe's "a little later": the sandbox opens and decides disputes on its clock."""
    sandbox.control("POST", "/_sandbox/clock/advance", {"seconds": seconds})


def disputed_purchase(
    sandbox, learner, card: str = "pm_card_createDispute"
) -> tuple[Payment, Dispute]:
    paid = buy(learner, payment_method=card)
    advance(sandbox)
    wait_for(lambda: Dispute.objects.filter(payment=paid).exists())
    return paid, Dispute.objects.get(payment=paid)


def admin_mails() -> list:
    return [m for m in mail.outbox if m.to == ADMINS]


def enrollment_status(payment) -> str:
    return Enrollment.objects.get(payment=payment).status


@pytest.mark.django_db(transaction=True)
def test_a_chargeback_suspends_access_and_tells_the_admins_once(
    sandbox, webhooks_to_live_server, learner
) -> None:
    paid, dispute = disputed_purchase(sandbox, learner)

    assert (dispute.outcome, dispute.reason, dispute.amount) == ("open", "fraudulent", paid.amount)
    assert enrollment_status(paid) == "suspended"
    wait_for(lambda: len(admin_mails()) == 1)
    assert "Payment disputed" in admin_mails()[0].subject
    assert dispute.stripe_dispute_id in admin_mails()[0].body
    opened = DisputeEvent.objects.filter(dispute=dispute).earliest("created", "id")
    assert (opened.source, opened.actor) == ("stripe", "Stripe")
    assert opened.stripe_event_id.startswith("evt_")
    assert Payment.objects.get(pk=paid.pk).status == "succeeded"  # forward-only: unchanged
    advance(sandbox)
    assert len(admin_mails()) == 1


@pytest.mark.django_db(transaction=True)
def test_a_won_dispute_restores_access(sandbox, webhooks_to_live_server, learner) -> None:
    paid, dispute = disputed_purchase(sandbox, learner)

    stripe_api(sandbox).v1.disputes.update(
        dispute.stripe_dispute_id,
        params={"evidence": {"uncategorized_text": "winning_evidence"}, "submit": True},
    )
    wait_for(lambda: Dispute.objects.get(pk=dispute.pk).stripe_status == "under_review")
    advance(sandbox)

    wait_for(lambda: Dispute.objects.get(pk=dispute.pk).outcome == "won")
    assert enrollment_status(paid) == "active"
    assert Payment.objects.get(pk=paid.pk).amount_lost_to_disputes == 0
    statuses = list(
        DisputeEvent.objects.filter(dispute=dispute).values_list("to_status", flat=True)
    )
    assert statuses[0] == "needs_response"
    assert statuses[-1] == "won"


@pytest.mark.django_db(transaction=True)
def test_a_lost_dispute_revokes_access_and_books_the_loss(
    sandbox, webhooks_to_live_server, learner
) -> None:
    paid, dispute = disputed_purchase(sandbox, learner, "pm_card_createDisputeProductNotReceived")

    stripe_api(sandbox).v1.disputes.close(dispute.stripe_dispute_id)

    wait_for(lambda: Dispute.objects.get(pk=dispute.pk).outcome == "lost")
    assert enrollment_status(paid) == "revoked"
    assert Payment.objects.get(pk=paid.pk).amount_lost_to_disputes == paid.amount
    assert Dispute.objects.get(pk=dispute.pk).closed_at is not None


@pytest.mark.django_db(transaction=True)
def test_an_inquiry_closed_without_a_chargeback_gives_access_back(
    sandbox, webhooks_to_live_server, learner
) -> None:
    paid, dispute = disputed_purchase(sandbox, learner, "pm_card_createDisputeInquiry")
    assert dispute.stripe_status == "warning_needs_response"

    stripe_api(sandbox).v1.disputes.close(dispute.stripe_dispute_id)

    wait_for(lambda: Dispute.objects.get(pk=dispute.pk).stripe_status == "warning_closed")
    assert Dispute.objects.get(pk=dispute.pk).outcome == "won"
    assert enrollment_status(paid) == "active"


@pytest.mark.django_db
def test_dispute_events_reversed_and_duplicated_give_one_dispute_decided_once(
    sandbox, registered_endpoint, learner
) -> None:
    paid = buy(learner, payment_method="pm_card_createDispute")
    advance(sandbox)
    api = stripe_api(sandbox)
    (dispute_id,) = [d.id for d in api.v1.disputes.list().data]
    api.v1.disputes.close(dispute_id)
    events = sandbox_events(
        sandbox, "charge.dispute.created", "charge.dispute.funds_withdrawn", "charge.dispute.closed"
    )
    assert len(events) == 3

    answers = [
        signed_post(registered_endpoint, e, Client()).status_code
        for e in [*reversed(events), *events]
    ]

    assert set(answers) == {200}
    dispute = Dispute.objects.get()
    assert (dispute.outcome, dispute.stripe_status) == ("lost", "lost")
    assert Payment.objects.get(pk=paid.pk).amount_lost_to_disputes == paid.amount
    assert enrollment_status(paid) == "revoked"
    assert DisputeEvent.objects.filter(dispute=dispute, to_status="lost").count() == 1


@pytest.mark.django_db
def test_a_dispute_on_a_charge_that_is_not_ours_is_ignored(sandbox, registered_endpoint) -> None:
    api = stripe_api(sandbox)
    api.v1.payment_intents.create(
        params={
            "amount": 500,
            "currency": "usd",
            "payment_method": "pm_card_createDispute",
            "confirm": True,
        }
    )
    advance(sandbox)
    (created,) = sandbox_events(sandbox, "charge.dispute.created")

    assert signed_post(registered_endpoint, created, Client()).status_code == 200
    assert not Dispute.objects.exists()
