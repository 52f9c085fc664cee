"""`/metrics`: the Prometheus series a purchase moves, and who may read them."""

import json
import time
from collections.abc import Callable
from datetime import timedelta

import pytest
import redis
from django.test import TestCase
from djstripe.models import Event as DjstripeEvent
from prometheus_client.parser import text_string_to_metric_families
from rest_framework.test import APIClient

from accounts.models import ServiceAPIKey
from config import deadline, metrics
from courses.models import Enrollment
from payments import inbox
from payments.errors import GatewayUnavailable
from payments.gateway import get_gateway
from payments.models import InboxEvent, Payment
from tests.factories import CourseFactory, UserFactory
from tests.payments.live_stripe import _live_webhooks, wait_for  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(authorization: str = "") -> Samples:
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    response = APIClient().get("/metrics", **headers)  # type: ignore[arg-type]
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    """The sum of the samples named `name` whose labels include `labels`."""
    wanted = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and wanted <= ls)


@pytest.fixture
def open_metrics(settings) -> None:
    settings.METRICS_PUBLIC = True


def test_a_purchase_moves_every_series(open_metrics, settings, live_webhooks) -> None:
    settings.RECEIPTS_ON_PAYMENT_SUCCESS = True
    learner, course = UserFactory.create(), CourseFactory.create()
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(learner)
    before = scrape()

    answer = client.post(
        "/api/v1/payments/", {"course": course.slug, "payment_method": "pm_card_visa"}, "json"
    )
    assert answer.status_code == 201, answer.content
    wait_for(lambda: InboxEvent.objects.filter(status="processed").exists(), timeout=20)
    wait_for(lambda: value(scrape(), "coursepay_receipts_sent_total") > 0, timeout=20)
    after = scrape()

    def grew(name: str, **labels: str) -> bool:
        return value(after, name, **labels) > value(before, name, **labels)

    assert grew(
        "django_http_requests_latency_seconds_by_view_method_count",
        view="payment-list",
        method="POST",
    )
    assert grew(
        "coursepay_stripe_requests_total", operation="POST /v1/payment_intents", outcome="ok"
    )
    assert grew(
        "coursepay_stripe_request_duration_seconds_count", operation="POST /v1/payment_intents"
    )
    assert grew("coursepay_webhook_events_received_total", source="stripe")
    assert grew("coursepay_webhook_events_processed_total")
    assert grew("coursepay_webhook_processing_lag_seconds_count")
    assert grew("coursepay_receipts_sent_total")
    assert ("coursepay_webhook_oldest_pending_age_seconds", frozenset()) in after
    assert ("coursepay_webhook_events_pending", frozenset()) in after
    assert Enrollment.objects.get(learner=learner, course=course).status == "active"


def test_a_declined_card_counts_as_declined_not_as_an_error(open_metrics, sandbox) -> None:
    learner, course = UserFactory.create(), CourseFactory.create()
    client = APIClient()
    client.force_authenticate(learner)
    before = scrape()

    answer = client.post(
        "/api/v1/payments/",
        {"course": course.slug, "payment_method": "pm_card_visa_chargeDeclined"},
        "json",
    )

    assert answer.status_code == 402
    after = scrape()
    name, operation = "coursepay_stripe_requests_total", "POST /v1/payment_intents"
    declined = value(after, name, operation=operation, outcome="declined")
    assert declined == value(before, name, operation=operation, outcome="declined") + 1


def test_stripe_server_errors_are_counted_per_operation(open_metrics, sandbox, settings) -> None:
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    sandbox.control("POST", "/_sandbox/faults", {"path": "/v1/*", "rate": 1, "status": [503]})
    before = scrape()

    with pytest.raises(GatewayUnavailable):
        get_gateway().payment_intent_state(intent_id="pi_123ABC")

    after = scrape()
    labels = {"operation": "GET /v1/payment_intents/{id}", "outcome": "server_error"}
    name = "coursepay_stripe_requests_total"
    assert value(after, name, **labels) == value(before, name, **labels) + 1


