"""The durable webhook inbox: Stripe's events are stored before Stripe is answered, and
processed afterwards by Celery workers.

Receiving, inside Stripe's request, is short: check the signature, store the event once (by its
id: Stripe delivers at least once) and answer 200. Processing runs after commit: dj-stripe's
sync of the event's object (it re-fetches it from Stripe) and the services of our webhook table
(`payments.webhooks`, reached through dj-stripe's signals), in one transaction per event. The
events of one Stripe object are processed in order of arrival by one worker at a time (a lock
on the object's oldest pending event); a failure is retried with exponential back-off and
jitter, and after `MAX_ATTEMPTS` it stays `failed`, visible in the admin, until a person
reprocesses it (the admin action or `manage.py webhooks_reprocess --failed`). Nothing is
dropped: a lost enqueue is picked up by the periodic sweep.

Without a broker (`make run`, the tests) Celery runs eagerly, so an event is processed inside
the request that delivered it, as dj-stripe did; its retries wait for the sweep or a person.
"""

import logging
import random
import time
import uuid
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from djstripe import models as djstripe_models

from config import metrics
from payments.gateway import get_gateway
from payments.models import InboxEvent

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
SWEEP_AFTER = timedelta(seconds=60)
"""A pending event this old was not picked up (a lost enqueue, a dead worker): enqueue it."""
SWEEP_BATCH = 500


class UnknownEndpoint(Exception):
    """No webhook endpoint of ours has this id."""


class InvalidDelivery(Exception):
    """Not a well-formed event signed by Stripe for this endpoint (or too old)."""


def inbox_receive(*, endpoint_uuid: uuid.UUID, payload: bytes, signature: str) -> None:
    """Store a signed delivery once and have it processed after it is stored.

    One statement (an insert that ignores a duplicate event id), committed on its own, then one
    enqueue: this is all Stripe waits for.
    """
    endpoint_id, secret = _endpoint(endpoint_uuid)
    event = get_gateway().webhook_event_verify(payload=payload, signature=signature, secret=secret)
    if event is None or not _well_formed(event):
        raise InvalidDelivery()
    _store(event, endpoint_id=endpoint_id)


def inbox_store_trusted(*, event: Mapping[str, Any]) -> bool:
    """Store an event we read from Stripe's API ourselves (reconciliation): no signature to
    check; a duplicate of a delivered one is ignored like any duplicate. False if malformed."""
    if not _well_formed(event):
        return False
    _store(event, endpoint_id="")
    return True


def _store(event: Mapping[str, Any], *, endpoint_id: str) -> None:
    object_id = event["data"]["object"]["id"]
    InboxEvent.objects.bulk_create(
        [
            InboxEvent(
                event_id=event["id"],
                event_type=event["type"],
                object_id=object_id,
                payload=event,
                endpoint_id=endpoint_id,
            )
        ],
        ignore_conflicts=True,  # a duplicate delivery: already stored
    )
    source = "stripe" if endpoint_id else "reconciliation"
    metrics.WEBHOOK_RECEIVED.labels(type=event["type"], source=source).inc()
    transaction.on_commit(lambda: _enqueue(object_id))  # at once, unless inside a transaction


_endpoints: dict[uuid.UUID, tuple[float, str, str]] = {}
ENDPOINT_CACHE_SECONDS = 60.0


def _endpoint(endpoint_uuid: uuid.UUID) -> tuple[str, str]:
    """The endpoint's id and signing secret, remembered for a minute by each process: every
    delivery needs them and they change only when an endpoint is replaced."""
    cached = _endpoints.get(endpoint_uuid)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1], cached[2]
    found = (
        djstripe_models.WebhookEndpoint.objects.filter(djstripe_uuid=endpoint_uuid)
        .values_list("id", "secret")
        .first()
    )
    if found is None:
        raise UnknownEndpoint()
    _endpoints[endpoint_uuid] = (time.monotonic() + ENDPOINT_CACHE_SECONDS, *found)
    return found


def _well_formed(event: Mapping[str, Any]) -> bool:
    data = event.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    return (
        isinstance(event.get("id"), str)
        and isinstance(event.get("type"), str)
        and isinstance(obj, dict)
        and isinstance(obj.get("id"), str)
    )


def _enqueue(object_id: str, *, countdown: float = 0) -> None:
    if inbox_process_lane_task.app.conf.task_always_eager:
        # No broker (`make run`, tests): process now, in the caller, as dj-stripe did. Not as an
        # eager task: the receipt chain it may start cannot run eagerly inside another task.
        if not countdown:  # a retry that is not due yet waits for the sweep or a person
            inbox_process_lane(object_id=object_id)
        return
    try:
        inbox_process_lane_task.apply_async((object_id,), countdown=countdown)
    except Exception:  # the broker is down: the event is stored, the sweep will enqueue it
        logger.exception("Could not enqueue webhook processing for %s", object_id)


