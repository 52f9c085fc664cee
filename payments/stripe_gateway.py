"""The Stripe adapter of `PaymentGateway`: the only module of ours that imports `stripe`.

Stripe's errors are translated here, once: a declined card becomes `PaymentDeclined`; a
connection failure, a timeout, a rate limit, a Stripe 5xx (after the SDK's own retries) or an
exhausted time budget becomes `GatewayUnavailable`; anything else is our bug and propagates as a
logged 500. Every call and retry fits in the current request's budget (`config.deadline`).
"""

import functools
import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, cast

import stripe
from django.conf import settings

from config import deadline
from payments.errors import (
    GatewayKeyReused,
    GatewayUnavailable,
    IntentStateConflict,
    PaymentDeclined,
    PaymentMethodRejected,
    RefundRejected,
    StripeRequestInFlight,
)
from payments.gateway import (
    ChargeState,
    DisputeState,
    IntentState,
    RefundState,
    WebhookEndpointCreated,
)

logger = logging.getLogger(__name__)

RESERVE_SECONDS = 0.2
"""Kept out of every budget for our own work after the last Stripe answer."""
MIN_ATTEMPT_SECONDS = 0.1
"""An attempt with less time than this left is not started: it could not succeed."""
INTENT_EXPAND = ["latest_charge"]
"""The charge comes with the intent, so what paid (card, charge id) costs no extra call."""


def _seconds_left() -> float | None:
    left = deadline.remaining()
    return None if left is None else left - RESERVE_SECONDS


