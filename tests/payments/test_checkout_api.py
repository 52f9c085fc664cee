"""Buying a course through `POST /api/v1/checkout-sessions/`, against the Stripe sandbox."""

import pytest

from courses.models import Enrollment
from payments.gateway import get_gateway
from payments.models import CheckoutSession, Payment
from payments.services.catalog import course_sync_to_stripe
from tests.factories import CourseFactory, UserFactory
from tests.payments.live_stripe import _stripe_calls, client_for, stripe_api  # noqa: F401

pytestmark = pytest.mark.django_db

SITE = "http://127.0.0.1:8000"


def open_session(client, course: str = "", **body):
    if course:
        body["course"] = course
    return client.post("/api/v1/checkout-sessions/", body, format="json")


def complete(sandbox, session_id: str, card: str = "4242424242424242") -> None:
    """What the learner does on Checkout's page (it calls the same control API)."""
    sandbox.control(
        "POST", f"/_sandbox/checkout/sessions/{session_id}/complete", {"card_number": card}
    )


def test_a_hosted_session_answers_its_url_and_no_secret(sandbox, learner_client, learner) -> None:
    course = CourseFactory.create(price_amount=4900, currency="usd")

    response = open_session(learner_client, course.slug, ui_mode="hosted")

    body = response.json()
    assert response.status_code == 201, body
    assert body["id"].startswith("cs_")
    assert body["url"] == f"{sandbox.url}/c/pay/{body['id']}"
    assert "client_secret" not in body
    assert (body["ui_mode"], body["status"], body["payment_status"]) == ("hosted", "open", "unpaid")
    assert body["payment"]["status"] == "pending"
    at_stripe = stripe_api(sandbox).v1.checkout.sessions.retrieve(body["id"])
    assert at_stripe.ui_mode == "hosted_page"
    assert at_stripe.customer == learner.stripe_customer.customer_id
    assert at_stripe.success_url == f"{SITE}/checkout/success?session_id={{CHECKOUT_SESSION_ID}}"
    assert at_stripe.cancel_url == f"{SITE}/checkout/canceled"
    assert at_stripe.to_dict()["metadata"]["coursepay_payment_id"] == body["payment"]["id"]


def test_an_embedded_session_answers_only_its_client_secret(sandbox, learner_client) -> None:
    course = CourseFactory.create()

    response = open_session(learner_client, course.slug, ui_mode="embedded")

    body = response.json()
    assert response.status_code == 201, body
    assert body["client_secret"].startswith(f"{body['id']}_secret_")
    assert "url" not in body
    at_stripe = stripe_api(sandbox).v1.checkout.sessions.retrieve(body["id"])
    assert at_stripe.ui_mode == "embedded_page"
    assert at_stripe.return_url == f"{SITE}/checkout/return?session_id={{CHECKOUT_SESSION_ID}}"


def test_an_embedded_session_goes_from_open_to_complete(sandbox, learner_client, settings) -> None:
    settings.PAYMENT_REFRESH_AFTER_SECONDS = 0  # no webhook here: the status read asks Stripe
    course = CourseFactory.create()
    session_id = open_session(learner_client, course.slug, ui_mode="embedded").json()["id"]
    before = learner_client.get(f"/api/v1/checkout-sessions/{session_id}/").json()

    complete(sandbox, session_id)
    after = learner_client.get(f"/api/v1/checkout-sessions/{session_id}").json()

    assert (before["status"], before["payment"]["status"]) == ("open", "pending")
    assert (after["status"], after["payment_status"]) == ("complete", "paid")
    assert after["payment"]["status"] == "succeeded"
    assert Enrollment.objects.filter(payment_id=after["payment"]["id"]).count() == 1
    payment = Payment.objects.get(pk=after["payment"]["id"])
    assert payment.stripe_payment_intent_id.startswith("pi_")
    assert (payment.card_brand, payment.card_last4) == ("visa", "4242")


