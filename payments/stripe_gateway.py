"""The Stripe adapter of `PaymentGateway`: the only module of ours that imports `stripe`.

Stripe's errors are translated here, once: a declined card becomes `PaymentDeclined`; a
connection failure, a timeout, a rate limit, a Stripe 5xx (after the SDK's own retries) or an
exhausted time budget becomes `GatewayUnavailable`; anything else is our bug and propagates as a
logged 500. Every call and retry fits in the current request's budget (`config.deadline`).
"""

import functools
import json
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar, cast
from urllib.parse import quote

import requests
import stripe
from django.conf import settings

from config import deadline, metrics
from payments.errors import (
    GatewayKeyReused,
    GatewayUnavailable,
    IntentStateConflict,
    PaymentDeclined,
    PaymentMethodRejected,
    RefundRejected,
    StripeObjectMissing,
    StripeRequestInFlight,
)
from payments.gateway import (
    CardState,
    ChargeState,
    CheckoutLine,
    CheckoutState,
    CustomerState,
    DisputeState,
    IntentState,
    Page,
    RefundState,
    SetupState,
    StripeEvent,
    SubscriptionState,
    WebhookEndpointCreated,
)

logger = logging.getLogger(__name__)
T = TypeVar("T")

RESERVE_SECONDS = 0.2
"""Kept out of every budget for our own work after the last Stripe answer."""
MIN_ATTEMPT_SECONDS = 0.1
"""An attempt with less time than this left is not started: it could not succeed."""
INTENT_EXPAND = ["latest_charge"]
LIST_PAGE = 100
"""Stripe's largest page."""
WEBHOOK_TOLERANCE_SECONDS = 300
"""Stripe's own default: a signed delivery older than this is refused (replays)."""
"""The charge comes with the intent, so what paid (card, charge id) costs no extra call."""
SESSION_EXPAND = ["payment_intent.latest_charge"]
"""A session comes with its PaymentIntent and charge: one call tells the whole outcome."""
UI_MODES_RENAMED_IN = "2026-03-25"
"""From this API version on, Checkout's `ui_mode` is `hosted_page` / `embedded_page`."""


def _seconds_left() -> float | None:
    left = deadline.remaining()
    return None if left is None else left - RESERVE_SECONDS


class BudgetedRequestsClient(stripe.RequestsClient):
    """The SDK's HTTP client, with each attempt's timeout, each back-off and each retry cut to
    what is left of the current budget. Outside a budget it behaves as the SDK's own."""

    def __init__(self, *, timeout: float, api_base: str) -> None:
        # The proxy settings of the environment, read once: requests' own reading of them on
        # every call (a scan of the whole environment, several times) cost 6% of a purchase's
        # CPU. The sessions below do not read the environment again.
        proxies = requests.utils.get_environ_proxies(api_base or stripe.DEFAULT_API_BASE)
        super().__init__(timeout=timeout, proxy=cast(Any, proxies) or None)
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
        """One attempt, timed and counted by operation and outcome (`config.metrics`)."""
        if getattr(self._thread_local, "session", None) is None:  # one per thread, as the SDK's
            session = requests.Session()
            session.trust_env = False
            self._thread_local.session = session
        operation = metrics.stripe_operation(method, url)
        left = _seconds_left()
        if left is not None and left < MIN_ATTEMPT_SECONDS:
            metrics.stripe_request_record(operation=operation, outcome="out_of_budget", seconds=0)
            raise stripe.APIConnectionError("Out of time budget for Stripe", should_retry=False)
        started = time.perf_counter()
        try:
            content, status, response_headers = super().request(method, url, headers, post_data)
        except Exception:
            outcome = "connection_error"
            raise
        else:
            outcome = metrics.stripe_outcome(status)
            return content, status, response_headers
        finally:
            seconds = time.perf_counter() - started
            metrics.stripe_request_record(operation=operation, outcome=outcome, seconds=seconds)

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
        http_client=BudgetedRequestsClient(timeout=timeout, api_base=api_base),
    )


def client() -> stripe.StripeClient:
    return _client(
        settings.STRIPE_SECRET_KEY,
        settings.STRIPE_API_BASE,
        settings.STRIPE_API_VERSION,
        settings.STRIPE_TIMEOUT_SECONDS,
        settings.STRIPE_MAX_NETWORK_RETRIES,
    )


