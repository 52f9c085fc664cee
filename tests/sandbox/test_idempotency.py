"""Idempotency keys as Stripe keeps them."""

import threading

import pytest
import stripe

from stripe_sandbox.idempotency import KEY_LIFETIME_SECONDS
from tests.sandbox.support import error_of


def test_the_same_key_and_parameters_replay_the_first_response(client) -> None:
    options = {"idempotency_key": "create-ada"}
    first = client.v1.customers.create({"email": "ada@example.com"}, options)

    second = client.v1.customers.create({"email": "ada@example.com"}, options)

    assert second.id == first.id
    assert second.last_response.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.last_response.headers


def test_a_replay_creates_nothing_new(client) -> None:
    for _ in range(3):
        client.v1.customers.create({"email": "ada@example.com"}, {"idempotency_key": "once"})

    assert len(client.v1.customers.list().data) == 1


def test_a_stored_decline_is_replayed_as_the_same_error(client) -> None:
    params = {
        "amount": 1000,
        "currency": "usd",
        "payment_method": "pm_card_visa_chargeDeclined",
        "confirm": True,
    }
    with pytest.raises(stripe.CardError) as first:
        client.v1.payment_intents.create(params, {"idempotency_key": "pay-1"})

    with pytest.raises(stripe.CardError) as replayed:
        client.v1.payment_intents.create(params, {"idempotency_key": "pay-1"})

    assert (replayed.value.headers or {})["Idempotent-Replayed"] == "true"
    assert (
        error_of(replayed.value)["payment_intent"]["id"]
        == error_of(first.value)["payment_intent"]["id"]
    )


def test_the_same_key_with_other_parameters_is_an_idempotency_error(client) -> None:
    client.v1.customers.create({"email": "a@example.com"}, {"idempotency_key": "k"})

    with pytest.raises(stripe.IdempotencyError):
        client.v1.customers.create({"email": "b@example.com"}, {"idempotency_key": "k"})


def test_the_same_key_on_another_endpoint_is_an_idempotency_error(client) -> None:
    client.v1.customers.create({}, {"idempotency_key": "k"})

    with pytest.raises(stripe.IdempotencyError):
        client.v1.products.create({"name": "X"}, {"idempotency_key": "k"})


def test_a_concurrent_duplicate_answers_409_key_in_use(sandbox, client, raw) -> None:
    started, release = threading.Event(), threading.Event()

    def hold(call: object) -> None:
        started.set()
        release.wait(timeout=5)

    sandbox.sandbox.before_handler = hold
    first = threading.Thread(
        target=client.v1.customers.create, args=({}, {"idempotency_key": "busy"})
    )
    first.start()
    assert started.wait(timeout=5)

    duplicate = raw("POST", "/v1/customers", headers={"Idempotency-Key": "busy"})
    release.set()
    first.join(timeout=5)

    assert duplicate.status == 409
    assert duplicate.body["error"]["code"] == "idempotency_key_in_use"
    assert duplicate.headers["Stripe-Should-Retry"] == "true"


def test_a_request_that_fails_validation_stores_nothing(client) -> None:
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.customers.create({"colour": "blue"}, {"idempotency_key": "k"})

    created = client.v1.customers.create({"email": "a@example.com"}, {"idempotency_key": "k"})

    assert "Idempotent-Replayed" not in created.last_response.headers


def test_a_key_expires_after_24_hours(client, control) -> None:
    client.v1.customers.create({"email": "a@example.com"}, {"idempotency_key": "old"})
    control("/_sandbox/clock/advance", {"seconds": KEY_LIFETIME_SECONDS})

    reused = client.v1.customers.create({"email": "b@example.com"}, {"idempotency_key": "old"})

    assert reused.email == "b@example.com"
    assert "Idempotent-Replayed" not in reused.last_response.headers


def test_a_key_is_kept_just_under_24_hours(client, control) -> None:
    client.v1.customers.create({"email": "a@example.com"}, {"idempotency_key": "young"})
    control("/_sandbox/clock/advance", {"seconds": KEY_LIFETIME_SECONDS - 60})

    with pytest.raises(stripe.IdempotencyError):
        client.v1.customers.create({"email": "b@example.com"}, {"idempotency_key": "young"})