def test_the_status_read_of_a_recent_session_asks_stripe_nothing(
    sandbox, learner_client, stripe_calls
) -> None:
    session_id = open_session(learner_client, CourseFactory.create().slug).json()["id"]
    stripe_calls.clear()

    answer = learner_client.get(f"/api/v1/checkout-sessions/{session_id}/")

    assert answer.json()["status"] == "open"
    assert stripe_calls == []


def test_a_stale_open_session_is_read_from_stripe_in_one_call(
    sandbox, learner_client, settings, stripe_calls
) -> None:
    settings.PAYMENT_REFRESH_AFTER_SECONDS = 0
    session_id = open_session(learner_client, CourseFactory.create().slug).json()["id"]
    complete(sandbox, session_id)
    stripe_calls.clear()

    answer = learner_client.get(f"/api/v1/checkout-sessions/{session_id}/")

    assert stripe_calls == [f"GET /v1/checkout/sessions/{session_id}"]
    assert answer.json()["payment"]["status"] == "succeeded"


def test_the_amount_is_the_catalogs_in_a_zero_decimal_currency(sandbox, learner_client) -> None:
    course = CourseFactory.create(price_amount=3000, currency="jpy")

    body = open_session(learner_client, course.slug, amount=1, currency="usd").json()

    assert (body["payment"]["amount"], body["payment"]["currency"]) == (3000, "jpy")
    at_stripe = stripe_api(sandbox).v1.checkout.sessions.retrieve(body["id"])
    assert (at_stripe.amount_total, at_stripe.currency) == (3000, "jpy")


def test_a_course_can_be_named_by_its_current_stripe_price(sandbox, learner_client) -> None:
    course = course_sync_to_stripe(course=CourseFactory.create(), gateway=get_gateway())

    response = learner_client.post(
        "/api/v1/checkout-sessions/", {"price": course.stripe_price_id}, format="json"
    )

    assert response.status_code == 201, response.json()
    assert response.json()["payment"]["course"] == course.slug
    items = stripe_api(sandbox).v1.checkout.sessions.line_items.list(response.json()["id"])
    assert items.data[0].to_dict()["price"]["id"] == course.stripe_price_id


def test_an_old_price_of_a_repriced_course_is_not_for_sale(sandbox, learner_client) -> None:
    course = course_sync_to_stripe(course=CourseFactory.create(), gateway=get_gateway())
    old_price = course.stripe_price_id
    course.price_amount = 9900
    course.save()

    response = learner_client.post(
        "/api/v1/checkout-sessions/", {"price": old_price}, format="json"
    )

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "price_not_found"


def test_an_unknown_price_or_course_answers_404(sandbox, learner_client) -> None:
    by_price = learner_client.post(
        "/api/v1/checkout-sessions/", {"price": "price_nothing"}, format="json"
    )
    by_course = open_session(learner_client, "no-such-course")

    assert (by_price.status_code, by_course.status_code) == (404, 404)
    assert by_course.json()["error"]["code"] == "course_not_found"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"course": "a", "price": "price_a"},
        {"course": True},
        {"course": ["a"]},
        {"course": "a", "ui_mode": "hosted_page"},
        {"course": "a", "ui_mode": "embedded", "success_url": f"{SITE}/ok"},
        {"course": "a", "ui_mode": "hosted", "return_url": f"{SITE}/ok"},
        {"course": "a", "success_url": f"{SITE}/ok\x00"},
        {"course": "a", "success_url": f"{SITE}/" + "x" * 2000},
        {"course": "a", "success_url": {"url": SITE}},
        {"price": "prod_123"},
    ],
)
def test_malformed_requests_answer_400_and_call_stripe_never(
    sandbox, learner_client, stripe_calls, body
) -> None:
    CourseFactory.create(slug="a")

    response = learner_client.post("/api/v1/checkout-sessions/", body, format="json")

    assert response.status_code == 400, response.json()
    assert response.json()["error"]["code"] in ("validation_error", "parse_error")  # NUL: the edge
    assert stripe_calls == []
    assert not Payment.objects.exists()


