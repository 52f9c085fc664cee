"""Saved cards through `/api/v1/payment-methods/` and `POST /api/v1/payments/`, against the
sandbox: saved through a SetupIntent, listed, used, made default, deleted; nobody else's."""

import pytest

from payments.models import SavedCard
from tests.factories import CourseFactory, UserFactory
from tests.payments.live_stripe import (  # noqa: F401
    _endpoint,
    _live_webhooks,
    _stripe_calls,
    client_for,
    events_about,
    signed_post,
    stripe_api,
    wait_for,
)

CARD_FIELDS = {"id", "brand", "last4", "exp_month", "exp_year", "default"}


def listed(client) -> list[dict]:
    response = client.get("/api/v1/payment-methods/")
    assert response.status_code == 200
    return response.json()["results"]


def setup_and_confirm(sandbox, client, card_number: str = "4242424242424242") -> dict:
    """What the learner's browser does: ask us for a SetupIntent, confirm it with Stripe.js."""
    setup = client.post("/api/v1/payment-methods/setup")
    assert setup.status_code == 201, setup.json()
    body = setup.json()
    sandbox.control(
        "POST",
        f"/_sandbox/setup_intents/{body['setup_intent']}/confirm",
        {"client_secret": body["client_secret"], "card_number": card_number},
    )
    return body


def deliver(sandbox, endpoint, object_id: str) -> None:
    """Stripe's events about the object, delivered to us in order."""
    for event in events_about(sandbox, object_id):
        assert signed_post(endpoint, event).status_code == 200


def saved_card_of(sandbox, endpoint, learner) -> str:
    setup = setup_and_confirm(sandbox, client_for(learner))
    seti = stripe_api(sandbox).v1.setup_intents.retrieve(setup["setup_intent"])
    deliver(sandbox, endpoint, str(seti.payment_method))
    return str(seti.payment_method)


@pytest.mark.django_db(transaction=True)
def test_a_card_is_saved_listed_used_made_default_and_deleted(sandbox, live_webhooks) -> None:
    learner, course = UserFactory.create(), CourseFactory.create()
    client = client_for(learner)

    setup = setup_and_confirm(sandbox, client)
    wait_for(lambda: len(listed(client)) == 1)
    (card,) = listed(client)
    assert set(card) == CARD_FIELDS
    assert (card["brand"], card["last4"], card["default"]) == ("visa", "4242", False)
    assert card["exp_month"] > 0
    assert card["exp_year"] > 2000
    assert setup["client_secret"].startswith(setup["setup_intent"])

    bought = client.post(
        "/api/v1/payments/", {"course": course.slug, "payment_method": card["id"]}, format="json"
    )
    assert bought.status_code == 201, bought.json()
    assert bought.json()["status"] == "succeeded"
    intent = stripe_api(sandbox).v1.payment_intents.retrieve(
        bought.json()["stripe_payment_intent_id"]
    )
    assert intent.payment_method == card["id"]

    made_default = client.post(f"/api/v1/payment-methods/{card['id']}/default")
    assert made_default.status_code == 200
    assert made_default.json()["default"] is True
    customer = stripe_api(sandbox).v1.customers.retrieve(learner.stripe_customer.customer_id)
    assert customer.to_dict()["invoice_settings"]["default_payment_method"] == card["id"]

    deleted = client.delete(f"/api/v1/payment-methods/{card['id']}/")
    assert deleted.status_code == 204
    assert listed(client) == []
    assert stripe_api(sandbox).v1.payment_methods.retrieve(card["id"]).customer is None


@pytest.mark.django_db
def test_another_learner_cannot_list_use_delete_or_default_a_card(
    sandbox, endpoint, stripe_calls
) -> None:
    owner, stranger, course = UserFactory.create(), UserFactory.create(), CourseFactory.create()
    card_id = saved_card_of(sandbox, endpoint, owner)
    client = client_for(stranger)
    stripe_calls.clear()

    assert listed(client) == []
    used = client.post(
        "/api/v1/payments/", {"course": course.slug, "payment_method": card_id}, format="json"
    )
    deleted = client.delete(f"/api/v1/payment-methods/{card_id}/")
    made_default = client.post(f"/api/v1/payment-methods/{card_id}/default")

    assert (used.status_code, deleted.status_code, made_default.status_code) == (404, 404, 404)
    assert used.json()["error"]["code"] == "payment_method_not_found"
    assert stripe_calls == []
    assert SavedCard.objects.get().learner == owner
    assert stripe_api(sandbox).v1.payment_methods.retrieve(card_id).customer is not None