def test_an_unreachable_stripe_counts_as_a_connection_error(open_metrics, db, settings) -> None:
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens there
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    before = scrape()

    with pytest.raises(GatewayUnavailable):
        get_gateway().payment_intent_state(intent_id="pi_123ABC")

    after = scrape()
    labels = {"operation": "GET /v1/payment_intents/{id}", "outcome": "connection_error"}
    name = "coursepay_stripe_requests_total"
    assert value(after, name, **labels) == value(before, name, **labels) + 1


def test_a_call_left_without_time_is_counted_as_out_of_budget(open_metrics, sandbox) -> None:
    before = scrape()

    with deadline.within(0), pytest.raises(GatewayUnavailable):
        get_gateway().payment_intent_state(intent_id="pi_123ABC")

    after = scrape()
    labels = {"operation": "GET /v1/payment_intents/{id}", "outcome": "out_of_budget"}
    name = "coursepay_stripe_requests_total"
    assert value(after, name, **labels) == value(before, name, **labels) + 1


def test_a_failing_webhook_counts_its_retries_then_its_failure(
    open_metrics, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(data, **kwargs):
        raise RuntimeError("Stripe said no")

    monkeypatch.setattr(DjstripeEvent, "process", fail)
    payload = {"id": "evt_m1", "type": "charge.updated", "data": {"object": {"id": "ch_m1"}}}
    InboxEvent.objects.create(
        event_id="evt_m1", event_type="charge.updated", object_id="ch_m1", payload=payload
    )
    before = scrape()

    for _ in range(inbox.MAX_ATTEMPTS):
        inbox.inbox_process_lane(object_id="ch_m1")
        InboxEvent.objects.filter(status="pending").update(next_attempt_at=None)

    after = scrape()
    retries, failures = (
        "coursepay_webhook_event_attempt_errors_total",
        "coursepay_webhook_events_failed_total",
    )
    retried = value(after, retries, type="charge.updated")
    assert retried == value(before, retries, type="charge.updated") + inbox.MAX_ATTEMPTS - 1
    failed = value(after, failures, type="charge.updated")
    assert failed == value(before, failures, type="charge.updated") + 1
    assert value(after, "coursepay_webhook_events_pending") == 0


def test_the_backlog_gauges_show_the_oldest_pending_event(open_metrics) -> None:
    payload = {"id": "evt_old", "type": "charge.updated", "data": {"object": {"id": "ch_o"}}}
    event = InboxEvent.objects.create(
        event_id="evt_old", event_type="charge.updated", object_id="ch_o", payload=payload
    )
    InboxEvent.objects.filter(pk=event.pk).update(
        received_at=event.received_at - timedelta(minutes=5)
    )

    samples = scrape()

    assert value(samples, "coursepay_webhook_events_pending") == 1
    assert 299 <= value(samples, "coursepay_webhook_oldest_pending_age_seconds") < 400


@pytest.mark.redis
def test_the_celery_queue_length_is_read_from_redis_at_scrape_time(open_metrics, settings) -> None:
    broker = redis.Redis.from_url(settings.REDIS_URL)
    broker.delete("celery")
    broker.rpush("celery", json.dumps({"body": "a"}), json.dumps({"body": "b"}))
    try:
        samples = scrape()
    finally:
        broker.delete("celery")

    assert value(samples, "coursepay_celery_queue_length", queue="celery") == 2


def test_an_unreachable_redis_leaves_the_queue_length_out(open_metrics, settings) -> None:
    settings.REDIS_URL = "redis://127.0.0.1:9/0"

    samples = scrape()

    assert value(samples, "coursepay_celery_queue_length") == 0
    assert not [name for name, _ in samples if name == "coursepay_celery_queue_length"]
    assert ("coursepay_webhook_events_pending", frozenset()) in samples


# Who may read it ----------------------------------------------------------------------------


@pytest.fixture
def closed_metrics(settings) -> Callable[..., None]:
    settings.METRICS_PUBLIC = False
    settings.METRICS_TOKEN = "metrics-token-for-tests-0123456789"
    settings.METRICS_ALLOWED_IPS = []

    def configure(**values: object) -> None:
        for name, setting in values.items():
            setattr(settings, name, setting)

    return configure


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer wrong-token",
        "Bearer ",
        "Basic metrics-token-for-tests-0123456789",
        "Bearer metrics-token-for-tests-0123456789x",
        "Bearer métrics",
    ],
)
def test_in_production_metrics_are_hidden_without_the_token(
    closed_metrics, authorization: str | None
) -> None:
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization is not None else {}

    response = APIClient().get("/metrics", **headers)  # type: ignore[arg-type]

    assert response.status_code == 404
    assert b"coursepay_" not in response.content


