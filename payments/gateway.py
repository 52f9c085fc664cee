"""The port between our use cases and a payment processor.

Services speak to a `PaymentGateway` with plain values and get frozen dataclasses back; they never
see an SDK type, and never import an adapter: `get_gateway()` returns the one named by the
`PAYMENTS_GATEWAY` setting (`payments.stripe_gateway.StripeGateway`). Every call that creates
or changes something takes an idempotency key, derived by the caller from its own rows, so that a
retry of our code never does the work twice at the processor.

Errors are the processor-neutral ones of `payments.errors`: `PaymentDeclined` (the card was
refused), `GatewayUnavailable` (unreachable, slow, rate-limited, 5xx, or out of time budget),
`PaymentMethodRejected`, `IntentStateConflict`, `GatewayKeyReused`, `StripeRequestInFlight`.
"""

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol, cast

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class ChargeState:
    """What we keep of the Charge that paid: receipts and support read it."""

    id: str
    payment_intent_id: str = ""
    card_brand: str = ""
    card_last4: str = ""


@dataclass(frozen=True)
class IntentState:
    """What we keep of a PaymentIntent after a call or an event."""

    id: str
    status: str
    """Stripe's PaymentIntent status: requires_payment_method, requires_action, succeeded..."""
    client_secret: str
    amount: int
    currency: str
    metadata: Mapping[str, str]
    failure_code: str = ""
    decline_code: str = ""
    failure_message: str = ""
    next_action_url: str = ""
    charge: ChargeState | None = None
    """The latest charge, when the processor told us of it (expanded, or by id only)."""


@dataclass(frozen=True)
class RefundState:
    """What we keep of a Refund after a call or an event."""

    id: str
    status: str
    """Stripe's Refund status: pending, requires_action, succeeded, failed, canceled."""
    amount: int
    currency: str
    payment_intent_id: str
    charge_id: str
    reason: str
    metadata: Mapping[str, str]
    failure_reason: str = ""


@dataclass(frozen=True)
class DisputeState:
    """What we keep of a Dispute (a chargeback or an inquiry) after an event."""

    id: str
    status: str
    """Stripe's Dispute status: warning_needs_response, needs_response, under_review, won,
    lost, warning_closed..."""
    amount: int
    currency: str
    charge_id: str
    payment_intent_id: str
    reason: str


@dataclass(frozen=True)
class WebhookEndpointCreated:
    id: str
    secret: str
    url: str


class PaymentGateway(Protocol):
    """What our use cases need from a payment processor.

    Calls that create or change something must be safe to repeat with the same idempotency key:
    the processor answers the first outcome again instead of doing the work twice.
    """

    def customer_create(
        self, *, email: str, name: str, metadata: Mapping[str, str], idempotency_key: str
    ) -> str:
        """Create a customer; returns its id. Moves no money."""
        ...

    def product_create(
        self, *, name: str, description: str, metadata: Mapping[str, str], idempotency_key: str
    ) -> str:
        """Create a catalog product; returns its id. Moves no money."""
        ...

    def product_update(self, *, product_id: str, name: str, description: str, active: bool) -> None:
        """Bring a product's public fields up to date (an update is naturally idempotent)."""
        ...

    def price_create(
        self,
        *,
        product_id: str,
        unit_amount: int,
        currency: str,
        metadata: Mapping[str, str],
        idempotency_key: str,
    ) -> str:
        """Create an immutable one-time price; returns its id. Moves no money."""
        ...

    def price_archive(self, *, price_id: str) -> None:
        """Stop a price from being used for new purchases."""
        ...

    def payment_intent_create(
        self,
        *,
        amount: int,
        currency: str,
        customer_id: str,
        description: str,
        metadata: Mapping[str, str],
        payment_method: str,
        idempotency_key: str,
    ) -> IntentState:
        """Create a PaymentIntent; with a `payment_method`, confirm it in the same call.

        MAY MOVE MONEY (when confirming). Raises `PaymentDeclined` (carrying the intent's state)
        when the confirmation is declined, and `GatewayKeyReused` when this key already created
        an intent with other parameters (look the intent up with `payment_intent_find`).
        """
        ...

    def payment_intent_confirm(
        self, *, intent_id: str, payment_method: str, idempotency_key: str
    ) -> IntentState:
        """Confirm an intent with a payment method. MOVES MONEY. Raises `PaymentDeclined` on a
        decline and `IntentStateConflict` when the intent can no longer be confirmed (paid)."""
        ...

    def payment_intent_cancel(self, *, intent_id: str, idempotency_key: str) -> IntentState:
        """Cancel an intent nobody has paid; raises `IntentStateConflict` if it is too late."""
        ...

    def payment_intent_state(self, *, intent_id: str) -> IntentState:
        """Read an intent as the processor has it now (with its latest charge)."""
        ...

    def payment_intent_find(
        self, *, customer_id: str, metadata_key: str, metadata_value: str, created_since: int
    ) -> IntentState | None:
        """The customer's intent created since `created_since` (Unix time) whose metadata maps
        `metadata_key` to `metadata_value`, if any: the way back to an intent whose creation
        answer was lost."""
        ...

    def refund_create(
        self,
        *,
        payment_intent_id: str,
        amount: int,
        reason: str,
        metadata: Mapping[str, str],
        idempotency_key: str,
    ) -> RefundState:
        """Refund `amount` (minor units) of the intent's charge. MOVES MONEY (back to the card).

        `reason` is one of the processor's reasons or "" for none. Raises `RefundRejected` when
        the processor refuses it (more than remains, already refunded), `GatewayUnavailable`
        when it cannot be reached: the same key may then be sent again safely.
        """
        ...

    def refund_state(self, *, refund_id: str) -> RefundState:
        """Read a refund as the processor has it now. Moves no money."""
        ...

    def refund_list(self, *, charge_id: str) -> list[RefundState]:
        """Every refund of a charge, ours or made elsewhere (a dashboard). Moves no money."""
        ...

    def webhook_endpoint_create(
        self, *, url: str, events: list[str], metadata: Mapping[str, str]
    ) -> WebhookEndpointCreated:
        """Register where the processor sends events; the answer holds the signing secret."""
        ...


@functools.cache
def _gateway(dotted_path: str) -> PaymentGateway:
    return cast(PaymentGateway, import_string(dotted_path)())


def get_gateway() -> PaymentGateway:
    """The gateway the `PAYMENTS_GATEWAY` setting names (one instance per path)."""
    return _gateway(settings.PAYMENTS_GATEWAY)