@pytest.mark.django_db
def test_a_purchase_can_save_its_card(sandbox, endpoint, learner, learner_client) -> None:
    course = CourseFactory.create()

    bought = learner_client.post(
        "/api/v1/payments/",
        {
            "course": course.slug,
            "payment_method": "pm_card_mastercard",
            "save_payment_method": True,
        },
        format="json",
    )

    assert bought.status_code == 201, bought.json()
    intent = stripe_api(sandbox).v1.payment_intents.retrieve(
        bought.json()["stripe_payment_intent_id"]
    )
    assert intent.setup_future_usage == "on_session"
    deliver(sandbox, endpoint, str(intent.payment_method))
    (card,) = listed(learner_client)
    assert (card["id"], card["brand"], card["last4"]) == (
        intent.payment_method,
        "mastercard",
        "4444",
    )


@pytest.mark.django_db
def test_a_card_detached_at_stripe_leaves_the_list(sandbox, endpoint, learner, learner_client):
    card_id = saved_card_of(sandbox, endpoint, learner)

    stripe_api(sandbox).v1.payment_methods.detach(card_id)
    deliver(sandbox, endpoint, card_id)

    assert listed(learner_client) == []


@pytest.mark.django_db
def test_a_late_attached_event_does_not_bring_back_a_detached_card(
    sandbox, endpoint, learner, learner_client
) -> None:
    setup = setup_and_confirm(sandbox, learner_client)
    card_id = str(
        stripe_api(sandbox).v1.setup_intents.retrieve(setup["setup_intent"]).payment_method
    )
    stripe_api(sandbox).v1.payment_methods.detach(card_id)

    for event in reversed(events_about(sandbox, card_id)):  # detached first, attached last
        assert signed_post(endpoint, event).status_code == 200

    assert listed(learner_client) == []


@pytest.mark.django_db
def test_the_setup_succeeded_event_alone_lists_the_card(
    sandbox, endpoint, learner, learner_client
) -> None:
    setup = setup_and_confirm(sandbox, learner_client)

    (succeeded,) = events_about(sandbox, setup["setup_intent"], "setup_intent.succeeded")
    for _ in range(3):
        assert signed_post(endpoint, succeeded).status_code == 200

    (card,) = listed(learner_client)
    assert card["last4"] == "4242"


@pytest.mark.django_db
def test_a_setup_succeeded_after_the_attached_event_lists_the_card_once(
    sandbox, endpoint, learner, learner_client
) -> None:
    setup = setup_and_confirm(sandbox, learner_client)
    card_id = str(
        stripe_api(sandbox).v1.setup_intents.retrieve(setup["setup_intent"]).payment_method
    )

    deliver(sandbox, endpoint, card_id)  # payment_method.attached
    deliver(sandbox, endpoint, setup["setup_intent"])  # setup_intent.created, .succeeded

    assert [card["id"] for card in listed(learner_client)] == [card_id]


@pytest.mark.django_db
def test_an_updated_card_is_refreshed_from_stripe(sandbox, endpoint, learner, learner_client):
    card_id = saved_card_of(sandbox, endpoint, learner)
    SavedCard.objects.filter(stripe_id=card_id).update(exp_year=2001, last4="0000")

    stripe_api(sandbox).v1.payment_methods.update(card_id, params={"metadata": {"nick": "work"}})
    (updated,) = events_about(sandbox, card_id, "payment_method.updated")
    assert signed_post(endpoint, updated).status_code == 200

    (card,) = listed(learner_client)
    assert (card["last4"], card["exp_year"] > 2001) == ("4242", True)


@pytest.mark.django_db
def test_a_default_chosen_at_stripe_is_the_default_here(sandbox, endpoint, learner, learner_client):
    first = saved_card_of(sandbox, endpoint, learner)
    second = saved_card_of(sandbox, endpoint, learner)
    customer_id = learner.stripe_customer.customer_id
    api = stripe_api(sandbox)

    for chosen in (first, second):
        api.v1.customers.update(
            customer_id, params={"invoice_settings": {"default_payment_method": chosen}}
        )
        latest = events_about(sandbox, customer_id, "customer.updated")[-1]
        assert signed_post(endpoint, latest).status_code == 200

    defaults = {card["id"]: card["default"] for card in listed(learner_client)}
    assert defaults == {first: False, second: True}


@pytest.mark.django_db
def test_deleting_a_card_stripe_already_detached_succeeds(
    sandbox, endpoint, learner, learner_client
) -> None:
    card_id = saved_card_of(sandbox, endpoint, learner)
    stripe_api(sandbox).v1.payment_methods.detach(card_id)  # its webhook has not arrived

    deleted = learner_client.delete(f"/api/v1/payment-methods/{card_id}")

    assert deleted.status_code == 204
    assert listed(learner_client) == []


