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
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar, cast

from django.conf import settings
from django.utils.module_loading import import_string

T = TypeVar("T")


@dataclass(frozen=True)
class ChargeState:
    """What we keep of the Charge that paid: receipts and support read it."""

    id: str
    payment_intent_id: str = ""
    card_brand: str = ""
    card_last4: str = ""
    metadata: Mapping[str, str] = field(default_factory=dict)
    """The intent's metadata, which Stripe copies onto the charges it makes."""


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
class Page(Generic[T]):
    """One page of a list, newest first as Stripe lists; `after` continues to older items."""

    items: list[T]
    has_more: bool

    @property
    def after(self) -> str:
        return getattr(self.items[-1], "id", "") if self.items else ""


@dataclass(frozen=True)
class StripeEvent:
    """An event as the processor lists it: its id and its whole body, as a webhook carries it."""

    id: str
    body: Mapping[str, Any]


@dataclass(frozen=True)
class CheckoutState:
    """What we keep of a Checkout Session after a call or an event."""

    id: str
    status: str
    """open, complete or expired."""
    payment_status: str
    """paid, unpaid or no_payment_required."""
    metadata: Mapping[str, str]
    expires_at: int
    """Unix time after which the session can no longer be paid."""
    url: str = ""
    """Hosted sessions: where the learner pays (while open)."""
    client_secret: str = ""
    """Embedded sessions: what the page mounts Checkout with (while open)."""
    payment_intent_id: str = ""
    payment_intent: IntentState | None = None
    """The PaymentIntent, when the processor sent it with the session (expanded)."""


@dataclass(frozen=True)
class CheckoutLine:
    """What a Checkout Session sells: a catalog Price, or an amount named for the learner."""

    amount: int
    currency: str
    name: str
    price_id: str = ""
    """A Price charging exactly `amount` in `currency`; empty to send the amount itself."""


@dataclass(frozen=True)
class CardState:
    """A saved card as the processor has it now: attached to `customer_id`, or to nobody."""

    id: str
    customer_id: str
    brand: str = ""
    last4: str = ""
    exp_month: int = 0
    exp_year: int = 0


@dataclass(frozen=True)
class SetupState:
    """A SetupIntent: the way a learner saves a card for later."""

    id: str
    status: str
    client_secret: str
    customer_id: str
    payment_method_id: str = ""


