"""Refunding from the back office, as staff with and without the permission, against the
sandbox."""

from datetime import timedelta

import pytest
from django.utils import timezone

from courses.models import Enrollment
from payments.models import Payment, PaymentEvent, Refund, RefundEvent
from tests.factories import CourseFactory, PaymentFactory
from tests.payments.refund_support import buy, staff_user

pytestmark = pytest.mark.django_db


def refund_page(payment) -> str:
    return f"/admin/payments/payment/{payment.pk}/refund/"


def logged_in(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def paid(sandbox, learner):
    return buy(learner, CourseFactory.create(price_amount=4900, currency="usd"))


@pytest.fixture
def refunder(client):
    return logged_in(client, staff_user(can_refund=True))


def test_staff_with_the_permission_see_the_refund_button(paid, refunder) -> None:
    page = refunder.get(f"/admin/payments/payment/{paid.pk}/change/")

    assert page.status_code == 200
    assert refund_page(paid).encode() in page.content


def test_staff_without_the_permission_see_no_button_and_get_403(paid, client) -> None:
    viewer = logged_in(client, staff_user(can_refund=False))

    page = viewer.get(f"/admin/payments/payment/{paid.pk}/change/")
    form = viewer.get(refund_page(paid))
    posted = viewer.post(refund_page(paid), {"reason": "duplicate"})

    assert page.status_code == 200
    assert refund_page(paid).encode() not in page.content
    assert (form.status_code, posted.status_code) == (403, 403)
    assert not Refund.objects.exists()


def test_the_refund_page_of_a_payment_of_no_course_names_its_description(refunder) -> None:
    """The mobile contract's payments buy no course (seed 001): the page said `for ""`."""
    payment = PaymentFactory.create(course=None, amount=700, currency="usd", description="Top-up")

    page = refunder.get(refund_page(payment)).content.decode()

    assert "paid <strong>$7.00</strong> for &ldquo;Top-up&rdquo;" in page


def test_the_refund_page_of_a_guests_payment_says_a_guest_paid(refunder) -> None:
    """The embedded checkout's payments have no learner: the page began with ` paid`."""
    payment = PaymentFactory.create(learner=None, course=None, amount=700, currency="usd")

    page = refunder.get(refund_page(payment)).content.decode()

    assert "<p>A guest paid <strong>$7.00</strong>" in page


def test_a_full_refund_from_the_admin_page(paid, refunder) -> None:
    form = refunder.get(refund_page(paid))
    assert b"$49.00" in form.content

    response = refunder.post(refund_page(paid), {"reason": "requested_by_customer"}, follow=True)

    assert b"Refunded $49.00." in response.content
    paid.refresh_from_db()
    assert paid.status == "refunded"
    assert Enrollment.objects.get(payment=paid).status == "revoked"
    moved = PaymentEvent.objects.get(payment=paid, to_status="refunded")
    assert (moved.source, moved.actor) == ("admin", refunder_email(refunder))


def refunder_email(client) -> str:
    from accounts.models import User

    return User.objects.get(pk=client.session["_auth_user_id"]).email


def test_a_partial_refund_in_major_units(paid, refunder) -> None:
    refunder.post(refund_page(paid), {"amount": "12.50", "reason": "other", "note": "Late access"})

    refund = Refund.objects.get()
    assert (refund.amount, refund.reason, refund.note, refund.origin) == (
        1250,
        "other",
        "Late access",
        "admin",
    )
    assert Payment.objects.get(pk=paid.pk).status == "partially_refunded"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"amount": "12.505", "reason": "duplicate"}, b"at most 2 decimals"),
        ({"amount": "ten", "reason": "duplicate"}, b"at most 2 decimals"),
        ({"amount": "-1", "reason": "duplicate"}, b"at most 2 decimals"),
        ({"amount": "1e400", "reason": "duplicate"}, b"at most 2 decimals"),
        ({"amount": "0", "reason": "duplicate"}, b"must be more than zero"),
        ({"reason": "other"}, b"Say why"),
        ({"reason": "not-a-reason"}, b"Select a valid choice"),
    ],
)
def test_bad_refund_forms_say_what_is_wrong(paid, refunder, body, message) -> None:
    response = refunder.post(refund_page(paid), body)

    assert response.status_code == 200
    assert message in response.content
    assert not Refund.objects.exists()


