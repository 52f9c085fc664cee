"""An in-memory `PaymentGateway`, for service tests where the sandbox adds nothing.

It keeps intents by id, honours idempotency keys (same key, same answer) and declines any
PaymentMethod whose id contains "Declined", as Stripe's test cards do.
"""

import itertools
from collections.abc import Callable, Mapping
from dataclasses import replace

from payments.errors import IntentStateConflict, PaymentDeclined
from payments.gateway import ChargeState, IntentState, RefundState, WebhookEndpointCreated


class FakeGateway:
    def __init__(self) -> None:
        self.calls: list[str] = []
        self.intents: dict[str, IntentState] = {}
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
        self, *, intent_id: str, payment_method: str, idempotency_key: str
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
