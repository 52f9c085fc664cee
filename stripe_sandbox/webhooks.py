"""Signed webhook delivery on background threads, retried on a schedule.

A delivery never runs on a request thread and never holds the store lock while the endpoint
answers, because the receiver (dj-stripe) calls back into the sandbox to re-fetch objects.
An event's `pending_webhooks` counts the endpoints that have not acknowledged it yet, which is
what `GET /v1/events?delivery_success=false` filters on.

`reset` is a barrier: it cancels what is queued (first deliveries and retries) and waits, for a
bounded time, until the deliveries already on the wire have been answered, so that a test's
webhooks never reach the receiver while the next test runs. It must be called without the
store lock, which a delivery in flight needs to finish.

`Chaos` makes first deliveries behave as Stripe may: duplicated (each with probability
`duplicate_rate`, seeded), delayed by `delay_ms`, or reordered (held for a short window, then
sent newest first, one after another so the receiver sees exactly that order). Retries keep
their schedule. It also makes them fail as networks do: `drop_rate` loses a delivery for good
(never sent, never retried, recorded as dropped), so the event stays undelivered to that
endpoint and `GET /v1/events?delivery_success=false` lists it, as reconciliation expects.

A deleted or disabled endpoint receives nothing more, retries included; its events still
accrue and stay undelivered.
"""

from __future__ import annotations

import hashlib
import heapq
import hmac
import http.client
import itertools
import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from urllib.parse import urlsplit

from stripe_sandbox import wire
from stripe_sandbox.store import Store

logger = logging.getLogger(__name__)

DEFAULT_RETRY_SCHEDULE: tuple[float, ...] = (1, 2, 4, 8, 16)
"""Seconds before each retry; Stripe retries for days, development wants minutes."""

USER_AGENT = "Stripe/1.0 (+https://stripe.com/docs/webhooks)"
REORDER_WINDOW_SECONDS = 0.2
"""How long reordering holds deliveries when no `delay_ms` sets the window."""


DROPPED = "dropped by webhook chaos"


@dataclass(frozen=True)
class Chaos:
    duplicate_rate: float = 0.0
    delay_ms: int = 0
    reorder: bool = False
    drop_rate: float = 0.0
    seed: int | None = field(default=None, compare=False)

    def as_json(self) -> dict[str, object]:
        return asdict(self)


def sign(payload: bytes, secret: str, timestamp: int) -> str:
    """The `Stripe-Signature` header: HMAC-SHA256 of `{t}.{payload}` keyed by the secret."""
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


@dataclass(frozen=True)
class DeliveryAttempt:
    event_id: str
    endpoint_id: str
    attempt: int
    status: int | None
    """The endpoint's HTTP status; None when it could not be reached or timed out."""
    error: str | None
    at: float

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def as_json(self) -> dict[str, object]:
        return {**asdict(self), "succeeded": self.succeeded}


@dataclass(frozen=True, order=True)
class _Due:
    at: float
    sequence: int
    event_id: str
    endpoint_id: str
    attempt: int
    generation: int
    copy: int = 0
    """1 for the duplicate that chaos adds."""


