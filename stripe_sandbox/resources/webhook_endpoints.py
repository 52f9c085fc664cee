"""Webhook endpoints: create (the only answer that shows `secret`), retrieve, update, delete,
list. Deliveries themselves live in `stripe_sandbox.webhooks`."""

from __future__ import annotations

from urllib.parse import urlsplit

import stripe
from stripe.params import (
    WebhookEndpointCreateParams,
    WebhookEndpointDeleteParams,
    WebhookEndpointListParams,
    WebhookEndpointRetrieveParams,
    WebhookEndpointUpdateParams,
)

from stripe_sandbox import errors
from stripe_sandbox.resource import Resource
from stripe_sandbox.resources.common import apply_changes, live, paginate, picked, select
from stripe_sandbox.routing import Call, JsonObject, Router
from stripe_sandbox.store import random_token

WEBHOOK_ENDPOINT = Resource(stripe.WebhookEndpoint, "we_", 24)
router = Router((WEBHOOK_ENDPOINT,))


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise errors.invalid_request(f"Invalid URL: {url}", param="url", code="url_invalid")


def without_secret(endpoint: JsonObject) -> JsonObject:
    """Stripe shows an endpoint's secret only in the answer to its creation."""
    return {**endpoint, "secret": None}


@router.post("/v1/webhook_endpoints", WebhookEndpointCreateParams)
def create(call: Call) -> JsonObject:
    params = call.params
    _check_url(params["url"])
    endpoint = WEBHOOK_ENDPOINT.build(
        id=WEBHOOK_ENDPOINT.new_id(),
        api_version=params.get("api_version"),
        created=call.now(),
        description=params.get("description") or None,
        enabled_events=params["enabled_events"],
        livemode=False,
        metadata=dict(params.get("metadata") or {}),
        secret="whsec_" + random_token(32),
        status="enabled",
        url=params["url"],
    )
    return call.store.add(endpoint)


@router.get("/v1/webhook_endpoints/{id}", WebhookEndpointRetrieveParams)
def retrieve(call: Call) -> JsonObject:
    endpoint = call.store.get("webhook_endpoint", call.path["id"])
    return endpoint if endpoint.get("deleted") else without_secret(endpoint)


@router.post("/v1/webhook_endpoints/{id}", WebhookEndpointUpdateParams)
def update(call: Call) -> JsonObject:
    endpoint = live(call.store, "webhook_endpoint", call.path["id"])
    fields = picked(call.params, ("description", "enabled_events", "metadata", "url"))
    if "url" in fields:
        _check_url(fields["url"])
    if "disabled" in call.params:
        fields["status"] = "disabled" if call.params["disabled"] else "enabled"
    apply_changes(endpoint, fields)
    return without_secret(endpoint)


@router.delete("/v1/webhook_endpoints/{id}", WebhookEndpointDeleteParams)
def delete(call: Call) -> JsonObject:
    live(call.store, "webhook_endpoint", call.path["id"])
    return call.store.delete("webhook_endpoint", call.path["id"])


@router.get("/v1/webhook_endpoints", WebhookEndpointListParams)
def list_endpoints(call: Call) -> JsonObject:
    endpoints = [without_secret(endpoint) for endpoint in select(call, "webhook_endpoint")]
    return paginate(call, endpoints, "/v1/webhook_endpoints")
