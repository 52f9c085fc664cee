"""Events: retrieve, and list by `type` (with `*` wildcards), `types`, `created` and
`delivery_success`."""

from __future__ import annotations

from stripe.params import EventListParams, EventRetrieveParams

from stripe_sandbox.events import EVENT
from stripe_sandbox.resources.common import paginate, select
from stripe_sandbox.routing import Call, JsonObject, Router

router = Router((EVENT,))


def type_matches(event_type: str, pattern: str) -> bool:
    if pattern.endswith("*"):
        return event_type.startswith(pattern[:-1])
    return event_type == pattern


@router.get("/v1/events/{id}", EventRetrieveParams)
def retrieve(call: Call) -> JsonObject:
    return call.store.get("event", call.path["id"])


@router.get("/v1/events", EventListParams)
def list_events(call: Call) -> JsonObject:
    params = call.params
    patterns = params.get("types") or ([params["type"]] if "type" in params else None)
    found = [
        event
        for event in select(call, "event")
        if (patterns is None or any(type_matches(event["type"], p) for p in patterns))
        and (
            "delivery_success" not in params
            # Delivered means every endpoint acknowledged it; pending and failed are not.
            or (event["pending_webhooks"] == 0) == params["delivery_success"]
        )
    ]
    return paginate(call, found, "/v1/events")