class WebhookDispatcher:
    def __init__(
        self,
        store: Store,
        *,
        retry_schedule: Sequence[float] = DEFAULT_RETRY_SCHEDULE,
        timeout: float = 10.0,
        workers: int = 4,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._retry_schedule = tuple(retry_schedule)
        self._timeout = timeout
        self._wall_clock = wall_clock
        self._due: list[_Due] = []
        self._sequence = itertools.count()
        self._generation = 0
        self._wakeup = threading.Condition()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="webhook")
        self._scheduler: threading.Thread | None = None
        self._stopping = False
        self._attempts: list[DeliveryAttempt] = []
        self._attempts_lock = threading.Lock()
        self.chaos = Chaos()
        self._random = random.Random()  # noqa: S311 - repeatable chaos, not secrecy
        self._batch_at: float | None = None
        self._in_flight = 0
        """Batches handed to the pool and not yet finished; guarded by `_wakeup`."""

    def set_chaos(self, chaos: Chaos) -> None:
        with self._wakeup:
            self.chaos = chaos
            self._random.seed(chaos.seed)
            self._batch_at = None

    def start(self) -> None:
        self._scheduler = threading.Thread(target=self._run, name="webhook-scheduler", daemon=True)
        self._scheduler.start()

    def stop(self) -> None:
        with self._wakeup:
            self._stopping = True
            self._wakeup.notify_all()
        if self._scheduler:
            self._scheduler.join(timeout=5)
        self._pool.shutdown(wait=False, cancel_futures=True)

    def schedule(
        self,
        event_id: str,
        endpoint_id: str,
        attempt: int = 1,
        delay: float = 0,
        generation: int | None = None,
    ) -> None:
        """Queue a delivery; a retry passes the `generation` of its first attempt and is
        dropped if a reset happened since."""
        with self._wakeup:
            if generation is not None and generation != self._generation:
                return
            at = time.monotonic() + delay
            sequence = next(self._sequence)
            copies = 1
            if attempt == 1:
                chaos = self.chaos
                if chaos.drop_rate and self._random.random() < chaos.drop_rate:
                    self._record(
                        DeliveryAttempt(event_id, endpoint_id, 1, None, DROPPED, self._wall_clock())
                    )
                    return
                at += chaos.delay_ms / 1000
                if chaos.reorder:
                    at, sequence = self._reorder_slot(at), -sequence
                if chaos.duplicate_rate and self._random.random() < chaos.duplicate_rate:
                    copies = 2
            for copy in range(copies):
                heapq.heappush(
                    self._due,
                    _Due(
                        at,
                        sequence,
                        event_id,
                        endpoint_id,
                        attempt,
                        self._generation,
                        copy,
                    ),
                )
            self._wakeup.notify()

    def _reorder_slot(self, at: float) -> float:
        """Deliveries scheduled within one window share its release time."""
        if self._batch_at is None or self._batch_at <= time.monotonic():
            window = self.chaos.delay_ms / 1000 or REORDER_WINDOW_SECONDS
            self._batch_at = max(at, time.monotonic() + window)
        return self._batch_at

    def reset(self, wait: float | None = None) -> bool:
        """Forget queued deliveries and chaos, then wait up to `wait` seconds (by default the
        delivery timeout and a second) for those on the wire to be answered; they record
        nothing and schedule no retry. Whether none is left in flight."""
        limit = self._timeout + 1 if wait is None else wait
        with self._wakeup:
            self._generation += 1
            self._due.clear()
            self.chaos = Chaos()
            self._batch_at = None
            deadline = time.monotonic() + limit
            while self._in_flight and (remaining := deadline - time.monotonic()) > 0:
                self._wakeup.wait(remaining)
            drained = self._in_flight == 0
        if not drained:
            logger.warning("reset: %d webhook deliveries still in flight", self._in_flight)
        with self._attempts_lock:
            self._attempts.clear()
        return drained

    def _record(self, attempt: DeliveryAttempt) -> None:
        with self._attempts_lock:
            self._attempts.append(attempt)

    def attempts(self) -> list[DeliveryAttempt]:
        with self._attempts_lock:
            return list(self._attempts)

    def _run(self) -> None:
        while True:
            with self._wakeup:
                while not self._stopping and (not self._due or self._due[0].at > time.monotonic()):
                    timeout = self._due[0].at - time.monotonic() if self._due else None
                    self._wakeup.wait(timeout)
                if self._stopping:
                    return
                batch = [heapq.heappop(self._due)]
                if self.chaos.reorder:
                    while self._due and self._due[0].at == batch[0].at:
                        batch.append(heapq.heappop(self._due))
                self._in_flight += 1
            self._pool.submit(self._deliver_in_order, batch)

    def _deliver_in_order(self, batch: list[_Due]) -> None:
        try:
            for due in batch:
                self._deliver(due)
        finally:
            with self._wakeup:
                self._in_flight -= 1
                self._wakeup.notify_all()

    def _deliver(self, due: _Due) -> None:
        with self._store.lock:
            if due.generation != self._generation:
                return
            event = self._store.find(due.event_id)
            endpoint = self._store.find(due.endpoint_id)
            if event is None or endpoint is None or endpoint.get("status") != "enabled":
                return
            payload = wire.encode_json(event)
            url, secret = endpoint["url"], endpoint["secret"]
        status, error = self._post(url, payload, sign(payload, secret, int(self._wall_clock())))
        attempt = DeliveryAttempt(
            due.event_id, due.endpoint_id, due.attempt, status, error, self._wall_clock()
        )
        with self._store.lock:
            if due.generation != self._generation:
                return
            self._record(attempt)
            if attempt.succeeded:
                event["pending_webhooks"] = max(0, event["pending_webhooks"] - 1)
                self._store.mark_changed(event["id"])
                return
        if due.attempt <= len(self._retry_schedule):
            delay = self._retry_schedule[due.attempt - 1]
            self.schedule(due.event_id, due.endpoint_id, due.attempt + 1, delay, due.generation)
        else:
            logger.warning("gave up delivering %s to %s", due.event_id, url)

    def _post(self, url: str, payload: bytes, signature: str) -> tuple[int | None, str | None]:
        parts = urlsplit(url)
        connection_type = (
            http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        )
        connection = connection_type(parts.netloc, timeout=self._timeout)
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            "Stripe-Signature": signature,
        }
        try:
            connection.request("POST", target, body=payload, headers=headers)
            response = connection.getresponse()
            response.read()
            return response.status, None
        except (OSError, http.client.HTTPException) as exc:
            return None, f"{type(exc).__name__}: {exc}"
        finally:
            connection.close()
