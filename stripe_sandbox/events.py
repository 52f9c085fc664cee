"""Events: a snapshot of the object that changed, stored and handed to webhook delivery."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING

import stripe

from stripe_sandbox import shapes
from stripe_sandbox.clock import Clock
from stripe_sandbox.resource import Resource
from stripe_sandbox.store import JsonObject, Store

if TYPE_CHECKING:
    from stripe_sandbox.webhooks import WebhookDispatcher

EVENT = Resource(stripe.Event, "evt_", 24)


@dataclass(frozen=True)
class RequestInfo:
    """What an event records about the request that caused it."""

    id: str | None
    idempotency_key: str | None = None


def endpoint_wants(endpoint: JsonObject, event_type: str) -> bool:
    """Whether an enabled endpoint subscribes to `event_type` (`*` or `family.*` included)."""
    if endpoint["status"] != "enabled":
        return False
    family = event_type.split(".", 1)[0]
    return any(
        pattern in ("*", event_type, f"{family}.*") for pattern in endpoint["enabled_events"]
    )


class EventLog:
    def __init__(
        self, store: Store, clock: Clock, dispatcher: WebhookDispatcher, api_version: str
    ) -> None:
        self._store = store
        self._clock = clock
        self._dispatcher = dispatcher
        self._api_version = api_version

    def emit(
        self,
        event_type: str,
        obj: JsonObject,
        previous_attributes: JsonObject | None,
        request: RequestInfo,
    ) -> JsonObject:
        """Record an event and queue one delivery per subscribed endpoint. Caller holds the
        store lock; deliveries start after it is released (they need it to read the event)."""
        endpoints = [
            endpoint
            for endpoint in self._store.all("webhook_endpoint")
            if endpoint_wants(endpoint, event_type)
        ]
        event = EVENT.build(
            id=EVENT.new_id(),
            api_version=self._api_version,
            created=self._clock.timestamp(),
            data=shapes.nested(
                stripe.Event.Data,
                object=copy.deepcopy(obj),
                previous_attributes=previous_attributes,
            ),
            pending_webhooks=len(endpoints),
            request=shapes.nested(
                stripe.Event.Request, id=request.id, idempotency_key=request.idempotency_key
            ),
            type=event_type,
        )
        self._store.add(event)
        for endpoint in endpoints:
            self._dispatcher.schedule(event["id"], endpoint["id"])
        return event