def test_an_over_refund_is_refused_with_a_clear_message(paid, refunder) -> None:
    refunder.post(refund_page(paid), {"amount": "40", "reason": "duplicate"})

    response = refunder.post(refund_page(paid), {"amount": "10", "reason": "duplicate"})

    assert b"$10.00 is more than the $9.00 left to refund." in response.content
    assert Refund.objects.count() == 1
    assert RefundEvent.objects.filter(action="refused").count() == 1


def test_outside_the_window_staff_are_refused_and_superusers_must_confirm(
    paid, client, settings
) -> None:
    settings.REFUND_WINDOW_DAYS = 30
    Payment.objects.filter(pk=paid.pk).update(paid_at=timezone.now() - timedelta(days=45))
    staff = logged_in(client, staff_user(can_refund=True))

    refused = staff.post(refund_page(paid), {"reason": "duplicate"})
    forbidden = staff.post(refund_page(paid), {"reason": "duplicate", "override_window": "on",
                                               "confirm_override": "on"})  # fmt: skip
    assert b"older than the 30-day refund window" in refused.content
    assert b"Only a superuser may refund after the 30-day refund window" in forbidden.content

    boss = logged_in(client, staff_user(can_refund=True, superuser=True))
    unconfirmed = boss.post(refund_page(paid), {"reason": "duplicate", "override_window": "on"})
    assert b"Confirm the override" in unconfirmed.content
    assert not Refund.objects.exists()

    boss.post(refund_page(paid), {"reason": "duplicate", "override_window": "on",
                                  "confirm_override": "on"})  # fmt: skip

    refund = Refund.objects.get()
    assert (refund.status, refund.window_overridden) == ("succeeded", True)
    assert RefundEvent.objects.get(refund=refund, action="requested").detail["window_overridden"]


def test_the_list_action_opens_the_refund_page_of_one_payment(paid, refunder, learner) -> None:
    other = buy(learner)
    changelist = "/admin/payments/payment/"

    one = refunder.post(changelist, {"action": "refund_one", "_selected_action": [str(paid.pk)]})
    two = refunder.post(
        changelist,
        {"action": "refund_one", "_selected_action": [str(paid.pk), str(other.pk)]},
        follow=True,
    )

    assert (one.status_code, one["Location"]) == (302, refund_page(paid))
    assert b"Select exactly one payment to refund." in two.content


def test_the_list_action_is_not_offered_without_the_permission(paid, client) -> None:
    viewer = logged_in(client, staff_user(can_refund=False))

    page = viewer.get("/admin/payments/payment/")

    assert page.status_code == 200
    assert b"refund_one" not in page.content


def test_a_refund_stripe_cannot_take_now_stays_pending_with_a_warning(
    paid, refunder, sandbox
) -> None:
    sandbox.control(
        "POST", "/_sandbox/faults", {"method": "POST", "path": "/v1/refunds", "status": 503,
                                     "count": 10}
    )  # fmt: skip

    response = refunder.post(refund_page(paid), {"reason": "duplicate"}, follow=True)

    assert b"Stripe has not settled it yet (it is pending)" in response.content
    assert Refund.objects.get().status == "pending"


def test_a_refund_stripe_refuses_is_shown_as_failed(paid, refunder, sandbox) -> None:
    from tests.payments.refund_support import stripe_api

    stripe_api(sandbox).v1.refunds.create(
        params={"payment_intent": paid.stripe_payment_intent_id, "amount": 4000}
    )

    response = refunder.post(refund_page(paid), {"reason": "duplicate"}, follow=True)

    assert b"Stripe refused the refund of $49.00" in response.content
    page = refunder.get(f"/admin/payments/payment/{paid.pk}/change/")
    assert b"amount_too_large" in page.content