def test_the_bearer_token_opens_metrics(closed_metrics) -> None:
    samples = scrape("Bearer metrics-token-for-tests-0123456789")

    assert ("coursepay_webhook_events_pending", frozenset()) in samples


def test_an_empty_token_setting_opens_nothing(closed_metrics) -> None:
    closed_metrics(METRICS_TOKEN="")

    assert APIClient().get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


def test_an_allowlisted_address_reads_metrics_without_a_token(closed_metrics) -> None:
    closed_metrics(METRICS_ALLOWED_IPS=["10.0.0.7"])

    assert APIClient().get("/metrics", REMOTE_ADDR="10.0.0.7").status_code == 200
    assert APIClient().get("/metrics", REMOTE_ADDR="10.0.0.8").status_code == 404


def test_metrics_answer_only_get(open_metrics) -> None:
    assert APIClient().post("/metrics", {}).status_code == 405


# Operation names ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url", "operation"),
    [
        ("post", "http://127.0.0.1:1/v1/payment_intents", "POST /v1/payment_intents"),
        (
            "post",
            "https://api.stripe.com/v1/payment_intents/pi_3MtwBwLkdIwHu7ix28a3tqPa/confirm",
            "POST /v1/payment_intents/{id}/confirm",
        ),
        ("get", "http://h/v1/customers/cus_9s6XKzkNRiz8i3?expand[]=x", "GET /v1/customers/{id}"),
        (
            "get",
            "http://h/v1/customers/cus_ABC/payment_methods/pm_1Q0PsIJvEtkwdCNY",
            "GET /v1/customers/{id}/payment_methods/{id}",
        ),
        ("delete", "http://h/v1/webhook_endpoints/we_123", "DELETE /v1/webhook_endpoints/{id}"),
        # What a client sent as an id, shaped like none of Stripe's: still no label value.
        ("get", "http://h/v1/payment_intents/pi_abc", "GET /v1/payment_intents/{id}"),
        ("get", "http://h/v1/checkout/sessions/cs_x%2Fy", "GET /v1/checkout/sessions/{id}"),
        (
            "post",
            "http://h/v1/checkout/sessions/cs_test_a1/expire",
            "POST /v1/checkout/sessions/{id}/expire",
        ),
    ],
)
def test_stripe_ids_never_become_label_values(method: str, url: str, operation: str) -> None:
    assert metrics.stripe_operation(method, url) == operation


def test_ids_a_service_makes_up_never_become_label_values(open_metrics, sandbox) -> None:
    _, key = ServiceAPIKey.objects.create_key(name="billing")
    service = APIClient(HTTP_X_API_KEY=key)
    made_up = [f"pi_{word}" for word in ("abc", "def", "ghi")]

    answers = [service.get(f"/payments/{object_id}").status_code for object_id in made_up]

    samples = scrape()
    assert answers == [404, 404, 404]
    assert (
        value(samples, "coursepay_stripe_requests_total", operation="GET /v1/payment_intents/{id}")
        >= 3
    )
    assert not any(object_id in str(labels) for _, labels in samples for object_id in made_up)


def test_the_lag_of_a_processed_event_is_observed_once(
    open_metrics, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(DjstripeEvent, "process", lambda data, **kw: None)
    payload = {"id": "evt_l", "type": "charge.updated", "data": {"object": {"id": "ch_l"}}}
    InboxEvent.objects.create(
        event_id="evt_l", event_type="charge.updated", object_id="ch_l", payload=payload
    )
    before = value(scrape(), "coursepay_webhook_processing_lag_seconds_count")
    time.sleep(0.05)

    with TestCase.captureOnCommitCallbacks(execute=True):
        inbox.inbox_process_lane(object_id="ch_l")
        inbox.inbox_process_lane(object_id="ch_l")

    assert value(scrape(), "coursepay_webhook_processing_lag_seconds_count") == before + 1
    assert not Payment.objects.exists()
