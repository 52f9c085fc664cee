"""The Stripe API routes, one module per resource family."""

from stripe_sandbox.resources import (
    account,
    catalog,
    charges,
    customers,
    events,
    payment_intents,
    payment_methods,
    refunds,
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
    charges,
    refunds,
    events,
    webhook_endpoints,
):
    router.include(family.router)
