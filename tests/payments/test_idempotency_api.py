"""`Idempotency-Key` on `POST /api/v1/payments/`."""

import hashlib
import json
import threading
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection
from django.utils import timezone
from rest_framework.test import APIClient

from payments.models import IdempotencyRecord, Payment
from tests.factories import CourseFactory, UserFactory


def buy(client: APIClient, body: dict, key: str):
    return client.post("/api/v1/payments/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)


@pytest.mark.django_db
def test_the_same_key_and_body_replay_the_first_response(sandbox, learner_client) -> None:
    course = CourseFactory.create()

    first = buy(learner_client, {"course": course.slug, "payment_method": "pm_card_visa"}, "k1")
    again = buy(learner_client, {"course": course.slug, "payment_method": "pm_card_visa"}, "k1")

    assert first.status_code == 201
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first


@pytest.mark.django_db
def test_a_replayed_decline_is_the_same_decline(sandbox, learner_client) -> None:
    course = CourseFactory.create()
    body = {"course": course.slug, "payment_method": "pm_card_visa_chargeDeclined"}

    first = buy(learner_client, body, "k-decline")
    again = buy(learner_client, body, "k-decline")

    assert first.status_code == again.status_code == 402
    assert again.json()["error"]["decline_code"] == "generic_decline"
    assert Payment.objects.get().failed_attempts == 1


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_422(sandbox, learner_client) -> None:
    first, second = CourseFactory.create(), CourseFactory.create()
    buy(learner_client, {"course": first.slug}, "k2")

    response = buy(learner_client, {"course": second.slug}, "k2")

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert Payment.objects.count() == 1


@pytest.mark.django_db
def test_keys_belong_to_one_learner(sandbox, learner_client) -> None:
    course = CourseFactory.create()
    other = APIClient()
    other.force_authenticate(UserFactory.create())

    buy(learner_client, {"course": course.slug}, "shared-key")
    theirs = buy(other, {"course": course.slug}, "shared-key")

    assert theirs.status_code == 201
    assert Payment.objects.count() == 2


@pytest.mark.django_db
def test_an_invalid_request_does_not_burn_the_key(sandbox, learner_client) -> None:
    course = CourseFactory.create()

    invalid = buy(learner_client, {"course": ""}, "k3")
    valid = buy(learner_client, {"course": course.slug}, "k3")

    assert invalid.status_code == 400
    assert valid.status_code == 201


@pytest.mark.django_db
def test_a_key_expires_after_24_hours(sandbox, learner_client) -> None:
    first, second = CourseFactory.create(), CourseFactory.create()
    buy(learner_client, {"course": first.slug}, "k4")
    IdempotencyRecord.objects.update(created=timezone.now() - timedelta(hours=25))

    response = buy(learner_client, {"course": second.slug}, "k4")

    assert response.status_code == 201


@pytest.mark.django_db
def test_a_request_in_flight_answers_409_to_its_duplicate(sandbox, learner, learner_client) -> None:
    course = CourseFactory.create()
    body = {"course": course.slug}
    IdempotencyRecord.objects.create(  # what the first request holds while it runs
        user=learner,
        key="k5",
        endpoint="POST /api/v1/payments",
        request_fingerprint=hashlib.sha256(
            json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
        ).hexdigest(),
    )

    response = buy(learner_client, body, "k5")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_key_in_use"
    assert not Payment.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_key_is_claimed_replayed_and_guarded(sandbox) -> None:
    # As in production (no ATOMIC_REQUESTS): the claim is a lone INSERT that commits by itself,
    # and a duplicate key's error leaves the connection usable for the replay.
    learner, course = UserFactory.create(), CourseFactory.create()
    client = APIClient()
    client.force_authenticate(learner)
    body = {"course": course.slug, "payment_method": "pm_card_visa"}

    first = buy(client, body, "k-autocommit")
    again = buy(client, body, "k-autocommit")
    other = buy(client, {**body, "payment_method": "pm_card_mastercard"}, "k-autocommit")

    assert (first.status_code, again.status_code, other.status_code) == (201, 201, 422)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Payment.objects.count() == 1
    assert IdempotencyRecord.objects.get(key="k-autocommit").response_status == 201


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_identical_requests_create_one_payment_and_one_intent(sandbox) -> None:
    learner, course = UserFactory.create(), CourseFactory.create()
    body = {"course": course.slug, "payment_method": "pm_card_visa"}
    statuses: list[int] = []
    barrier = threading.Barrier(50)

    def attempt() -> None:
        client = APIClient()
        client.force_authenticate(learner)
        barrier.wait()
        try:
            statuses.append(buy(client, body, "the-same-key").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(statuses) == 50
    assert set(statuses) <= {201, 409}
    assert 201 in statuses
    assert Payment.objects.count() == 1
    intents = sandbox.sandbox.store.all("payment_intent")
    assert len(intents) == 1


@pytest.mark.django_db
def test_a_request_abandoned_in_flight_is_taken_over_after_two_minutes(
    sandbox, learner, learner_client
) -> None:
    course = CourseFactory.create()
    body = {"course": course.slug}
    record = IdempotencyRecord.objects.create(
        user=learner,
        key="k6",
        endpoint="POST /api/v1/payments",
        request_fingerprint=hashlib.sha256(
            json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
        ).hexdigest(),
    )
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        created=timezone.now() - timedelta(minutes=3)
    )

    response = buy(learner_client, body, "k6")

    assert response.status_code == 201


@pytest.mark.django_db
def test_an_unprintable_key_is_refused_with_400(sandbox, learner_client) -> None:
    response = buy(learner_client, {"course": "any"}, "bad\tkey")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_idempotency_key"


@pytest.mark.django_db
def test_a_key_whose_holder_lets_go_while_we_claim_it_is_claimed(
    sandbox, learner_client, monkeypatch: pytest.MonkeyPatch
) -> None:
    course = CourseFactory.create()
    create, clashes = IdempotencyRecord.objects.create, [IntegrityError("held")]

    def clash_once(**fields):
        if clashes:  # the holder's row was there at our insert, and is gone when we look
            raise clashes.pop()
        return create(**fields)

    monkeypatch.setattr(IdempotencyRecord.objects, "create", clash_once)

    response = buy(learner_client, {"course": course.slug}, "k-race")

    assert response.status_code == 201
    assert IdempotencyRecord.objects.get(key="k-race").response_status == 201


@pytest.mark.django_db
def test_a_key_that_keeps_changing_hands_answers_409_retryable(
    sandbox, learner_client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def always_clash(**fields):
        raise IntegrityError("held")

    monkeypatch.setattr(IdempotencyRecord.objects, "create", always_clash)

    response = buy(learner_client, {"course": "any"}, "k-busy")

    assert response.status_code == 409
    assert response.json()["error"]["retryable"] is True
