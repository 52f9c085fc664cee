"""One time budget per request for everything it asks of a remote service (Stripe).

A learner is promised an answer within a few seconds, so a request that makes two Stripe calls,
each with its own retries, must not take twice as long. `DeadlineMiddleware` opens a budget of
`STRIPE_REQUEST_BUDGET_SECONDS` when a request starts; every outbound call made while handling
it, and each retry of those calls, takes its timeout from what remains (see
`payments.stripe_gateway`). Outside a request (Celery tasks, commands) nothing is bounded unless
a caller opens a budget with `within(seconds)`.
"""

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.http import HttpRequest, HttpResponse

_deadline: ContextVar[float | None] = ContextVar("deadline", default=None)


@contextmanager
def within(seconds: float) -> Iterator[None]:
    """Bound everything run inside to `seconds` from now (a tighter enclosing budget wins)."""
    deadline = time.monotonic() + seconds
    enclosing = _deadline.get()
    token = _deadline.set(deadline if enclosing is None else min(enclosing, deadline))
    try:
        yield
    finally:
        _deadline.reset(token)


def remaining() -> float | None:
    """Seconds left in the current budget (may be negative), or None when unbounded."""
    deadline = _deadline.get()
    return None if deadline is None else deadline - time.monotonic()


class DeadlineMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with within(settings.STRIPE_REQUEST_BUDGET_SECONDS):
            return self.get_response(request)