def inbox_process_lane(*, object_id: str) -> None:
    """Process the object's due events in order of arrival; a second worker on the same object
    waits for the first (the row lock), then finds nothing left to do."""
    while True:
        with transaction.atomic():
            event = (
                InboxEvent.objects.select_for_update()
                .filter(_due(), object_id=object_id, status=InboxEvent.Status.PENDING)
                .order_by("received_at", "id")
                .first()
            )
            if event is None:
                return
            _process(event)


def _due() -> Q:
    return Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=timezone.now())


def _process(event: InboxEvent) -> None:
    """Sync and apply one event (its row locked by the caller), or record why it failed."""
    event.attempts += 1
    try:
        with transaction.atomic():
            djstripe_models.Event.process(data=event.payload)
    except Exception as error:
        event.last_error = f"{type(error).__name__}: {error}"[:2000]
        if event.attempts >= MAX_ATTEMPTS:
            event.status = InboxEvent.Status.FAILED
            event.next_attempt_at = None
            metrics.WEBHOOK_FAILED.labels(type=event.event_type).inc()
            logger.error("Webhook %s failed %s times: %s", event.event_id, event.attempts, error)
        else:
            delay = _backoff(event.attempts)
            metrics.WEBHOOK_ATTEMPT_ERRORS.labels(type=event.event_type).inc()
            event.next_attempt_at = timezone.now() + timedelta(seconds=delay)
            logger.warning(
                "Webhook %s failed, retrying in %.0f s: %s", event.event_id, delay, error
            )
            object_id = event.object_id
            transaction.on_commit(lambda: _enqueue(object_id, countdown=delay))
    else:
        event.status = InboxEvent.Status.PROCESSED
        event.processed_at = timezone.now()
        event.last_error = ""
        metrics.WEBHOOK_PROCESSED.labels(type=event.event_type).inc()
        lag = (event.processed_at - event.received_at).total_seconds()
        metrics.WEBHOOK_LAG_SECONDS.observe(max(lag, 0.0))
    event.save(
        update_fields=["attempts", "status", "next_attempt_at", "last_error", "processed_at"]
    )


def _backoff(attempts: int) -> float:
    """Exponential from `WEBHOOK_RETRY_BASE_SECONDS`, capped at `WEBHOOK_RETRY_MAX_SECONDS`
    (below the broker's visibility timeout, so a delayed retry is never delivered twice), with
    jitter so that retries of one outage do not arrive together."""
    cap = settings.WEBHOOK_RETRY_MAX_SECONDS
    ceiling = min(cap, settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** (attempts - 1))
    return random.uniform(ceiling / 2, ceiling)  # noqa: S311 (jitter, not secrecy)


def inbox_reprocess(*, events: Iterable[InboxEvent]) -> int:
    """Give failed events a new round of attempts, now; returns how many were queued."""
    ids = [event.pk for event in events if event.status == InboxEvent.Status.FAILED]
    lanes = set(InboxEvent.objects.filter(pk__in=ids).values_list("object_id", flat=True))
    InboxEvent.objects.filter(pk__in=ids).update(
        status=InboxEvent.Status.PENDING, attempts=0, next_attempt_at=None
    )
    transaction.on_commit(lambda: _enqueue_all(lanes))
    return len(ids)


def _enqueue_all(object_ids: Iterable[str]) -> None:
    for object_id in object_ids:
        _enqueue(object_id)


def inbox_sweep() -> int:
    """Enqueue the lanes of due events nobody picked up; returns how many lanes."""
    stale = timezone.now() - SWEEP_AFTER
    lanes = list(
        InboxEvent.objects.filter(_due(), status=InboxEvent.Status.PENDING)
        .filter(Q(next_attempt_at__isnull=False) | Q(received_at__lte=stale))
        .order_by()
        .values_list("object_id", flat=True)
        .distinct()[:SWEEP_BATCH]
    )
    _enqueue_all(lanes)
    return len(lanes)


@shared_task(name="payments.inbox_process_lane", acks_late=True, ignore_result=True)
def inbox_process_lane_task(object_id: str) -> None:
    inbox_process_lane(object_id=object_id)


@shared_task(name="payments.inbox_sweep", ignore_result=True)
def inbox_sweep_task() -> None:
    inbox_sweep()
