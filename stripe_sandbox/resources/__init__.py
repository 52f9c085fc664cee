"""The Stripe API routes, one module per resource family."""

from stripe_sandbox.resources import (
    account,
    catalog,
    charges,
    checkout_sessions,
    customers,
    ephemeral_keys,
    events,
    payment_intents,
    payment_methods,
    refunds,
    setup_intents,
    subscriptions,
    webhook_endpoints,
)
from stripe_sandbox.routing import Router

router = Router()
for family in (
    account,
    customers,
    catalog,
    payment_methods,
    payment_intents,
    setup_intents,
    ephemeral_keys,
    charges,
    refunds,
    checkout_sessions,
    subscriptions,
    events,
    webhook_endpoints,
):
    router.include(family.router)