def _answer(method: str, path: str, *, idempotency_key: str = "", **params: Any) -> dict[str, Any]:
    """One call, answered as Stripe's JSON, for the calls a purchase waits on: the SDK's
    `StripeObject`s (built for every declared field, then turned back into a dict for our state
    mappings) cost 13% of a purchase's CPU. Errors, retries and keys are the SDK's as for any
    other call."""
    if idempotency_key:
        params["idempotency_key"] = idempotency_key
    return cast(dict[str, Any], client().raw_request(method, path, **params).data)


def _path(template: str, object_id: str) -> str:
    return template.format(quote(object_id, safe=""))


@contextmanager
def _translated_errors(*, missing: str = "") -> Iterator[None]:
    """`missing`: the id a read names, whose absence at Stripe is `StripeObjectMissing`."""
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
        if missing and exc.code == "resource_missing":
            raise StripeObjectMissing(missing) from exc
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
        metadata=dict(charge.get("metadata") or {}),
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


def checkout_state(session: Mapping[str, Any]) -> CheckoutState:
    """Our view of a Checkout Session, from the SDK object or from a webhook payload."""
    intent = session.get("payment_intent")
    expanded = intent if isinstance(intent, Mapping) else None
    return CheckoutState(
        id=session["id"],
        status=session["status"] or "",
        payment_status=session.get("payment_status") or "",
        metadata=dict(session.get("metadata") or {}),
        url=session.get("url") or "",
        client_secret=session.get("client_secret") or "",
        expires_at=session["expires_at"],
        payment_intent_id=expanded["id"] if expanded else intent or "",
        payment_intent=intent_state(expanded) if expanded else None,
    )


def card_state(payment_method: Mapping[str, Any]) -> CardState:
    """Our view of a card PaymentMethod, from the SDK object or from a webhook payload."""
    card = payment_method.get("card") or {}
    customer = payment_method.get("customer") or ""
    return CardState(
        id=payment_method["id"],
        customer_id=customer if isinstance(customer, str) else customer["id"],
        brand=card.get("brand") or "",
        last4=card.get("last4") or "",
        exp_month=card.get("exp_month") or 0,
        exp_year=card.get("exp_year") or 0,
    )


def setup_state(setup_intent: Mapping[str, Any]) -> SetupState:
    """Our view of a SetupIntent, from the SDK object or from a webhook payload."""
    customer = setup_intent.get("customer") or ""
    method = setup_intent.get("payment_method") or ""
    return SetupState(
        id=setup_intent["id"],
        status=setup_intent["status"],
        client_secret=setup_intent.get("client_secret") or "",
        customer_id=customer if isinstance(customer, str) else customer["id"],
        payment_method_id=method if isinstance(method, str) else method["id"],
    )


def customer_state(customer: Mapping[str, Any]) -> CustomerState:
    """Our view of a Customer's card defaults, from the SDK object or from a webhook payload."""
    default = (customer.get("invoice_settings") or {}).get("default_payment_method") or ""
    return CustomerState(
        id=customer["id"],
        default_payment_method_id=default if isinstance(default, str) else default["id"],
    )


def subscription_state(subscription: Mapping[str, Any]) -> SubscriptionState:
    """Our view of a Subscription, from the SDK object or from a webhook payload. Billing
    periods live on the items (since the basil API versions); the first item is the price."""
    items = (subscription.get("items") or {}).get("data") or [{}]
    item = items[0]
    invoice = subscription.get("latest_invoice")
    secret = ""
    if isinstance(invoice, Mapping):
        secret = (invoice.get("confirmation_secret") or {}).get("client_secret") or ""
    setup = subscription.get("pending_setup_intent")
    if not secret and isinstance(setup, Mapping):
        secret = setup.get("client_secret") or ""
    return SubscriptionState(
        id=subscription["id"],
        status=subscription["status"],
        customer_id=_id_of(subscription.get("customer")),
        price_id=_id_of(item.get("price")),
        cancel_at_period_end=bool(subscription.get("cancel_at_period_end")),
        current_period_end=item.get("current_period_end") or 0,
        canceled_at=subscription.get("canceled_at") or 0,
        client_secret=secret,
    )


def _ui_mode(ui_mode: str) -> str:
    """Our "hosted"/"embedded" in the words of the pinned API version."""
    if settings.STRIPE_API_VERSION[:10] >= UI_MODES_RENAMED_IN:
        return f"{ui_mode}_page"
    return ui_mode


