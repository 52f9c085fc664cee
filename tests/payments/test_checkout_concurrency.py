"""Concurrent Checkout requests of one learner for one course (PostgreSQL: real row locks)."""

import threading

import pytest
from django.db import connection

from payments.models import Payment
from payments.services.outcomes import UNSETTLED_STATUSES
from tests.factories import CourseFactory, UserFactory
from tests.payments.live_stripe import client_for

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def concurrently(count: int, request) -> list[int]:
    statuses: list[int] = []
    barrier = threading.Barrier(count)

    def attempt(index: int) -> None:
        barrier.wait()
        try:
            statuses.append(request(index).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses


def test_identical_concurrent_requests_open_one_payment_and_one_session(sandbox) -> None:
    learner, course = UserFactory.create(), CourseFactory.create()

    statuses = concurrently(
        20,
        lambda _: client_for(learner).post(
            "/api/v1/checkout-sessions/", {"course": course.slug}, format="json"
        ),
    )

    assert sorted(set(statuses)) == [200, 201]
    assert statuses.count(201) == 1
    assert Payment.objects.count() == 1
    assert len(sandbox.sandbox.store.all("checkout.session")) == 1


def test_competing_requests_leave_at_most_one_session_that_can_take_money(sandbox) -> None:
    learner, course = UserFactory.create(), CourseFactory.create()
    modes = ("hosted", "embedded")

    statuses = concurrently(
        10,
        lambda i: client_for(learner).post(
            "/api/v1/checkout-sessions/",
            {"course": course.slug, "ui_mode": modes[i % 2]},
            format="json",
        ),
    )

    assert set(statuses) <= {200, 201, 409, 503}
    open_payments = Payment.objects.filter(status__in=UNSETTLED_STATUSES)
    assert open_payments.count() <= 1
    payable = [s for s in sandbox.sandbox.store.all("checkout.session") if s["status"] == "open"]
    assert len(payable) <= 1
    if payable:
        assert payable[0]["metadata"]["coursepay_payment_id"] == str(open_payments.get().pk)