def test_a_learner_who_owns_the_course_gets_409(sandbox, learner_client, settings) -> None:
    settings.PAYMENT_REFRESH_AFTER_SECONDS = 0
    course = CourseFactory.create()
    session_id = open_session(learner_client, course.slug).json()["id"]
    complete(sandbox, session_id)
    learner_client.get(f"/api/v1/checkout-sessions/{session_id}/")

    again = open_session(learner_client, course.slug)

    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_enrolled"


def test_the_same_request_again_hands_out_the_same_session_without_stripe(
    sandbox, learner_client, stripe_calls
) -> None:
    course = CourseFactory.create()
    first = open_session(learner_client, course.slug, ui_mode="embedded").json()
    stripe_calls.clear()

    again = open_session(learner_client, course.slug, ui_mode="embedded")

    assert again.status_code == 200
    assert (again.json()["id"], again.json()["client_secret"]) == (
        first["id"],
        first["client_secret"],
    )
    assert stripe_calls == []


def test_the_same_idempotency_key_replays_the_first_answer(sandbox, learner_client) -> None:
    course = CourseFactory.create()
    headers = {"HTTP_IDEMPOTENCY_KEY": "checkout-1"}

    first = learner_client.post(
        "/api/v1/checkout-sessions/", {"course": course.slug}, format="json", **headers
    )
    replay = learner_client.post(
        "/api/v1/checkout-sessions/", {"course": course.slug}, format="json", **headers
    )

    assert (first.status_code, replay.status_code) == (201, 201)
    assert replay.json() == first.json()
    assert replay["Idempotent-Replayed"] == "true"


def test_another_learner_cannot_read_a_session(sandbox, learner_client) -> None:
    session_id = open_session(learner_client, CourseFactory.create().slug).json()["id"]
    stranger = client_for(UserFactory.create())

    response = stranger.get(f"/api/v1/checkout-sessions/{session_id}/")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("session_id", ["cs_test_unknown", "x" * 300, "cs-with-dashes", "1"])
def test_an_unknown_session_answers_404(sandbox, learner_client, session_id) -> None:
    assert learner_client.get(f"/api/v1/checkout-sessions/{session_id}/").status_code == 404


def test_checkout_needs_a_logged_in_learner(sandbox, api_client) -> None:
    course = CourseFactory.create()

    opened = api_client.post("/api/v1/checkout-sessions/", {"course": course.slug}, format="json")
    read = api_client.get("/api/v1/checkout-sessions/cs_test_x/")

    assert (opened.status_code, read.status_code) == (401, 401)


def test_stripe_down_answers_503_and_a_retry_opens_one_session(sandbox, learner_client) -> None:
    course = CourseFactory.create()
    learner_client.post("/api/v1/payments/", {"course": "warm-up"}, format="json")
    sandbox.control(
        "POST",
        "/_sandbox/faults",
        dict(method="POST", path="/v1/checkout/sessions", count=3, status=503),
    )

    down = open_session(learner_client, course.slug)
    retried = open_session(learner_client, course.slug)

    assert down.status_code == 503
    assert down.json()["error"]["retryable"] is True
    assert retried.status_code == 200
    sessions = stripe_api(sandbox).v1.checkout.sessions.list().data
    assert [s.id for s in sessions] == [retried.json()["id"]]


def test_a_lost_answer_does_not_open_a_second_session(sandbox, learner_client, settings) -> None:
    course = CourseFactory.create()
    learner_client.post("/api/v1/payments/", {"course": "warm-up"}, format="json")
    attempts = 1 + settings.STRIPE_MAX_NETWORK_RETRIES
    sandbox.control(
        "POST",
        "/_sandbox/faults",
        dict(method="POST", path="/v1/checkout/sessions", count=attempts, drop_response=True),
    )

    lost = open_session(learner_client, course.slug)
    retried = open_session(learner_client, course.slug)

    assert lost.status_code == 503
    assert retried.status_code == 200
    sessions = stripe_api(sandbox).v1.checkout.sessions.list().data
    assert [s.id for s in sessions] == [retried.json()["id"]]
    assert CheckoutSession.objects.get().stripe_id == retried.json()["id"]
