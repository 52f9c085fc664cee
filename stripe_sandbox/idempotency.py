"""Idempotency keys as Stripe keeps them.

A key is reserved once the request has passed validation and is about to run; its response
(whatever the status) is then stored and replayed for the same key and the same request. A key
in flight answers 409; a key used for another request answers an `idempotency_error`. Keys are
forgotten 24 hours after first use, by the sandbox clock.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from stripe_sandbox import errors
from stripe_sandbox.clock import Clock

KEY_LIFETIME_SECONDS = 24 * 60 * 60
MAX_KEY_LENGTH = 255
_MIN_PRUNE_SIZE = 1024


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class _Entry:
    request_fingerprint: str
    first_used_at: float
    response: StoredResponse | None = None
    """None while the first request is still running."""


class IdempotencyKeys:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()
        self._prune_at_size = _MIN_PRUNE_SIZE

    def begin(self, key: str, request_fingerprint: str) -> StoredResponse | None:
        """Reserve `key` for this request (None: run it, then `finish` or `abandon`), or
        answer the stored response to replay. Raises for a key in flight or reused."""
        if len(key) > MAX_KEY_LENGTH:
            raise errors.invalid_request(
                f"Idempotency-Key must be at most {MAX_KEY_LENGTH} characters long.",
                param="Idempotency-Key",
            )
        now = self._clock.now()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and now - entry.first_used_at >= KEY_LIFETIME_SECONDS:
                entry = None
            if entry is None:
                self._prune(now)
                self._entries[key] = _Entry(request_fingerprint, now)
                return None
            if entry.request_fingerprint != request_fingerprint:
                raise errors.idempotency_mismatch(key)
            if entry.response is None:
                raise errors.idempotency_in_use(key)
            return entry.response

    def finish(self, key: str, response: StoredResponse) -> None:
        with self._lock:
            self._entries[key].response = response

    def abandon(self, key: str) -> None:
        """Release a reservation whose request produced nothing worth replaying."""
        with self._lock:
            self._entries.pop(key, None)

    def reset(self) -> None:
        with self._lock:
            self._entries.clear()

    def _prune(self, now: float) -> None:
        """Drop expired keys, amortized: only when the table has doubled since the last sweep."""
        if len(self._entries) < self._prune_at_size:
            return
        expired = [
            key
            for key, entry in self._entries.items()
            if entry.response is not None and now - entry.first_used_at >= KEY_LIFETIME_SECONDS
        ]
        for key in expired:
            del self._entries[key]
        self._prune_at_size = max(_MIN_PRUNE_SIZE, 2 * len(self._entries))
