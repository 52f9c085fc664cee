"""Property: whatever order and however often Stripe's events arrive, while Stripe moves on, a
payment ends in Stripe's final state and never moves backwards on the way (issue 15, item 4).

Each example plays a payment's life at the sandbox (declines, 3-D Secure approved or failed,
success, cancellation, refunds made at Stripe in part or in full), and between Stripe's steps
delivers a random choice of the events so far (duplicates and reorderings included), signed,
through the real webhook inbox.
"""

import json
import time

import pytest
import stripe
from django.core.management import call_command
from django.test import TestCase
from django.utils import timezone
from djstripe.models import WebhookEndpoint
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from payments.inbox import inbox_sweep
from payments.models import InboxEvent, Payment, PaymentStatus
from payments.stripe_gateway import intent_state
from payments.transitions import status_of
from stripe_sandbox.testing import TEST_SECRET_KEY
from tests.factories import CourseFactory, UserFactory

RANK = {
    PaymentStatus.PENDING: 0,
    PaymentStatus.REQUIRES_ACTION: 1,
    PaymentStatus.FAILED: 1,
    PaymentStatus.PROCESSING: 2,
    PaymentStatus.SUCCEEDED: 3,
    PaymentStatus.PARTIALLY_REFUNDED: 4,
    PaymentStatus.REFUNDED: 5,
    PaymentStatus.CANCELED: 6,
}
"""A payment only ever moves to an equal or higher rank (declines and 3-D Secure alternate)."""

STEPS = [
    "decline",
    "succeed",
    "three_ds_approve",
    "three_ds_fail",
    "cancel",
    "refund_part",
    "refund_rest",
]


def stripe_step(api: stripe.StripeClient, sandbox, intent_id: str, step: str) -> None:
    """What the learner's browser or Stripe does next; steps Stripe refuses are no-ops."""
    try:
        if step == "decline":
            api.v1.payment_intents.confirm(
                intent_id, params={"payment_method": "pm_card_visa_chargeDeclined"}
            )
        elif step == "succeed":
            api.v1.payment_intents.confirm(intent_id, params={"payment_method": "pm_card_visa"})
        elif step == "cancel":
            api.v1.payment_intents.cancel(intent_id)
        elif step == "refund_part":  # made in Stripe's dashboard, as far as we know
            api.v1.refunds.create(params={"payment_intent": intent_id, "amount": 1000})
        elif step == "refund_rest":
            api.v1.refunds.create(params={"payment_intent": intent_id})
        else:
            api.v1.payment_intents.confirm(
                intent_id, params={"payment_method": "pm_card_authenticationRequired"}
            )
            outcome = "approve" if step == "three_ds_approve" else "fail"
            sandbox.control(
                "POST", f"/_sandbox/payment_intents/{intent_id}/authenticate", {"outcome": outcome}
            )
    except stripe.StripeError:
        pass  # a decline, or a step the intent's state no longer allows


def deliver(client: APIClient, endpoint: WebhookEndpoint, event: dict) -> None:
    payload = json.dumps(event)
    timestamp = int(time.time())
    digest = stripe.WebhookSignature._compute_signature(f"{timestamp}.{payload}", endpoint.secret)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            f"/stripe/webhook/{endpoint.djstripe_uuid}/",
            data=payload,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=f"t={timestamp},v1={digest}",
        )
    assert response.status_code == 200


def events_of(api: stripe.StripeClient, intent_id: str) -> list[dict]:
    events = [e.to_dict() for e in api.v1.events.list(params={"limit": 100}).data]
    return [
        e
        for e in events
        if intent_id in (e["data"]["object"].get("id"), e["data"]["object"].get("payment_intent"))
    ]


def assert_never_backwards(payment: Payment) -> None:
    ranks = [RANK[PaymentStatus(e.to_status)] for e in payment.events.order_by("created", "id")]
    assert ranks == sorted(ranks), [e.to_status for e in payment.events.all()]


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(st.sampled_from(STEPS), min_size=1, max_size=5), data=st.data())
def test_any_order_of_events_ends_in_stripes_state_without_going_back(sandbox, steps, data) -> None:
    call_command("stripe_webhook_register", base_url="http://127.0.0.1:9", force=True, verbosity=0)
    endpoint = WebhookEndpoint.objects.order_by("-created").first()
    api = stripe.StripeClient(TEST_SECRET_KEY, base_addresses={"api": sandbox.url})
    learner, course = UserFactory.create(), CourseFactory.create()
    client = APIClient(raise_request_exception=True)
    client.force_authenticate(learner)
    started = client.post("/api/v1/payments/", {"course": course.slug}, format="json").json()
    intent_id = started["stripe_payment_intent_id"]
    payment = Payment.objects.get(pk=started["id"])

    for step in steps:
        stripe_step(api, sandbox, intent_id, step)
        so_far = events_of(api, intent_id)
        for event in data.draw(st.lists(st.sampled_from(so_far), max_size=4), label="meanwhile"):
            deliver(client, endpoint, event)
        assert_never_backwards(payment)

    every_event = events_of(api, intent_id)
    for _ in range(data.draw(st.integers(min_value=1, max_value=2), label="rounds")):
        for event in data.draw(st.permutations(every_event), label="finale"):
            deliver(client, endpoint, event)

    # Time passes: events kept for a retry (a refund heard of before the payment's success) fall
    # due, and the periodic sweep processes them, as it would in production.
    InboxEvent.objects.filter(status="pending").update(next_attempt_at=timezone.now())
    with TestCase.captureOnCommitCallbacks(execute=True):
        inbox_sweep()

    payment.refresh_from_db()
    assert payment.status == stripes_status(api, intent_id)
    assert_never_backwards(payment)


def stripes_status(api: stripe.StripeClient, intent_id: str) -> PaymentStatus:
    """Our name for where Stripe left the payment: its intent's status, then its refunds."""
    intent = api.v1.payment_intents.retrieve(intent_id, params={"expand": ["latest_charge"]})
    status = status_of(intent_state(intent.to_dict()))
    refunded = intent.to_dict()["latest_charge"]["amount_refunded"] if intent.latest_charge else 0
    if status == PaymentStatus.SUCCEEDED and refunded:
        full = refunded == intent.amount
        return PaymentStatus.REFUNDED if full else PaymentStatus.PARTIALLY_REFUNDED
    return status
