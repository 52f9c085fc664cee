"""Ephemeral keys: short-lived keys a mobile SDK (PaymentSheet) uses to act for one customer.

Stripe insists on an explicit `Stripe-Version` header here, because the mobile SDK that uses
the key must read objects in the version it was built for.
"""

from __future__ import annotations

import stripe
from stripe.params import EphemeralKeyCreateParams, EphemeralKeyDeleteParams

from stripe_sandbox import errors
from stripe_sandbox.resource import Resource
from stripe_sandbox.resources.common import live
from stripe_sandbox.routing import Call, JsonObject, Router
from stripe_sandbox.store import random_token

EPHEMERAL_KEY = Resource(stripe.EphemeralKey, "ephkey_", 24)
router = Router((EPHEMERAL_KEY,))

LIFETIME_SECONDS = 60 * 60
_ASSOCIATIONS = ("customer", "issuing_card", "nonce", "verification_session")


@router.post("/v1/ephemeral_keys", EphemeralKeyCreateParams)
def create(call: Call) -> JsonObject:
    if call.version_header is None:
        raise errors.invalid_request(
            "You must specify a Stripe API version when creating ephemeral keys, using the "
            "Stripe-Version header."
        )
    given = [name for name in _ASSOCIATIONS if call.params.get(name)]
    if len(given) != 1:
        raise errors.invalid_request(
            "You must pass exactly one of: customer, issuing_card, nonce, verification_session.",
            param="customer",
        )
    if given == ["customer"]:
        live(call.store, "customer", call.params["customer"], param="customer")
    else:
        raise errors.invalid_request(
            "The sandbox issues ephemeral keys for customers only.", param=given[0]
        )
    now = call.now()
    key = EPHEMERAL_KEY.build(
        id=EPHEMERAL_KEY.new_id(),
        created=now,
        expires=now + LIFETIME_SECONDS,
        livemode=False,
        secret="ek_test_" + random_token(64),
    )
    # Stripe also answers which object the key acts for; the SDK class does not declare it.
    key["associated_objects"] = [{"id": call.params["customer"], "type": "customer"}]
    return call.store.add(key)


@router.delete("/v1/ephemeral_keys/{id}", EphemeralKeyDeleteParams)
def delete(call: Call) -> JsonObject:
    key = call.store.get("ephemeral_key", call.path["id"])
    key["expires"] = min(key["expires"], call.now())
    return key