class BudgetedRequestsClient(stripe.RequestsClient):
    """The SDK's HTTP client, with each attempt's timeout, each back-off and each retry cut to
    what is left of the current budget. Outside a budget it behaves as the SDK's own."""

    def __init__(self, *, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self._attempt_seconds = timeout

    @property
    def _timeout(self) -> float:  # read by the SDK for every attempt
        left = _seconds_left()
        return self._attempt_seconds if left is None else min(self._attempt_seconds, left)

    @_timeout.setter
    def _timeout(self, value: float) -> None:
        self._attempt_seconds = value

    def request(  # type: ignore[override]
        self, method: str, url: str, headers: Any, post_data: Any = None
    ) -> Any:
        left = _seconds_left()
        if left is not None and left < MIN_ATTEMPT_SECONDS:
            raise stripe.APIConnectionError("Out of time budget for Stripe", should_retry=False)
        return super().request(method, url, headers, post_data)

    def _should_retry(self, response: Any, api_connection_error: Any, *args: Any) -> bool:
        if not super()._should_retry(response, api_connection_error, *args):
            return False
        left = _seconds_left()
        return left is None or left >= 2 * MIN_ATTEMPT_SECONDS

    def _sleep_time_seconds(self, num_retries: int) -> float:
        sleep = super()._sleep_time_seconds(num_retries)
        left = _seconds_left()
        return sleep if left is None else max(0.0, min(sleep, left - MIN_ATTEMPT_SECONDS))


@functools.cache
def _client(
    api_key: str, api_base: str, api_version: str, timeout: float, retries: int
) -> stripe.StripeClient:
    # One client (and one pooled HTTP session per thread) per configuration, shared by requests.
    return stripe.StripeClient(
        api_key,
        stripe_version=api_version,
        base_addresses={"api": api_base} if api_base else None,
        max_network_retries=retries,
        http_client=BudgetedRequestsClient(timeout=timeout),
    )


def client() -> stripe.StripeClient:
    return _client(
        settings.STRIPE_SECRET_KEY,
        settings.STRIPE_API_BASE,
        settings.STRIPE_API_VERSION,
        settings.STRIPE_TIMEOUT_SECONDS,
        settings.STRIPE_MAX_NETWORK_RETRIES,
    )


@contextmanager
def _translated_errors() -> Iterator[None]:
    try:
        yield
    except stripe.CardError as exc:
        raise PaymentDeclined(intent=_declined_intent(exc)) from exc
    except (stripe.APIConnectionError, stripe.RateLimitError) as exc:
        logger.warning("Stripe unreachable, out of time or rate-limiting: %s", type(exc).__name__)
        raise GatewayUnavailable() from exc
    except stripe.IdempotencyError as exc:
        raise GatewayKeyReused() from exc
    except stripe.InvalidRequestError as exc:
        if exc.code == "payment_intent_unexpected_state":
            raise IntentStateConflict(exc.user_message or "") from exc
        if exc.param == "payment_method" or exc.code == "payment_method_unexpected_state":
            raise PaymentMethodRejected(exc.user_message or "") from exc
        raise
    except stripe.StripeError as exc:
        if exc.http_status == 409:  # the SDK's own retry met its first attempt still running
            raise StripeRequestInFlight() from exc
        if exc.http_status is not None and exc.http_status >= 500:
            logger.warning("Stripe answered %s (request %s)", exc.http_status, exc.request_id)
            raise GatewayUnavailable() from exc
        raise


def charge_state(charge: Mapping[str, Any]) -> ChargeState:
    """Our view of a Charge, from the SDK object or from a webhook payload."""
    details = charge.get("payment_method_details") or {}
    card = details.get("card") or {}
    intent = charge.get("payment_intent") or ""
    return ChargeState(
        id=charge["id"],
        payment_intent_id=intent if isinstance(intent, str) else intent["id"],
        card_brand=card.get("brand") or "",
        card_last4=card.get("last4") or "",
    )


def intent_state(intent: Mapping[str, Any]) -> IntentState:
    """Our view of a PaymentIntent, from the SDK object or from a webhook payload."""
    error = intent.get("last_payment_error") or {}
    next_action = intent.get("next_action") or {}
    redirect = next_action.get("redirect_to_url") or {}
    latest_charge = intent.get("latest_charge")
    if isinstance(latest_charge, str):
        charge: ChargeState | None = ChargeState(id=latest_charge, payment_intent_id=intent["id"])
    else:
        charge = charge_state(latest_charge) if latest_charge else None
    return IntentState(
        id=intent["id"],
        status=intent["status"],
        client_secret=intent.get("client_secret") or "",
        amount=intent["amount"],
        currency=intent["currency"],
        metadata=dict(intent.get("metadata") or {}),
        failure_code=error.get("code") or "",
        decline_code=error.get("decline_code") or "",
        failure_message=error.get("message") or "",
        next_action_url=redirect.get("url") or "",
        charge=charge,
    )


def _id_of(value: Any) -> str:
    """An expandable field's id, whether Stripe sent the id or the object."""
    if not value:
        return ""
    return value if isinstance(value, str) else value["id"]


def refund_state(refund: Mapping[str, Any]) -> RefundState:
    """Our view of a Refund, from the SDK object or from a webhook payload."""
    return RefundState(
        id=refund["id"],
        status=refund["status"],
        amount=refund["amount"],
        currency=refund["currency"],
        payment_intent_id=_id_of(refund.get("payment_intent")),
        charge_id=_id_of(refund.get("charge")),
        reason=refund.get("reason") or "",
        metadata=dict(refund.get("metadata") or {}),
        failure_reason=refund.get("failure_reason") or "",
    )


def dispute_state(dispute: Mapping[str, Any]) -> DisputeState:
    """Our view of a Dispute, from the SDK object or from a webhook payload."""
    return DisputeState(
        id=dispute["id"],
        status=dispute["status"],
        amount=dispute["amount"],
        currency=dispute["currency"],
        charge_id=_id_of(dispute.get("charge")),
        payment_intent_id=_id_of(dispute.get("payment_intent")),
        reason=dispute.get("reason") or "",
    )


def _declined_intent(exc: stripe.CardError) -> IntentState:
    json_body = cast(dict[str, Any], exc.json_body or {})
    body: dict[str, Any] = json_body.get("error") or {}
    intent = body.get("payment_intent")
    if intent:
        return intent_state(intent)
    return IntentState(
        id="",
        status="requires_payment_method",
        client_secret="",
        amount=0,
        currency="",
        metadata={},
        failure_code=exc.code or "card_declined",
        decline_code=body.get("decline_code") or "",
        failure_message=body.get("message") or "",
    )


class StripeGateway:
    def customer_create(
        self, *, email: str, name: str, metadata: Mapping[str, str], idempotency_key: str
    ) -> str:
        with _translated_errors():
            customer = client().v1.customers.create(
                params={"email": email, "name": name, "metadata": dict(metadata)},
                options={"idempotency_key": idempotency_key},
            )
        return customer.id

    def product_create(
        self, *, name: str, description: str, metadata: Mapping[str, str], idempotency_key: str
    ) -> str:
        params: dict[str, Any] = {"name": name, "metadata": dict(metadata)}
        if description:
            params["description"] = description
        with _translated_errors():
            product = client().v1.products.create(
                params=params,  # type: ignore[arg-type]
                options={"idempotency_key": idempotency_key},
            )
        return product.id

    def product_update(self, *, product_id: str, name: str, description: str, active: bool) -> None:
        params: dict[str, Any] = {"name": name, "active": active}
        if description:
            params["description"] = description
        with _translated_errors():
            client().v1.products.update(product_id, params=params)  # type: ignore[arg-type]

    def price_create(
        self,
        *,
        product_id: str,
        unit_amount: int,
        currency: str,
        metadata: Mapping[str, str],
        idempotency_key: str,
    ) -> str:
        with _translated_errors():
            price = client().v1.prices.create(
                params={
                    "product": product_id,
                    "unit_amount": unit_amount,
                    "currency": currency,
                    "metadata": dict(metadata),
                },
                options={"idempotency_key": idempotency_key},
            )
        return price.id

    def price_archive(self, *, price_id: str) -> None:
        with _translated_errors():
            client().v1.prices.update(price_id, params={"active": False})

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
        params: dict[str, Any] = {
            "amount": amount,
            "currency": currency,
            "customer": customer_id,
            "description": description,
            "metadata": dict(metadata),
            "automatic_payment_methods": {"enabled": True, "allow_redirects": "never"},
            "expand": INTENT_EXPAND,
        }
        if payment_method:
            params |= {"payment_method": payment_method, "confirm": True}
        with _translated_errors():
            intent = client().v1.payment_intents.create(
                params=params,  # type: ignore[arg-type]
                options={"idempotency_key": idempotency_key},
            )
        return intent_state(intent.to_dict())

    def payment_intent_confirm(
        self, *, intent_id: str, payment_method: str, idempotency_key: str
    ) -> IntentState:
        with _translated_errors():
            intent = client().v1.payment_intents.confirm(
                intent_id,
                params={"payment_method": payment_method, "expand": INTENT_EXPAND},
                options={"idempotency_key": idempotency_key},
            )
        return intent_state(intent.to_dict())

    def payment_intent_cancel(self, *, intent_id: str, idempotency_key: str) -> IntentState:
        with _translated_errors():
            intent = client().v1.payment_intents.cancel(
                intent_id, options={"idempotency_key": idempotency_key}
            )
        return intent_state(intent.to_dict())

    def payment_intent_state(self, *, intent_id: str) -> IntentState:
        with _translated_errors():
            intent = client().v1.payment_intents.retrieve(
                intent_id, params={"expand": INTENT_EXPAND}
            )
        return intent_state(intent.to_dict())

    def payment_intent_find(
        self, *, customer_id: str, metadata_key: str, metadata_value: str, created_since: int
    ) -> IntentState | None:
        with _translated_errors():
            intents = client().v1.payment_intents.list(
                params={"customer": customer_id, "created": {"gte": created_since}, "limit": 100}
            )
            for intent in intents.auto_paging_iter():
                found = intent.to_dict()
                if (found.get("metadata") or {}).get(metadata_key) == metadata_value:
                    return intent_state(found)
        return None

    def refund_create(
        self,
        *,
        payment_intent_id: str,
        amount: int,
        reason: str,
        metadata: Mapping[str, str],
        idempotency_key: str,
    ) -> RefundState:
        params: dict[str, Any] = {
            "payment_intent": payment_intent_id,
            "amount": amount,
            "metadata": dict(metadata),
        }
        if reason:
            params["reason"] = reason
        try:
            with _translated_errors():
                refund = client().v1.refunds.create(
                    params=params,  # type: ignore[arg-type]
                    options={"idempotency_key": idempotency_key},
                )
        except stripe.InvalidRequestError as exc:  # what _translated_errors leaves to callers
            raise RefundRejected(code=exc.code or "", message=exc.user_message or "") from exc
        return refund_state(refund.to_dict())

    def refund_state(self, *, refund_id: str) -> RefundState:
        with _translated_errors():
            refund = client().v1.refunds.retrieve(refund_id)
        return refund_state(refund.to_dict())

    def refund_list(self, *, charge_id: str) -> list[RefundState]:
        with _translated_errors():
            refunds = client().v1.refunds.list(params={"charge": charge_id, "limit": 100})
            return [refund_state(refund.to_dict()) for refund in refunds.auto_paging_iter()]

    def webhook_endpoint_create(
        self, *, url: str, events: list[str], metadata: Mapping[str, str]
    ) -> WebhookEndpointCreated:
        with _translated_errors():
            endpoint = client().v1.webhook_endpoints.create(
                params={
                    "url": url,
                    "enabled_events": events,  # type: ignore[typeddict-item]
                    "api_version": settings.STRIPE_API_VERSION,  # type: ignore[typeddict-item]
                    "metadata": dict(metadata),
                }
            )
        secret = endpoint.secret or ""
        return WebhookEndpointCreated(id=endpoint.id, secret=secret, url=endpoint.url)
