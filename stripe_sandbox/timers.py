"""Work the sandbox does later on its own, as Stripe does: a refund that fails after it
succeeded, a dispute opened after a payment, a dispute decided after evidence.

A job is due at a time of the sandbox clock, so advancing the clock (`/_sandbox/clock/advance`)
runs what falls due at once instead of waiting. Jobs run one at a time on the timer thread,
under the store lock like a request. `reset` drops every pending job. Pending jobs live in
memory only: a restarted sandbox forgets them.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from stripe_sandbox.clock import Clock
from stripe_sandbox.store import Store

logger = logging.getLogger(__name__)

Job = Callable[[], None]


@dataclass(frozen=True, order=True)
class _Pending:
    due_at: float
    sequence: int
    generation: int = field(compare=False)
    job: Job = field(compare=False)


class Timers:
    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        self._pending: list[_Pending] = []
        self._sequence = itertools.count()
        self._generation = 0
        self._wakeup = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None
        clock.on_advance(self._wake)

    def at(self, due_at: float, job: Job) -> None:
        """Run `job` once the sandbox clock reaches `due_at` (unix seconds)."""
        with self._wakeup:
            heapq.heappush(
                self._pending, _Pending(due_at, next(self._sequence), self._generation, job)
            )
            self._wakeup.notify_all()

    def pending(self) -> int:
        with self._wakeup:
            return len(self._pending)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="sandbox-timers", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        with self._wakeup:
            self._stopping = True
            self._wakeup.notify_all()
        if self._thread:
            self._thread.join(timeout=5)

    def reset(self) -> None:
        with self._wakeup:
            self._generation += 1
            self._pending.clear()

    def _wake(self) -> None:
        with self._wakeup:
            self._wakeup.notify_all()

    def _run(self) -> None:
        while True:
            with self._wakeup:
                while not self._stopping and (
                    not self._pending or self._pending[0].due_at > self._clock.now()
                ):
                    timeout = self._pending[0].due_at - self._clock.now() if self._pending else None
                    self._wakeup.wait(timeout)
                if self._stopping:
                    return
                pending = heapq.heappop(self._pending)
            with self._store.lock:
                if pending.generation != self._generation:
                    continue
                self._store.begin_changes()
                try:
                    pending.job()
                except Exception:
                    logger.exception("a scheduled job failed")
                finally:
                    self._store.end_changes(wrote=True)