def _line_item(line: CheckoutLine) -> dict[str, Any]:
    if line.price_id:
        return {"price": line.price_id, "quantity": 1}
    return {
        "price_data": {
            "currency": line.currency,
            "unit_amount": line.amount,
            "product_data": {"name": line.name},
        },
        "quantity": 1,
    }


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


def _listed(
    list_call: Callable[..., Any],
    mapper: Callable[[Mapping[str, Any]], T],
    created_since: int,
    starting_after: str,
    **filters: Any,
) -> Page[T]:
    """One page of a Stripe list created since `created_since`, each item mapped."""
    params: dict[str, Any] = {"created": {"gte": created_since}, "limit": LIST_PAGE, **filters}
    if starting_after:
        params["starting_after"] = starting_after
    with _translated_errors():
        page = list_call(params=params)
    return Page([mapper(item.to_dict()) for item in page.data], has_more=page.has_more)


def _as_sent(obj: Mapping[str, Any]) -> dict[str, Any]:
    """An object as Stripe sent it over the wire: the SDK turns decimal strings into `Decimal`,
    which a webhook body never holds."""
    return cast(dict[str, Any], json.loads(json.dumps(obj, default=str)))


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
        interval: str = "",
    ) -> str:
        params: dict[str, Any] = {
            "product": product_id,
            "unit_amount": unit_amount,
            "currency": currency,
            "metadata": dict(metadata),
        }
        if interval:
            params["recurring"] = {"interval": interval}
        with _translated_errors():
            price = client().v1.prices.create(
                params=params,  # type: ignore[arg-type]
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
        setup_future_usage: str = "",
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
        if setup_future_usage:
            params["setup_future_usage"] = setup_future_usage
        with _translated_errors():
            intent = _answer(
                "post", "/v1/payment_intents", idempotency_key=idempotency_key, **params
            )
        return intent_state(intent)

    def payment_intent_confirm(
        self,
        *,
        intent_id: str,
        payment_method: str,
        idempotency_key: str,
        setup_future_usage: str = "",
    ) -> IntentState:
        params: dict[str, Any] = {"payment_method": payment_method, "expand": INTENT_EXPAND}
        if setup_future_usage:
            params["setup_future_usage"] = setup_future_usage
        with _translated_errors():
            intent = _answer(
                "post",
                _path("/v1/payment_intents/{}/confirm", intent_id),
                idempotency_key=idempotency_key,
                **params,
            )
        return intent_state(intent)

    def payment_intent_cancel(self, *, intent_id: str, idempotency_key: str) -> IntentState:
        with _translated_errors():
            intent = _answer(
                "post",
                _path("/v1/payment_intents/{}/cancel", intent_id),
                idempotency_key=idempotency_key,
            )
        return intent_state(intent)

    def payment_intent_state(self, *, intent_id: str) -> IntentState:
        with _translated_errors(missing=intent_id):
            intent = _answer(
                "get", _path("/v1/payment_intents/{}", intent_id), expand=INTENT_EXPAND
            )
        return intent_state(intent)

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

    def payment_intent_list(self, *, created_since: int, starting_after: str) -> Page[IntentState]:
        intents = client().v1.payment_intents
        return _listed(intents.list, intent_state, created_since, starting_after)

    def checkout_session_list(
        self, *, created_since: int, starting_after: str
    ) -> Page[CheckoutState]:
        sessions = client().v1.checkout.sessions
        return _listed(sessions.list, checkout_state, created_since, starting_after)

    def refund_list_since(self, *, created_since: int, starting_after: str) -> Page[RefundState]:
        return _listed(client().v1.refunds.list, refund_state, created_since, starting_after)

    def dispute_list(self, *, created_since: int, starting_after: str) -> Page[DisputeState]:
        return _listed(client().v1.disputes.list, dispute_state, created_since, starting_after)

    def event_list_undelivered(
        self, *, created_since: int, starting_after: str
    ) -> Page[StripeEvent]:
        return _listed(
            client().v1.events.list,
            lambda event: StripeEvent(event["id"], _as_sent(event)),
            created_since,
            starting_after,
            delivery_success=False,
        )

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

    def webhook_event_verify(
        self, *, payload: bytes, signature: str, secret: str
    ) -> Mapping[str, Any] | None:
        try:
            body = payload.decode()
            stripe.WebhookSignature.verify_header(
                body, signature, secret, WEBHOOK_TOLERANCE_SECONDS
            )
            event = json.loads(body)
        except (stripe.SignatureVerificationError, ValueError):  # bad signature, JSON or UTF-8
            return None
        return event if isinstance(event, dict) else None

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
        params: dict[str, Any] = {
            "mode": "payment",
            "ui_mode": _ui_mode(ui_mode),
            "line_items": [_line_item(line)],
            "metadata": dict(metadata),
            "client_reference_id": metadata.get("coursepay_payment_id", ""),
            "payment_intent_data": {"metadata": dict(metadata)},
        }
        if customer_id:
            params["customer"] = customer_id
        elif customer_email:
            params["customer_email"] = customer_email
        if ui_mode == "embedded":
            params["return_url"] = return_url
        else:
            params |= {"success_url": success_url, "cancel_url": cancel_url}
        with _translated_errors():
            session = _answer(
                "post", "/v1/checkout/sessions", idempotency_key=idempotency_key, **params
            )
        return checkout_state(session)

    def checkout_session_state(self, *, session_id: str) -> CheckoutState:
        with _translated_errors(missing=session_id):
            session = _answer(
                "get", _path("/v1/checkout/sessions/{}", session_id), expand=SESSION_EXPAND
            )
        return checkout_state(session)

    def checkout_session_expire(self, *, session_id: str, idempotency_key: str) -> CheckoutState:
        try:
            with _translated_errors():
                session = client().v1.checkout.sessions.expire(
                    session_id,
                    params={"expand": SESSION_EXPAND},
                    options={"idempotency_key": idempotency_key},
                )
        except stripe.InvalidRequestError:
            # Stripe refuses to expire a session that is no longer open: read what it became.
            state = self.checkout_session_state(session_id=session_id)
            if state.status == "open":
                raise
            return state
        return checkout_state(session.to_dict())

    def setup_intent_create(
        self, *, customer_id: str, metadata: Mapping[str, str], idempotency_key: str
    ) -> SetupState:
        with _translated_errors():
            setup_intent = client().v1.setup_intents.create(
                params={
                    "customer": customer_id,
                    "metadata": dict(metadata),
                    "payment_method_types": ["card"],
                    "usage": "on_session",
                },
                options={"idempotency_key": idempotency_key},
            )
        return setup_state(setup_intent.to_dict())

    def payment_method_state(self, *, payment_method_id: str) -> CardState:
        with _translated_errors():
            payment_method = client().v1.payment_methods.retrieve(payment_method_id)
        return card_state(payment_method.to_dict())

    def payment_method_detach(self, *, payment_method_id: str, idempotency_key: str) -> None:
        try:
            with _translated_errors():
                client().v1.payment_methods.detach(
                    payment_method_id, options={"idempotency_key": idempotency_key}
                )
        except stripe.InvalidRequestError:
            # Stripe refuses to detach a card attached to nobody: then it is already done.
            if self.payment_method_state(payment_method_id=payment_method_id).customer_id:
                raise

    def customer_default_payment_method_set(
        self, *, customer_id: str, payment_method_id: str
    ) -> None:
        with _translated_errors():
            client().v1.customers.update(
                customer_id,
                params={"invoice_settings": {"default_payment_method": payment_method_id}},
            )

    def ephemeral_key_create(self, *, customer_id: str, api_version: str) -> str:
        with _translated_errors():
            key = client().v1.ephemeral_keys.create(
                params={"customer": customer_id}, options={"stripe_version": api_version}
            )
        return key.secret or ""

    def subscription_create(
        self, *, customer_id: str, price_id: str, metadata: Mapping[str, str], idempotency_key: str
    ) -> SubscriptionState:
        with _translated_errors():
            subscription = client().v1.subscriptions.create(
                params={
                    "customer": customer_id,
                    "items": [{"price": price_id}],
                    "payment_behavior": "default_incomplete",
                    "payment_settings": {"save_default_payment_method": "on_subscription"},
                    "metadata": dict(metadata),
                    "expand": ["latest_invoice.confirmation_secret", "pending_setup_intent"],
                },
                options={"idempotency_key": idempotency_key},
            )
        return subscription_state(subscription.to_dict())
