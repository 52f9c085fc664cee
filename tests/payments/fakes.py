"""An in-memory `PaymentGateway`, for service tests where the sandbox adds nothing.

It keeps intents by id, honours idempotency keys (same key, same answer) and declines any
PaymentMethod whose id contains "Declined", as Stripe's test cards do.
"""

import itertools
import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from payments.errors import IntentStateConflict, PaymentDeclined
from payments.gateway import (
    CardState,
    ChargeState,
    CheckoutLine,
    CheckoutState,
    DisputeState,
    IntentState,
    Page,
    RefundState,
    SetupState,
    StripeEvent,
    SubscriptionState,
    WebhookEndpointCreated,
)


class FakeGateway:
    def __init__(self) -> None:
        self.calls: list[str] = []
        self.intents: dict[str, IntentState] = {}
        self.undelivered: list[StripeEvent] = []
        self.disputes: list[DisputeState] = []
        self.sessions: dict[str, CheckoutState] = {}
        self.cards: dict[str, CardState] = {}
        self._answers: dict[str, object] = {}
        self._ids = itertools.count(1)
        self.refunds = FakeRefunds()

    def _once(self, key: str, make: Callable[[], object]) -> object:
        if key not in self._answers:
            self._answers[key] = make()
        return self._answers[key]

    def customer_create(
        self, *, email: str, name: str, metadata: Mapping[str, str], idempotency_key: str
    ) -> str:
        self.calls.append("customer_create")
        return str(self._once(idempotency_key, lambda: f"cus_fake{next(self._ids)}"))

    def product_create(self, **kwargs: object) -> str:
        self.calls.append("product_create")
        return f"prod_fake{next(self._ids)}"

    def product_update(self, **kwargs: object) -> None:
        self.calls.append("product_update")

    def price_create(self, **kwargs: object) -> str:
        self.calls.append("price_create")
        return f"price_fake{next(self._ids)}"

    def price_archive(self, **kwargs: object) -> None:
        self.calls.append("price_archive")

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
        self.calls.append("payment_intent_create")

        def make() -> IntentState:
            pi = f"pi_fake{next(self._ids)}"
            intent = IntentState(
                id=pi,
                status="requires_payment_method",
                client_secret=f"{pi}_secret_x",
                amount=amount,
                currency=currency,
                metadata=dict(metadata),
            )
            self.intents[pi] = intent
            return intent

        intent = self._once(idempotency_key, make)
        assert isinstance(intent, IntentState)
        return self._confirm(intent.id, payment_method) if payment_method else intent

    def payment_intent_confirm(
        self,
        *,
        intent_id: str,
        payment_method: str,
        idempotency_key: str,
        setup_future_usage: str = "",
    ) -> IntentState:
        self.calls.append("payment_intent_confirm")
        return self._confirm(intent_id, payment_method)

    def _confirm(self, intent_id: str, payment_method: str) -> IntentState:
        intent = self.intents[intent_id]
        if intent.status == "succeeded":
            raise IntentStateConflict("already succeeded")
        if "Declined" in payment_method:
            intent = replace(intent, failure_code="card_declined", decline_code="generic_decline")
            self.intents[intent_id] = intent
            raise PaymentDeclined(intent=intent)
        charge = ChargeState(id=f"ch_fake{next(self._ids)}", payment_intent_id=intent_id)
        intent = replace(intent, status="succeeded", failure_code="", charge=charge)
        self.intents[intent_id] = intent
        return intent

    def payment_intent_cancel(self, *, intent_id: str, idempotency_key: str) -> IntentState:
        self.calls.append("payment_intent_cancel")
        intent = replace(self.intents[intent_id], status="canceled")
        self.intents[intent_id] = intent
        return intent

    def payment_intent_state(self, *, intent_id: str) -> IntentState:
        self.calls.append("payment_intent_state")
        return self.intents[intent_id]

    def payment_intent_find(
        self, *, customer_id: str, metadata_key: str, metadata_value: str, created_since: int
    ) -> IntentState | None:
        self.calls.append("payment_intent_find")
        found = (i for i in self.intents.values() if i.metadata.get(metadata_key) == metadata_value)
        return next(found, None)

    def refund_create(
        self,
        *,
        payment_intent_id: str,
        amount: int,
        reason: str,
        metadata: Mapping[str, str],
        idempotency_key: str,
    ) -> RefundState:
        self.calls.append("refund_create")
        return self.refunds.create(
            payment_intent_id=payment_intent_id,
            amount=amount,
            reason=reason,
            metadata=metadata,
            key=idempotency_key,
        )

    def refund_state(self, *, refund_id: str) -> RefundState:
        self.calls.append("refund_state")
        return self.refunds.refunds[refund_id]

    def refund_list(self, *, charge_id: str) -> list[RefundState]:
        self.calls.append("refund_list")
        return list(self.refunds.refunds.values())

    def webhook_endpoint_create(
        self, *, url: str, events: list[str], metadata: Mapping[str, str]
    ) -> WebhookEndpointCreated:
        self.calls.append("webhook_endpoint_create")
        return WebhookEndpointCreated(id=f"we_fake{next(self._ids)}", secret="whsec_fake", url=url)

    def webhook_event_verify(
        self, *, payload: bytes, signature: str, secret: str
    ) -> Mapping[str, Any] | None:
        self.calls.append("webhook_event_verify")
        event = json.loads(payload)
        return event if signature == f"fake:{secret}" else None

    def payment_intent_list(self, *, created_since: int, starting_after: str) -> Page[IntentState]:
        self.calls.append("payment_intent_list")
        newest_first = list(reversed(self.intents.values()))
        if starting_after:
            newest_first = newest_first[[i.id for i in newest_first].index(starting_after) + 1 :]
        return Page(newest_first[:2], has_more=len(newest_first) > 2)

    def checkout_session_list(
        self, *, created_since: int, starting_after: str
    ) -> Page[CheckoutState]:
        self.calls.append("checkout_session_list")
        return Page(list(reversed(self.sessions.values())), has_more=False)

    def refund_list_since(self, *, created_since: int, starting_after: str) -> Page[RefundState]:
        self.calls.append("refund_list_since")
        return Page(list(reversed(self.refunds.refunds.values())), has_more=False)

    def dispute_list(self, *, created_since: int, starting_after: str) -> Page[DisputeState]:
        self.calls.append("dispute_list")
        return Page(list(self.disputes), has_more=False)

    def event_list_undelivered(
        self, *, created_since: int, starting_after: str
    ) -> Page[StripeEvent]:
        self.calls.append("event_list_undelivered")
        return Page(list(self.undelivered), has_more=False)

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
        self.calls.append("checkout_session_create")

        def make() -> CheckoutState:
            cs = f"cs_fake{next(self._ids)}"
            hosted = ui_mode == "hosted"
            session = CheckoutState(
                id=cs,
                status="open",
                payment_status="unpaid",
                metadata=dict(metadata),
                url=f"https://checkout.example/{cs}" if hosted else "",
                client_secret="" if hosted else f"{cs}_secret_x",
                expires_at=2_000_000_000,
            )
            self.sessions[cs] = session
            return session

        created = self._once(idempotency_key, make)  # a replay is the first answer, as stored
        assert isinstance(created, CheckoutState)
        return created

    def checkout_session_state(self, *, session_id: str) -> CheckoutState:
        self.calls.append("checkout_session_state")
        return self.sessions[session_id]

    def ephemeral_key_create(self, *, customer_id: str, api_version: str) -> str:
        self.calls.append("ephemeral_key_create")
        return f"ek_test_fake{next(self._ids)}"

    def subscription_create(
        self, *, customer_id: str, price_id: str, metadata: Mapping[str, str], idempotency_key: str
    ) -> SubscriptionState:
        self.calls.append("subscription_create")

        def make() -> SubscriptionState:
            sub = f"sub_fake{next(self._ids)}"
            return SubscriptionState(
                id=sub,
                status="incomplete",
                customer_id=customer_id,
                price_id=price_id,
                client_secret=f"pi_{sub}_secret_x",
            )

        created = self._once(idempotency_key, make)
        assert isinstance(created, SubscriptionState)
        return created

    def checkout_session_expire(self, *, session_id: str, idempotency_key: str) -> CheckoutState:
        self.calls.append("checkout_session_expire")
        session = self.sessions[session_id]
        if session.status == "open":
            session = replace(session, status="expired", url="", client_secret="")
            self.sessions[session_id] = session
        return session

    def checkout_session_pay(self, session_id: str, *, intent_status: str = "succeeded") -> None:
        """What the learner does on Checkout's page (not part of the port)."""
        session = self.sessions[session_id]
        pi = f"pi_fake{next(self._ids)}"
        intent = IntentState(
            id=pi,
            status=intent_status,
            client_secret=f"{pi}_secret_x",
            amount=0,
            currency="usd",
            metadata=dict(session.metadata),
        )
        self.intents[pi] = intent
        paid = "paid" if intent_status == "succeeded" else "unpaid"
        self.sessions[session_id] = replace(
            session,
            status="complete",
            payment_status=paid,
            url="",
            client_secret="",
            payment_intent_id=pi,
            payment_intent=intent,
        )

    def setup_intent_create(
        self, *, customer_id: str, metadata: Mapping[str, str], idempotency_key: str
    ) -> SetupState:
        self.calls.append("setup_intent_create")

        def make() -> SetupState:
            seti = f"seti_fake{next(self._ids)}"
            return SetupState(
                id=seti,
                status="requires_payment_method",
                client_secret=f"{seti}_secret_x",
                customer_id=customer_id,
            )

        state = self._once(idempotency_key, make)
        assert isinstance(state, SetupState)
        return state

    def payment_method_state(self, *, payment_method_id: str) -> CardState:
        self.calls.append("payment_method_state")
        return self.cards[payment_method_id]

    def payment_method_detach(self, *, payment_method_id: str, idempotency_key: str) -> None:
        self.calls.append("payment_method_detach")
        card = self.cards.get(payment_method_id)
        if card is not None:
            self.cards[payment_method_id] = replace(card, customer_id="")

    def customer_default_payment_method_set(
        self, *, customer_id: str, payment_method_id: str
    ) -> None:
        self.calls.append("customer_default_payment_method_set")


class FakeRefunds:
    """Refunds for `FakeGateway`: each idempotency key refunds once, at once."""

    def __init__(self) -> None:
        self.refunds: dict[str, RefundState] = {}
        self.by_key: dict[str, RefundState] = {}

    def create(
        self,
        *,
        payment_intent_id: str,
        amount: int,
        reason: str,
        metadata: Mapping[str, str],
        key: str,
    ) -> RefundState:
        if key not in self.by_key:
            refund = RefundState(
                id=f"re_fake{len(self.refunds) + 1}",
                status="succeeded",
                amount=amount,
                currency="usd",
                payment_intent_id=payment_intent_id,
                charge_id="",
                reason=reason,
                metadata=dict(metadata),
            )
            self.refunds[refund.id] = self.by_key[key] = refund
        return self.by_key[key]
