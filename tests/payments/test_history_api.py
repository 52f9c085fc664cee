"""Reading the ledger: `GET /api/v1/payments/` and `/api/v1/payments/{id}/`."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from payments.models import Payment
from tests.factories import CourseFactory, PaymentFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_learner_lists_only_their_own_payments_newest_first(learner, learner_client) -> None:
    older = PaymentFactory.create(learner=learner)
    newer = PaymentFactory.create(learner=learner)
    PaymentFactory.create(learner=UserFactory.create())
    Payment.objects.filter(pk=older.pk).update(created=timezone.now() - timedelta(days=1))

    body = learner_client.get("/api/v1/payments/").json()

    assert [p["id"] for p in body["results"]] == [str(newer.pk), str(older.pk)]
    first = body["results"][0]
    assert {
        "course",
        "amount",
        "currency",
        "status",
        "created",
        "stripe_payment_intent_id",
        "amount_refunded",
        "receipt_number",
        "receipt_url",
    } <= set(first)


def test_the_list_is_cursor_paginated(learner, learner_client) -> None:
    for _ in range(3):
        PaymentFactory.create(learner=learner)

    first = learner_client.get("/api/v1/payments/?page_size=2").json()
    second = learner_client.get(first["next"]).json()

    assert len(first["results"]) == 2
    assert len(second["results"]) == 1
    assert "cursor=" in first["next"]
    assert second["next"] is None


def test_the_list_filters_by_status(learner, learner_client) -> None:
    PaymentFactory.create(learner=learner, status="succeeded")
    PaymentFactory.create(learner=learner, status="failed")

    body = learner_client.get("/api/v1/payments/?status=failed").json()

    assert [p["status"] for p in body["results"]] == ["failed"]


def test_the_list_filters_by_creation_dates(learner, learner_client) -> None:
    old = PaymentFactory.create(learner=learner)
    recent = PaymentFactory.create(learner=learner)
    Payment.objects.filter(pk=old.pk).update(created=timezone.now() - timedelta(days=10))
    since = (timezone.now() - timedelta(days=2)).date().isoformat()
    until = (timezone.now() - timedelta(days=5)).date().isoformat()

    after = learner_client.get(f"/api/v1/payments/?created_after={since}").json()
    before = learner_client.get(f"/api/v1/payments/?created_before={until}").json()

    assert [p["id"] for p in after["results"]] == [str(recent.pk)]
    assert [p["id"] for p in before["results"]] == [str(old.pk)]


def test_a_bad_filter_is_a_validation_error(learner_client) -> None:
    response = learner_client.get("/api/v1/payments/?created_after=yesterday")

    assert response.status_code == 400
    assert "created_after" in response.json()["error"]["fields"]


def test_another_learners_payment_is_404(learner_client) -> None:
    theirs = PaymentFactory.create(learner=UserFactory.create())

    response = learner_client.get(f"/api/v1/payments/{theirs.pk}/")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_malformed_payment_id_is_404(learner_client) -> None:
    assert learner_client.get("/api/v1/payments/not-a-uuid/").status_code == 404


def test_the_history_needs_authentication(api_client: APIClient) -> None:
    assert api_client.get("/api/v1/payments/").status_code == 401


def test_the_course_catalog_is_public_and_hides_inactive_courses(api_client: APIClient) -> None:
    CourseFactory.create(slug="on-sale", price_amount=3000, currency="jpy")
    CourseFactory.create(slug="retired", active=False)

    listing = api_client.get("/api/v1/courses/").json()
    detail = api_client.get("/api/v1/courses/on-sale/").json()

    assert [c["slug"] for c in listing["results"]] == ["on-sale"]
    assert (detail["price_amount"], detail["currency"]) == (3000, "jpy")
    assert api_client.get("/api/v1/courses/retired/").status_code == 404


def test_the_schema_documents_the_payments_api(api_client) -> None:
    schema = api_client.get("/api/schema/?format=json").json()

    assert {"/api/v1/payments/", "/api/v1/payments/{id}/"} <= set(schema["paths"])


def test_a_payment_without_a_course_is_listed_with_a_null_course_and_its_description(
    learner, learner_client
) -> None:
    """The mobile app's PaymentIntents buy no course (seed 001): the keys stay, as null."""
    payment = PaymentFactory.create(learner=learner)
    Payment.objects.filter(pk=payment.pk).update(course=None, description="Premium upgrade")

    listed = learner_client.get("/api/v1/payments/").json()["results"][0]
    detail = learner_client.get(f"/api/v1/payments/{payment.pk}/").json()

    for row in (listed, detail):
        assert (row["course"], row["course_title"]) == (None, None)
        assert row["description"] == "Premium upgrade"
