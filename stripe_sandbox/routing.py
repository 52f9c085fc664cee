"""Declarative routes: each resource module fills a `Router`; the app merges them.

A route binds a method and a path template (`/v1/customers/{id}`) to a handler and, for the
Stripe API, to the `stripe.params` TypedDict its parameters are validated against. A handler
takes a `Call` and returns the object to answer with; it raises `StripeError` to answer an
error. A page route (`router.page`) answers a `Page` (HTML, JavaScript) for a browser instead.

A handler sees a narrow `Context` (the objects, the clock, the event log), never the sandbox
that runs it: resource modules depend on these few parts only, and the app on them all.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from stripe_sandbox import errors
from stripe_sandbox.clock import Clock
from stripe_sandbox.events import EventLog, RequestInfo
from stripe_sandbox.resource import Resource
from stripe_sandbox.store import JsonObject, Store
from stripe_sandbox.timers import Timers

if TYPE_CHECKING:
    from stripe_sandbox.faults import FaultTable
    from stripe_sandbox.webhooks import WebhookDispatcher

__all__ = ["Call", "Context", "Controls", "JsonObject", "Page", "RequestInfo", "Route", "Router"]


@dataclass(frozen=True)
class Context:
    """What every handler works with."""

    store: Store
    clock: Clock
    events: EventLog
    timers: Timers


class Controls(Protocol):
    """What the control API (`/_sandbox/...`) may do besides what handlers do."""

    @property
    def faults(self) -> FaultTable: ...

    @property
    def dispatcher(self) -> WebhookDispatcher: ...

    def reset(self) -> None: ...


@dataclass
class Call:
    context: Context
    params: JsonObject
    path: dict[str, str]
    request: RequestInfo
    base_url: str = ""
    """Where the client reached the sandbox (`http://host:port`), for URLs it hands out."""
    api_version: str = ""
    """The request's `Stripe-Version` (or the pinned one); empty outside the Stripe API."""
    version_header: str | None = None
    """The `Stripe-Version` header itself: None when the client sent none."""
    controls: Controls | None = None
    """Set for control API routes only."""

    @property
    def store(self) -> Store:
        return self.context.store

    @property
    def clock(self) -> Clock:
        return self.context.clock

    def now(self) -> int:
        return self.context.clock.timestamp()

    def later(self, seconds: float, job: Callable[[Call], object]) -> None:
        """Run `job` when the sandbox clock is `seconds` further, with a Call of its own: its
        events carry no request, as Stripe's own changes do."""
        context = self.context

        def run() -> None:
            job(Call(context, {}, {}, RequestInfo(None)))

        context.timers.at(context.clock.now() + seconds, run)

    def emit(
        self,
        event_type: str,
        obj: JsonObject,
        previous_attributes: JsonObject | None = None,
    ) -> None:
        self.context.events.emit(event_type, obj, previous_attributes, self.request)


@dataclass
class Page:
    """A non-JSON answer for a browser: a hosted page, the stripe.js stand-in."""

    body: str
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Call], JsonObject]
PageHandler = Callable[[Call], Page]
Includer = Callable[[Store, JsonObject], Any]
"""Builds a field that Stripe only includes when expanded (e.g. a Customer's `sources`)."""


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    handler: Callable[[Call], Any]
    """A `Handler`, or a `PageHandler` for a page route."""
    params: type | None
    """The `stripe.params` TypedDict of a Stripe API route; None for the control API (JSON)
    and pages."""
    pattern: re.Pattern[str]
    is_page: bool = False
    locked: bool = True
    """Whether the handler runs under the store lock (all but the control API's reset, which
    waits for webhook deliveries that need the lock)."""

    @property
    def is_control(self) -> bool:
        return self.params is None and not self.is_page


@dataclass
class Router:
    resources: tuple[Resource, ...] = ()
    """The object types whose module fills this router."""
    routes: list[Route] = field(default_factory=list)
    includers: dict[tuple[str, str], Includer] = field(default_factory=dict)

    def get(self, template: str, params: type | None = None) -> Callable[[Handler], Handler]:
        return self._register("GET", template, params)

    def post(
        self, template: str, params: type | None = None, *, locked: bool = True
    ) -> Callable[[Handler], Handler]:
        return self._register("POST", template, params, locked=locked)

    def delete(self, template: str, params: type | None = None) -> Callable[[Handler], Handler]:
        return self._register("DELETE", template, params)

    def page(self, template: str) -> Callable[[PageHandler], PageHandler]:
        """A GET page for browsers: no key, no validation, answered as the handler builds it."""

        def register(handler: PageHandler) -> PageHandler:
            self.routes.append(Route("GET", template, handler, None, _compile(template), True))
            return handler

        return register

    def includable(self, object_name: str, field_name: str) -> Callable[[Includer], Includer]:
        def register(includer: Includer) -> Includer:
            self.includers[(object_name, field_name)] = includer
            return includer

        return register

    def include(self, other: Router) -> None:
        self.resources += other.resources
        self.routes.extend(other.routes)
        self.includers.update(other.includers)

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]]:
        for route in self.routes:
            if route.method == method and (found := route.pattern.fullmatch(path)):
                return route, found.groupdict()
        raise errors.route_missing(method, path)

    def _register(
        self, method: str, template: str, params: type | None, *, locked: bool = True
    ) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.routes.append(
                Route(method, template, handler, params, _compile(template), locked=locked)
            )
            return handler

        return register


def _compile(template: str) -> re.Pattern[str]:
    regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
    return re.compile(regex)
