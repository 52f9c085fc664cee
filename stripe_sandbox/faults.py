"""Injected faults: make chosen Stripe API requests fail the way Stripe or the network can.

A fault targets requests by method and path glob (`/v1/*` is every API call) and fires either
for the next `count` matching requests or with probability `rate`. Counted faults are tried
first, in the order they were added. Rated faults share one seeded draw per request and split
it: faults of rates 0.2 and 0.1 on the same request fire on exactly 20% and 10% of them, never
both, so a soak can ask for "20% errors + 10% lost answers" as two faults. A fault does one of:
- `status` 500/503/429, or a list of them to pick from at random: answer Stripe's error without
  running the request (nothing is stored under the idempotency key, so a retry runs it). 5xx
  carry `Stripe-Should-Retry: true`, as Stripe sends on errors it knows to be transient; 429 is
  Stripe's rate-limit error, which the SDK does not retry.
- `timeout_ms`: hold the connection that long, then close it without running the request: a
  request lost on its way (the client's own timeout usually fires first).
- `latency_ms`: wait, then run the request normally. The wait happens before the store lock
  is taken, so other requests go on meanwhile.
- `drop_response`: run the request, then close the connection without answering: the
  "succeeded but the answer was lost" case. The SDK retries with the same Idempotency-Key and
  gets the stored answer replayed.
The control API (`/_sandbox/...`) is never faulted, so a test can always clear what it set.
"""

from __future__ import annotations

import fnmatch
import itertools
import random
import threading
from dataclasses import asdict, dataclass
from typing import Any

from stripe_sandbox import errors

FAULT_STATUSES = (429, 500, 503)
CONTROL_PREFIX = "/_sandbox/"
EFFECTS = ("status", "timeout_ms", "latency_ms", "drop_response")


@dataclass
class Fault:
    id: str
    method: str
    """An HTTP method, or `*` for any."""
    path: str
    """An `fnmatch` glob over the request path."""
    count: int | None
    """Requests still to fault; None when `rate` decides."""
    rate: float | None
    status: int | list[int] | None = None
    """One status, or several to pick from."""
    timeout_ms: int | None = None
    latency_ms: int | None = None
    drop_response: bool = False
    fired: int = 0
    """How many requests this fault has changed so far."""

    def targets(self, method: str, path: str) -> bool:
        return (self.method in ("*", method)) and fnmatch.fnmatchcase(path, self.path)

    def as_json(self) -> dict[str, Any]:
        return {"object": "sandbox.fault", **asdict(self)}


@dataclass(frozen=True)
class Injection:
    """What one request suffers from the fault it triggered."""

    status: int | None = None
    timeout_ms: int | None = None
    latency_ms: int | None = None
    drop_response: bool = False

    def error(self) -> errors.StripeError:
        if self.status == 429:
            return errors.StripeError(
                429,
                "Too many requests hit the API too quickly. We recommend an exponential backoff "
                "of your requests.",
                code="rate_limit",
            )
        message = (
            "Stripe is temporarily unavailable. Please try again later."
            if self.status == 503
            else "An unknown error occurred."
        )
        return errors.StripeError(
            self.status or 500,
            message,
            error_type="api_error",
            headers={"Stripe-Should-Retry": "true"},
        )


class FaultTable:
    """The active faults. Thread-safe: requests consult it from server threads without the
    store lock."""

    def __init__(self, seed: int | None = None) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._random = random.Random(seed)  # noqa: S311 - repeatable chaos, not secrecy
        self._ids = itertools.count(1)

    def add(self, spec: dict[str, Any]) -> Fault:
        fault = _parse(spec, f"fault_{next(self._ids)}")
        with self._lock:
            if "seed" in spec:
                self._random.seed(spec["seed"])
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def all(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def take(self, method: str, path: str) -> Injection | None:
        """What this request suffers, if anything (consuming one of a fault's `count`)."""
        if path.startswith(CONTROL_PREFIX):
            return None
        with self._lock:
            targeting = [fault for fault in self._faults if fault.targets(method, path)]
            for fault in targeting:
                if fault.count is not None and fault.count > 0:
                    fault.count -= 1
                    return self._fire(fault)
            rated = [fault for fault in targeting if fault.rate is not None]
            if not rated:
                return None
            draw = self._random.random()
            threshold = 0.0
            for fault in rated:
                threshold += fault.rate or 0.0
                if draw < threshold:
                    return self._fire(fault)
        return None

    def _fire(self, fault: Fault) -> Injection:
        fault.fired += 1
        status = fault.status
        if isinstance(status, list):
            status = self._random.choice(status)
        return Injection(status, fault.timeout_ms, fault.latency_ms, fault.drop_response)


def _positive_ms(spec: dict[str, Any], name: str) -> int | None:
    value = spec.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise errors.invalid_request(f"Invalid {name}: milliseconds", param=name)
    return int(value)


def _status(spec: dict[str, Any]) -> int | list[int] | None:
    status = spec.get("status")
    if status is None:
        return None
    choices = status if isinstance(status, list) else [status]
    if not choices or any(
        isinstance(choice, bool) or choice not in FAULT_STATUSES for choice in choices
    ):
        raise errors.invalid_request(
            f"Invalid status: one of {', '.join(map(str, FAULT_STATUSES))}, or a list of them",
            param="status",
        )
    return list(choices) if isinstance(status, list) else int(status)


def _parse(spec: dict[str, Any], fault_id: str) -> Fault:
    method = spec.get("method", "*")
    path = spec.get("path")
    if not isinstance(method, str) or not method:
        raise errors.invalid_request("Invalid method: a method name or *", param="method")
    if not isinstance(path, str) or not path.startswith("/"):
        raise errors.invalid_request("Invalid path: a glob such as /v1/customers*", param="path")
    count, rate = spec.get("count"), spec.get("rate")
    if (count is None) == (rate is None):
        raise errors.invalid_request("Pass exactly one of count and rate.", param="count")
    if count is not None and (not isinstance(count, int) or isinstance(count, bool) or count < 1):
        raise errors.invalid_request("Invalid count: a positive integer", param="count")
    if rate is not None and (
        not isinstance(rate, int | float) or isinstance(rate, bool) or not 0 <= rate <= 1
    ):
        raise errors.invalid_request("Invalid rate: a number from 0 to 1", param="rate")
    effects = [name for name in EFFECTS if spec.get(name) not in (None, False, 0)]
    if len(effects) != 1:
        raise errors.invalid_request(f"Pass exactly one of {', '.join(EFFECTS)}.", param="status")
    if "drop_response" in spec and spec["drop_response"] is not True:
        raise errors.invalid_request("drop_response takes true", param="drop_response")
    return Fault(
        id=fault_id,
        method=method.upper() if method != "*" else method,
        path=path,
        count=count,
        rate=None if rate is None else float(rate),
        status=_status(spec),
        timeout_ms=_positive_ms(spec, "timeout_ms"),
        latency_ms=_positive_ms(spec, "latency_ms"),
        drop_response=bool(spec.get("drop_response")),
    )
