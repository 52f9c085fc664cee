"""The one place where the resource families are assembled.

Families depend on each other in one direction only (an import graph without cycles, which
`tests/sandbox/test_structure.py` proves), from the ground up:

    common, intents (shared helpers)
    account, catalog, payment_methods, customers, charges, events, webhook_endpoints
    payment_intents, setup_intents, ephemeral_keys, refunds, disputes
    checkout_sessions
    subscriptions

A family calls the families below it directly: a PaymentIntent's attempt creates its Charge
(`charges.create_charge`), a SetupIntent or a `setup_future_usage` payment attaches its
PaymentMethod (`payment_methods.attach_to`), Checkout creates and confirms its PaymentIntent or
SetupIntent (`payment_intents.create_from`/`confirm`). Where a family must react to something
that happens in a family below it, the lower one announces the moment through a `Hook` (or a
table entry) and the reaction is connected here, below: reading this list tells what else moves
when an object changes.
"""

from __future__ import annotations

from stripe_sandbox.resources import (
    account,
    catalog,
    charges,
    checkout_sessions,
    customers,
    disputes,
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

FAMILIES = (
    account,
    customers,
    catalog,
    payment_methods,
    payment_intents,
    setup_intents,
    ephemeral_keys,
    charges,
    refunds,
    disputes,
    checkout_sessions,
    subscriptions,
    events,
    webhook_endpoints,
)

# --- Reactions: when <moment> in a lower family, <listener> in a higher one ---------------
# A captured payment by a dispute test card is disputed a little later.
charges.CAPTURED.connect(disputes.open_for_test_card)
# A detached PaymentMethod stops being its former Customer's default.
payment_methods.DETACHED.connect(customers.forget_default_payment_method)
# A PaymentIntent that collects a subscription's invoice pays it and activates the subscription.
payment_intents.SUCCEEDED.connect(subscriptions.pay_invoice_of)
# A subscription's pending SetupIntent that succeeds saves its card as the default.
setup_intents.SUCCEEDED.connect(subscriptions.save_pending_setup)
# Checkout in subscription mode creates the subscription when the shopper pays.
checkout_sessions.COMPLETERS["subscription"] = subscriptions.complete_checkout


def _assemble() -> Router:
    router = Router()
    for family in FAMILIES:
        router.include(family.router)
    _check_includers(router)
    return router


def _check_includers(router: Router) -> None:
    """Every field a Resource declares includable has one includer, and nothing else has."""
    declared = {
        (resource.object_name, name)
        for resource in router.resources
        for name in resource.includable
    }
    if declared != set(router.includers):
        raise RuntimeError(
            f"includable fields and includers differ: {sorted(declared ^ set(router.includers))}"
        )


router = _assemble()
