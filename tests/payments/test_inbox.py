"""The durable webhook inbox: verify, store once, answer; process later, in order, retried."""

import json
import threading
import time
from datetime import timedelta

import pytest
import stripe
from django.core.management import call_command
from django.db import connection
from django.test import TestCase
from django.utils import timezone
from djstripe.models import Event as DjstripeEvent
from djstripe.models import WebhookEventTrigger

from payments import inbox
from payments.models import InboxEvent
from tests.factories import UserFactory


@pytest.fixture
def endpoint(sandbox, db):
    from djstripe.models import WebhookEndpoint

    call_command("stripe_webhook_register", base_url="http://127.0.0.1:9", verbosity=0)
    return WebhookEndpoint.objects.get()


@pytest.fixture
def processed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Event ids dj-stripe (and through it our webhook table) was asked to process, in order."""
    seen: list[str] = []
    monkeypatch.setattr(DjstripeEvent, "process", lambda data, **kw: seen.append(data["id"]))
    return seen


def event(event_id: str, object_id: str = "pi_1", event_type: str = "payment_intent.created"):
    return {"id": event_id, "type": event_type, "data": {"object": {"id": object_id}}}


def signature_for(endpoint, payload: str, secret: str | None = None) -> str:
    timestamp = int(time.time())
    digest = stripe.WebhookSignature._compute_signature(
        f"{timestamp}.{payload}", secret or endpoint.secret
    )
    return f"t={timestamp},v1={digest}"


def deliver(client, endpoint, body, *, secret: str | None = None, signature: str | None = None):
    payload = body if isinstance(body, str) else json.dumps(body)
    if signature is None:
        signature = signature_for(endpoint, payload, secret)
    headers = {"HTTP_STRIPE_SIGNATURE": signature} if signature else {}
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(
            f"/stripe/webhook/{endpoint.djstripe_uuid}/",
            data=payload,
            content_type="application/json",
            **headers,
        )


def stored(event_id: str, object_id: str = "pi_1", **fields) -> InboxEvent:
    return InboxEvent.objects.create(
        event_id=event_id,
        event_type="payment_intent.created",
        object_id=object_id,
        payload=event(event_id, object_id),
        **fields,
    )


@pytest.mark.django_db
def test_a_signed_event_is_stored_processed_and_acknowledged(endpoint, client, processed) -> None:
    response = deliver(client, endpoint, event("evt_1"))

    assert response.status_code == 200
    assert InboxEvent.objects.get(event_id="evt_1").status == "processed"
    assert processed == ["evt_1"]


@pytest.mark.django_db
def test_a_duplicate_delivery_is_stored_and_processed_once(endpoint, client, processed) -> None:
    answers = {deliver(client, endpoint, event("evt_1")).status_code for _ in range(20)}

    assert answers == {200}
    assert InboxEvent.objects.count() == 1
    assert processed == ["evt_1"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "signature", ["", "t=1,v1=deadbeef", "garbage"], ids=["missing", "wrong", "malformed"]
)
def test_an_unsigned_or_forged_delivery_is_refused_and_nothing_is_stored(
    endpoint, client, processed, signature
) -> None:
    response = deliver(client, endpoint, event("evt_1"), signature=signature)

    assert response.status_code == 400
    assert response.json()["error"]["code"] in ("missing_signature", "invalid_signature")
    assert not InboxEvent.objects.exists()
    assert not WebhookEventTrigger.objects.exists()
    assert processed == []


@pytest.mark.django_db
def test_a_delivery_signed_with_another_secret_is_refused(endpoint, client) -> None:
    response = deliver(client, endpoint, event("evt_1"), secret="whsec_someone_else")

    assert response.status_code == 400
    assert not InboxEvent.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    ["[1, 2]", '{"id": "evt_1"}', '{"id": "evt_1", "type": "x", "data": {"object": []}}', "\x00"],
    ids=["list", "no-type", "object-not-a-dict", "nul"],
)
def test_a_signed_body_that_is_not_an_event_is_refused(endpoint, client, body) -> None:
    response = deliver(client, endpoint, body)

    assert response.status_code == 400
    assert not InboxEvent.objects.exists()


@pytest.mark.django_db
def test_an_unknown_endpoint_is_404(endpoint, client) -> None:
    response = client.post(
        "/stripe/webhook/00000000-0000-0000-0000-000000000000/",
        data="{}",
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE="t=1,v1=x",
    )

    assert response.status_code == 404


@pytest.mark.django_db
def test_a_get_is_not_allowed(endpoint, client) -> None:
    assert client.get(f"/stripe/webhook/{endpoint.djstripe_uuid}/").status_code == 405


@pytest.mark.django_db
def test_an_objects_events_are_processed_in_order_of_arrival(processed) -> None:
    for event_id in ("evt_b", "evt_a", "evt_c"):
        stored(event_id)
    stored("evt_other", object_id="pi_2")

    inbox.inbox_process_lane(object_id="pi_1")

    assert processed == ["evt_b", "evt_a", "evt_c"]
    assert InboxEvent.objects.get(event_id="evt_other").status == "pending"


@pytest.mark.django_db
def test_a_failing_event_is_retried_with_growing_delays_then_left_failed(
    monkeypatch: pytest.MonkeyPatch, settings
) -> None:
    def fail(data, **kwargs):
        raise RuntimeError("Stripe said no")

    monkeypatch.setattr(DjstripeEvent, "process", fail)
    stored("evt_1")
    delays = []

    for _ in range(inbox.MAX_ATTEMPTS):
        inbox.inbox_process_lane(object_id="pi_1")
        event_row = InboxEvent.objects.get()
        if event_row.next_attempt_at:
            delays.append((event_row.next_attempt_at - timezone.now()).total_seconds())
        InboxEvent.objects.filter(status="pending").update(next_attempt_at=timezone.now())

    event_row = InboxEvent.objects.get()
    assert (event_row.status, event_row.attempts) == ("failed", inbox.MAX_ATTEMPTS)
    assert event_row.last_error == "RuntimeError: Stripe said no"
    assert delays[-1] > delays[0]
    assert max(delays) <= settings.WEBHOOK_RETRY_MAX_SECONDS


@pytest.mark.django_db
def test_an_event_not_yet_due_waits(processed) -> None:
    stored("evt_1", next_attempt_at=timezone.now() + timedelta(minutes=5))

    inbox.inbox_process_lane(object_id="pi_1")

    assert processed == []


@pytest.mark.django_db
def test_the_admin_reprocesses_a_failed_event(client, processed) -> None:
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    failed = stored("evt_1", status="failed", attempts=10, last_error="RuntimeError: x")

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            "/admin/payments/inboxevent/",
            {"action": "reprocess", "_selected_action": [failed.pk]},
            follow=True,
        )

    assert b"1 failed event(s) queued" in response.content
    assert InboxEvent.objects.get().status == "processed"
    assert processed == ["evt_1"]


@pytest.mark.django_db
def test_the_command_reprocesses_failed_events(processed, capsys) -> None:
    stored("evt_1", status="failed", attempts=10)
    stored("evt_2", object_id="pi_2", status="processed")

    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command("webhooks_reprocess", "--failed")

    assert processed == ["evt_1"]
    assert "1 failed event(s) queued" in capsys.readouterr().out


@pytest.mark.django_db
def test_the_command_needs_to_be_told_what_to_reprocess() -> None:
    with pytest.raises(Exception, match="Name what to reprocess"):
        call_command("webhooks_reprocess")


@pytest.mark.django_db
def test_the_sweep_enqueues_what_nobody_picked_up(processed, capsys) -> None:
    lost = stored("evt_lost")
    InboxEvent.objects.filter(pk=lost.pk).update(received_at=timezone.now() - timedelta(minutes=5))
    stored("evt_fresh", object_id="pi_2")

    call_command("webhooks_reprocess", "--due")

    assert processed == ["evt_lost"]
    assert "1 object(s) swept" in capsys.readouterr().out


@pytest.mark.django_db
def test_a_broker_outage_keeps_the_event_for_the_sweep(
    endpoint, client, processed, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(inbox.inbox_process_lane_task.app.conf, "task_always_eager", False)
    monkeypatch.setattr(inbox.inbox_process_lane_task, "apply_async", down)

    response = deliver(client, endpoint, event("evt_1"))

    assert response.status_code == 200
    assert InboxEvent.objects.get().status == "pending"
    assert processed == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_on_one_object_never_process_it_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    running: list[str] = []
    overlaps: list[str] = []
    seen: list[str] = []

    def slow(data, **kwargs):
        if running:
            overlaps.append(data["id"])
        running.append(data["id"])
        time.sleep(0.1)
        seen.append(data["id"])
        running.pop()

    monkeypatch.setattr(DjstripeEvent, "process", slow)
    for event_id in ("evt_1", "evt_2", "evt_3"):
        stored(event_id)

    def worker() -> None:
        try:
            inbox.inbox_process_lane(object_id="pi_1")
        finally:
            connection.close()

    workers = [threading.Thread(target=worker) for _ in range(2)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()

    assert overlaps == []
    assert seen == ["evt_1", "evt_2", "evt_3"]


@pytest.mark.django_db
def test_the_command_reprocesses_one_named_event(processed) -> None:
    stored("evt_1", status="failed", attempts=10)
    stored("evt_2", object_id="pi_2", status="failed", attempts=10)

    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command("webhooks_reprocess", "--event", "evt_2")

    assert processed == ["evt_2"]
    assert InboxEvent.objects.get(event_id="evt_1").status == "failed"


@pytest.mark.django_db
def test_the_periodic_sweep_task_runs_the_sweep(processed) -> None:
    stored("evt_due", attempts=1, next_attempt_at=timezone.now() - timedelta(seconds=1))

    inbox.inbox_sweep_task.delay()

    assert processed == ["evt_due"]


@pytest.mark.django_db
def test_acknowledging_a_delivery_costs_one_statement(
    endpoint, client, processed, django_assert_num_queries
) -> None:
    deliver(client, endpoint, event("evt_warm", object_id="pi_warm"))  # the endpoint is remembered
    processed.clear()

    with django_assert_num_queries(1):
        response = client.post(
            f"/stripe/webhook/{endpoint.djstripe_uuid}/",
            data=json.dumps(event("evt_1")),
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=signature_for(endpoint, json.dumps(event("evt_1"))),
        )

    assert response.status_code == 200


@pytest.mark.django_db
def test_the_worker_task_processes_an_objects_lane(processed) -> None:
    stored("evt_1")

    inbox.inbox_process_lane_task.apply(args=("pi_1",))

    assert processed == ["evt_1"]
