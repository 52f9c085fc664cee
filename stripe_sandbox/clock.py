"""The sandbox's notion of now: real time plus an offset that tests and demos can advance."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Clock:
    """Thread-safe clock. Advancing it moves every timestamp the sandbox writes or compares
    (object `created`, idempotency expiry) without waiting."""

    def __init__(self, source: Callable[[], float] = time.time) -> None:
        self._source = source
        self._offset = 0.0
        self._lock = threading.Lock()
        self._listeners: list[Callable[[], None]] = []

    def on_advance(self, listener: Callable[[], None]) -> None:
        """Call `listener` after each advance (the timers re-read what is due)."""
        self._listeners.append(listener)

    def now(self) -> float:
        return self._source() + self._offset

    def timestamp(self) -> int:
        """Unix seconds, the unit of every Stripe timestamp."""
        return int(self.now())

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._offset += seconds
        for listener in self._listeners:
            listener()
        return self.now()

    def reset(self) -> None:
        with self._lock:
            self._offset = 0.0