@dataclass(frozen=True)
class CustomerState:
    id: str
    default_payment_method_id: str = ""
    """The card future payments use by default (`invoice_settings.default_payment_method`)."""


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
class SubscriptionState:
    """What we keep of a Subscription after a call or an event."""

    id: str
    status: str
    """incomplete, trialing, active, past_due, canceled..."""
    customer_id: str
    price_id: str
    cancel_at_period_end: bool = False
    current_period_end: int = 0
    """Unix time; 0 when unknown."""
    canceled_at: int = 0
    client_secret: str = ""
    """What the client confirms the first payment with: the first invoice's PaymentIntent's
    secret, or the pending SetupIntent's when nothing is due now (only on creation)."""


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
        interval: str = "",
    ) -> str:
        """Create an immutable price, one-time or (with `interval` "month"/"year") recurring;
        returns its id. Moves no money."""
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
        setup_future_usage: str = "",
    ) -> IntentState:
        """Create a PaymentIntent; with a `payment_method`, confirm it in the same call.

        MAY MOVE MONEY (when confirming). Raises `PaymentDeclined` (carrying the intent's state)
        when the confirmation is declined, and `GatewayKeyReused` when this key already created
        an intent with other parameters (look the intent up with `payment_intent_find`).
        `setup_future_usage` ("on_session") saves the card to the customer once it pays.
        """
        ...

    def payment_intent_confirm(
        self,
        *,
        intent_id: str,
        payment_method: str,
        idempotency_key: str,
        setup_future_usage: str = "",
    ) -> IntentState:
        """Confirm an intent with a payment method. MOVES MONEY. Raises `PaymentDeclined` on a
        decline and `IntentStateConflict` when the intent can no longer be confirmed (paid)."""
        ...

    def payment_intent_cancel(self, *, intent_id: str, idempotency_key: str) -> IntentState:
        """Cancel an intent nobody has paid; raises `IntentStateConflict` if it is too late."""
        ...

    def payment_intent_state(self, *, intent_id: str) -> IntentState:
        """Read an intent as the processor has it now (with its latest charge). Raises
        `StripeObjectMissing` for an id the processor does not know."""
        ...

    def payment_intent_find(
        self, *, customer_id: str, metadata_key: str, metadata_value: str, created_since: int
    ) -> IntentState | None:
        """The customer's intent created since `created_since` (Unix time) whose metadata maps
        `metadata_key` to `metadata_value`, if any: the way back to an intent whose creation
        answer was lost."""
        ...

    def payment_intent_list(self, *, created_since: int, starting_after: str) -> Page[IntentState]:
        """Intents created since `created_since` (Unix time), a page at a time (one call)."""
        ...

    def checkout_session_list(
        self, *, created_since: int, starting_after: str
    ) -> Page[CheckoutState]:
        """Checkout Sessions created since `created_since`, a page at a time (one call)."""
        ...

    def refund_list_since(self, *, created_since: int, starting_after: str) -> Page[RefundState]:
        """Refunds created since `created_since` (ours and any made elsewhere), a page at a
        time (one call)."""
        ...

    def dispute_list(self, *, created_since: int, starting_after: str) -> Page[DisputeState]:
        """Disputes created since `created_since`, a page at a time (one call)."""
        ...

    def event_list_undelivered(
        self, *, created_since: int, starting_after: str
    ) -> Page["StripeEvent"]:
        """Events since `created_since` the processor failed to deliver to an endpoint, a page
        at a time (one call). Moves nothing."""
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

    def webhook_event_verify(
        self, *, payload: bytes, signature: str, secret: str
    ) -> Mapping[str, Any] | None:
        """The event a webhook request carries if its signature is the processor's (and fresh),
        else None. Makes no call."""
        ...

    def checkout_session_create(
        self,
        *,
        customer_id: str,
        ui_mode: str,
        line: CheckoutLine,
        metadata: Mapping[str, str],
        success_url: str,
        cancel_url: str,
        return_url: str,
        idempotency_key: str,
        customer_email: str = "",
    ) -> CheckoutState:
        """Open a Checkout Session selling `line` once, on the customer (or, with no
        `customer_id`, for a guest, whose e-mail may be given). Moves no money itself:
        the learner pays on the processor's page (`ui_mode` "hosted", redirected to `url`) or in
        ours ("embedded", mounted with `client_secret`). `metadata` goes on the session and on
        the PaymentIntent it creates when the learner pays."""
        ...

    def checkout_session_state(self, *, session_id: str) -> CheckoutState:
        """Read a session as the processor has it now, with its PaymentIntent (and charge).
        Raises `StripeObjectMissing` for an id the processor does not know."""
        ...

    def checkout_session_expire(self, *, session_id: str, idempotency_key: str) -> CheckoutState:
        """Close an open session so that it can no longer take money. A session that is no
        longer open (paid meanwhile, or expired) is answered as it stands, with its
        PaymentIntent: the caller records that truth instead."""
        ...

    def setup_intent_create(
        self, *, customer_id: str, metadata: Mapping[str, str], idempotency_key: str
    ) -> SetupState:
        """Start saving a card to the customer (the client confirms it). Moves no money."""
        ...

    def payment_method_state(self, *, payment_method_id: str) -> CardState:
        """Read a saved card as the processor has it now."""
        ...

    def payment_method_detach(self, *, payment_method_id: str, idempotency_key: str) -> None:
        """Remove a saved card from its customer for good; one already detached counts as
        done. Moves no money."""
        ...

    def customer_default_payment_method_set(
        self, *, customer_id: str, payment_method_id: str
    ) -> None:
        """Make one of the customer's cards the default for future payments (an update, so
        naturally idempotent: no key; a key would replay an older choice within 24 hours)."""
        ...

    def ephemeral_key_create(self, *, customer_id: str, api_version: str) -> str:
        """A short-lived key a mobile SDK (built for `api_version`) uses to act for the
        customer; returns its secret. Moves no money; not idempotent (each call a new key)."""
        ...

    def subscription_create(
        self, *, customer_id: str, price_id: str, metadata: Mapping[str, str], idempotency_key: str
    ) -> SubscriptionState:
        """Subscribe the customer to a recurring price, incomplete until the client confirms
        the first payment (or saves a card when nothing is due) with `client_secret`. Moves no
        money itself."""
        ...


@functools.cache
def _gateway(dotted_path: str) -> PaymentGateway:
    return cast(PaymentGateway, import_string(dotted_path)())


def get_gateway() -> PaymentGateway:
    """The gateway the `PAYMENTS_GATEWAY` setting names (one instance per path)."""
    return _gateway(settings.PAYMENTS_GATEWAY)
