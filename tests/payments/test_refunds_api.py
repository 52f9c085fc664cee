"""The staff refund API, `POST/GET /api/v1/payments/{id}/refunds`, against the sandbox."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from courses.models import Enrollment
from payments.models import Payment, Refund, RefundEvent
from tests.factories import CourseFactory
from tests.payments.refund_support import buy, staff_user, token_client

pytestmark = pytest.mark.django_db


def refunds_url(payment) -> str:
    return f"/api/v1/payments/{payment.pk}/refunds/"


@pytest.fixture
def refunder():
    return token_client(staff_user(can_refund=True))


@pytest.fixture
def paid(sandbox, learner):
    return buy(learner, CourseFactory.create(price_amount=4900, currency="usd"))


def test_a_full_refund_refunds_revokes_the_course_and_tells_the_learner_once(
    paid, refunder, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = refunder.post(
            refunds_url(paid), {"reason": "requested_by_customer"}, format="json"
        )

    body = response.json()
    assert response.status_code == 201, body
    assert (body["amount"], body["currency"], body["status"]) == (4900, "usd", "succeeded")
    assert body["reason"] == "requested_by_customer"
    paid.refresh_from_db()
    assert (paid.status, paid.amount_refunded) == ("refunded", 4900)
    assert Enrollment.objects.get(payment=paid).status == "revoked"
    to_learner = [m for m in mail.outbox if m.to == [paid.learner.email]]
    assert len(to_learner) == 1
    assert "$49.00" in to_learner[0].body
    assert paid.course.title in to_learner[0].body


def test_two_partial_refunds_then_nothing_is_left(paid, refunder) -> None:
    first = refunder.post(refunds_url(paid), {"amount": 1000, "reason": "duplicate"}, format="json")
    paid.refresh_from_db()
    assert (first.status_code, paid.status, paid.amount_refunded) == (
        201,
        "partially_refunded",
        1000,
    )
    assert Enrollment.objects.get(payment=paid).status == "active"

    second = refunder.post(
        refunds_url(paid), {"amount": 3900, "reason": "Course was cancelled"}, format="json"
    )
    paid.refresh_from_db()
    assert (second.status_code, paid.status, paid.amount_refunded) == (201, "refunded", 4900)
    assert second.json()["reason"] == "other"
    assert second.json()["note"] == "Course was cancelled"

    third = refunder.post(refunds_url(paid), {"reason": "duplicate"}, format="json")
    assert third.status_code == 409
    assert third.json()["error"]["code"] == "nothing_to_refund"


def test_an_over_refund_is_refused_with_what_is_left(paid, refunder) -> None:
    refunder.post(refunds_url(paid), {"amount": 4000, "reason": "duplicate"}, format="json")

    response = refunder.post(
        refunds_url(paid), {"amount": 1000, "reason": "duplicate"}, format="json"
    )

    error = response.json()["error"]
    assert response.status_code == 409
    assert error["code"] == "refund_exceeds_remaining"
    assert error["message"] == "$10.00 is more than the $9.00 left to refund."
    assert Refund.objects.filter(payment=paid).count() == 1
    refused = RefundEvent.objects.get(payment=paid, action="refused")
    assert refused.detail["code"] == "refund_exceeds_remaining"
    assert refused.actor.endswith("(staff API)")


def test_a_refund_outside_the_window_is_refused(paid, refunder, settings) -> None:
    settings.REFUND_WINDOW_DAYS = 30
    Payment.objects.filter(pk=paid.pk).update(paid_at=timezone.now() - timedelta(days=31))

    response = refunder.post(refunds_url(paid), {"reason": "duplicate"}, format="json")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "refund_window_passed"
    assert "30-day refund window" in response.json()["error"]["message"]
    assert not Refund.objects.exists()


def test_a_payment_that_did_not_succeed_cannot_be_refunded(sandbox, learner, refunder) -> None:
    course = CourseFactory.create()
    declined = learner_purchase_declined(learner, course)

    response = refunder.post(refunds_url(declined), {"reason": "duplicate"}, format="json")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "payment_not_refundable"
    assert "this one is failed" in response.json()["error"]["message"]


def learner_purchase_declined(learner, course) -> Payment:
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(learner)
    body = {"course": course.slug, "payment_method": "pm_card_visa_chargeDeclined"}
    response = client.post("/api/v1/payments/", body, format="json")
    assert response.status_code == 402
    return Payment.objects.get(learner=learner, course=course)


def test_staff_without_the_permission_and_learners_get_403(paid, learner) -> None:
    without = token_client(staff_user(can_refund=False))
    as_learner = token_client(learner)

    answers = [
        client.post(refunds_url(paid), {"reason": "duplicate"}, format="json").status_code
        for client in (without, as_learner)
    ] + [client.get(refunds_url(paid)).status_code for client in (without, as_learner)]

    assert answers == [403, 403, 403, 403]
    assert not Refund.objects.exists()


def test_anonymous_clients_get_401(paid, api_client) -> None:
    assert (
        api_client.post(refunds_url(paid), {"reason": "duplicate"}, format="json").status_code
        == 401
    )


def test_the_same_idempotency_key_refunds_once(paid, refunder, sandbox) -> None:
    body = {"amount": 500, "reason": "duplicate"}
    first = refunder.post(refunds_url(paid), body, format="json", HTTP_IDEMPOTENCY_KEY="r-1")
    again = refunder.post(refunds_url(paid), body, format="json", HTTP_IDEMPOTENCY_KEY="r-1")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert Refund.objects.count() == 1
    assert sandbox.sandbox.store.all("refund").__len__() == 1


def test_the_list_shows_every_refund_newest_first(paid, refunder) -> None:
    refunder.post(refunds_url(paid), {"amount": 100, "reason": "duplicate"}, format="json")
    refunder.post(refunds_url(paid), {"amount": 200, "reason": "duplicate"}, format="json")

    response = refunder.get(refunds_url(paid))

    assert response.status_code == 200
    assert [r["amount"] for r in response.json()] == [200, 100]


def test_the_learner_sees_refunds_in_the_payment_detail(paid, refunder, learner_client) -> None:
    refunder.post(
        refunds_url(paid), {"amount": 900, "reason": "requested_by_customer"}, format="json"
    )

    detail = learner_client.get(f"/api/v1/payments/{paid.pk}/").json()

    assert detail["status"] == "partially_refunded"
    assert [(r["amount"], r["status"]) for r in detail["refunds"]] == [(900, "succeeded")]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": "ten", "reason": "duplicate"}, "amount"),
        ({"amount": 0, "reason": "duplicate"}, "amount"),
        ({"amount": -5, "reason": "duplicate"}, "amount"),
        ({"amount": 100}, "reason"),
        ({"reason": ""}, "reason"),
        ({"reason": "x" * 501}, "reason"),
        ({"reason": {"nested": ["x"]}}, "reason"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(paid, refunder, body, field) -> None:
    response = refunder.post(refunds_url(paid), body, format="json")

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not Refund.objects.exists()


@pytest.mark.parametrize(
    "body", [{"amount": 10**30, "reason": "duplicate"}, {"reason": "bad\x00byte"}]
)
def test_a_body_no_column_can_hold_is_refused_before_the_view(paid, refunder, body) -> None:
    response = refunder.post(refunds_url(paid), body, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"
    assert not Refund.objects.exists()


@pytest.mark.parametrize("payment_id", ["00000000-0000-0000-0000-000000000000", "not-a-uuid"])
def test_an_unknown_payment_is_a_404(sandbox, refunder, payment_id) -> None:
    post = refunder.post(
        f"/api/v1/payments/{payment_id}/refunds/", {"reason": "duplicate"}, format="json"
    )
    get = refunder.get(f"/api/v1/payments/{payment_id}/refunds/")

    assert (post.status_code, get.status_code) == (404, 404)


def test_stripe_unavailable_leaves_the_refund_pending_and_the_recheck_submits_it(
    paid, refunder, sandbox, settings
) -> None:
    from payments.tasks import refunds_recheck_pending

    sandbox.control(
        "POST",
        "/_sandbox/faults",
        {"method": "POST", "path": "/v1/refunds", "status": 503, "count": 10},
    )
    response = refunder.post(refunds_url(paid), {"reason": "duplicate"}, format="json")
    assert (response.status_code, response.json()["status"]) == (201, "pending")
    sandbox.control("DELETE", "/_sandbox/faults")
    settings.REFUND_RECHECK_AFTER_SECONDS = 0

    assert refunds_recheck_pending.delay().get() == 1

    paid.refresh_from_db()
    assert paid.status == "refunded"
    assert Refund.objects.get().status == "succeeded"
    assert len(sandbox.sandbox.store.all("refund")) == 1
    assert RefundEvent.objects.filter(action="stripe_unavailable").count() == 1
    assert RefundEvent.objects.filter(action="status", source="task").exists()
