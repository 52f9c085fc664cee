"""The port between our use cases and a payment processor.

Services speak to a `PaymentGateway` with plain values and get frozen dataclasses back; they never
see an SDK type. `payments/stripe_gateway.py` is the one adapter. Every call that creates or
changes something takes an idempotency key, derived by the caller from its own rows, so that a
retry of our code never does the work twice at the processor.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol


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


@dataclass(frozen=True)
class WebhookEndpointCreated:
    id: str
    secret: str
    url: str


class PaymentGateway(Protocol):
    def customer_create(
        self, *, email: str, name: str, metadata: Mapping[str, str], idempotency_key: str
    ) -> str:
        """Create a customer; returns its id."""
        ...

    def product_create(
        self, *, name: str, description: str, metadata: Mapping[str, str], idempotency_key: str
    ) -> str: ...

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
    ) -> str: ...

    def price_archive(self, *, price_id: str) -> None: ...

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

        Raises `PaymentDeclined` (carrying the intent's state) when the confirmation is declined.
        """
        ...

    def payment_intent_confirm(
        self, *, intent_id: str, payment_method: str, idempotency_key: str
    ) -> IntentState: ...

    def payment_intent_cancel(self, *, intent_id: str, idempotency_key: str) -> IntentState:
        """Cancel an intent nobody has paid; raises `IntentStateConflict` if it is too late."""
        ...

    def payment_intent_state(self, *, intent_id: str) -> IntentState: ...

    def webhook_endpoint_create(
        self, *, url: str, events: list[str], metadata: Mapping[str, str]
    ) -> WebhookEndpointCreated: ...