@pytest.mark.django_db
def test_stripe_down_while_deleting_answers_503_and_keeps_the_card(
    sandbox, endpoint, learner, learner_client
) -> None:
    card_id = saved_card_of(sandbox, endpoint, learner)
    sandbox.control(
        "POST",
        "/_sandbox/faults",
        dict(method="POST", path="/v1/payment_methods/*", count=3, status=503),
    )

    deleted = learner_client.delete(f"/api/v1/payment-methods/{card_id}/")

    assert deleted.status_code == 503
    assert [card["id"] for card in listed(learner_client)] == [card_id]


@pytest.mark.django_db
def test_the_setup_replays_for_the_same_idempotency_key(sandbox, learner_client) -> None:
    first = learner_client.post("/api/v1/payment-methods/setup/", HTTP_IDEMPOTENCY_KEY="card-1")
    again = learner_client.post("/api/v1/payment-methods/setup/", HTTP_IDEMPOTENCY_KEY="card-1")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert len(stripe_api(sandbox).v1.setup_intents.list().data) == 1


@pytest.mark.django_db
def test_the_setup_intent_is_on_the_learners_customer(sandbox, learner, learner_client) -> None:
    setup = learner_client.post("/api/v1/payment-methods/setup").json()

    seti = stripe_api(sandbox).v1.setup_intents.retrieve(setup["setup_intent"])
    assert seti.customer == learner.stripe_customer.customer_id
    assert set(setup) == {"setup_intent", "client_secret"}


@pytest.mark.django_db
@pytest.mark.parametrize("card_id", ["pm_unknown", "pm_" + "x" * 300, "x" * 300])
def test_an_unknown_card_answers_404_without_stripe(
    sandbox, learner_client, stripe_calls, card_id
) -> None:
    deleted = learner_client.delete(f"/api/v1/payment-methods/{card_id}/")
    made_default = learner_client.post(f"/api/v1/payment-methods/{card_id}/default")

    assert (deleted.status_code, made_default.status_code) == (404, 404)
    assert stripe_calls == []


@pytest.mark.django_db
def test_saved_cards_need_a_logged_in_learner(sandbox, api_client) -> None:
    answers = [
        api_client.get("/api/v1/payment-methods/").status_code,
        api_client.post("/api/v1/payment-methods/setup").status_code,
        api_client.delete("/api/v1/payment-methods/pm_x/").status_code,
        api_client.post("/api/v1/payment-methods/pm_x/default").status_code,
    ]

    assert answers == [401, 401, 401, 401]


@pytest.mark.django_db
def test_a_card_from_an_earlier_intent_can_be_saved_when_it_pays(
    sandbox, endpoint, learner, learner_client
) -> None:
    course = CourseFactory.create()
    learner_client.post("/api/v1/payments/", {"course": course.slug}, format="json")

    bought = learner_client.post(
        "/api/v1/payments/",
        {"course": course.slug, "payment_method": "pm_card_visa", "save_payment_method": True},
        format="json",
    )

    assert bought.status_code == 200, bought.json()
    assert bought.json()["status"] == "succeeded"
    intent = stripe_api(sandbox).v1.payment_intents.retrieve(
        bought.json()["stripe_payment_intent_id"]
    )
    assert intent.setup_future_usage == "on_session"
    deliver(sandbox, endpoint, str(intent.payment_method))
    assert [card["id"] for card in listed(learner_client)] == [intent.payment_method]


@pytest.mark.django_db
def test_cards_and_defaults_of_customers_not_ours_are_ignored(sandbox, endpoint) -> None:
    api = stripe_api(sandbox)
    stranger = api.v1.customers.create(params={"email": "not-a-learner@example.com"})
    card = api.v1.payment_methods.attach("pm_card_visa", params={"customer": stranger.id})
    api.v1.customers.update(
        stranger.id, params={"invoice_settings": {"default_payment_method": card.id}}
    )

    deliver(sandbox, endpoint, card.id)
    deliver(sandbox, endpoint, stranger.id)

    assert not SavedCard.objects.exists()


@pytest.mark.django_db
def test_saved_cards_and_setups_read_as_what_they_are(sandbox, endpoint, learner) -> None:
    card_id = saved_card_of(sandbox, endpoint, learner)

    card, setup = SavedCard.objects.get(), learner.card_setups.get()

    assert str(card) == "visa •••• 4242"
    assert str(setup) == setup.stripe_setup_intent_id
    assert card.stripe_id == card_id
