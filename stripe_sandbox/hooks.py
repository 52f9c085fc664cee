"""Hooks: a moment in one resource family's life that families above it react to.

A family announces a moment it owns (a PaymentIntent succeeded, a Charge succeeded) by calling
its `Hook`; it imports nothing of those who listen. Listeners are connected in one place only,
`resources/wiring.py`, so that what happens to other objects when one changes is read there.
Listeners run in the order they were connected, on the request's thread and under its store
lock, like the rest of the handler.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, ParamSpec

P = ParamSpec("P")


class Hook(Generic[P]):
    def __init__(self, moment: str) -> None:
        self.moment = moment
        """What happened, for readers of the wiring (`payment_intent succeeded`)."""
        self._listeners: list[Callable[P, None]] = []

    def connect(self, listener: Callable[P, None]) -> None:
        if listener not in self._listeners:
            self._listeners.append(listener)

    @property
    def listeners(self) -> tuple[Callable[P, None], ...]:
        return tuple(self._listeners)

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> None:
        for listener in self._listeners:
            listener(*args, **kwargs)

    def __repr__(self) -> str:
        return f"Hook({self.moment!r})"
