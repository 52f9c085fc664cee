"""Stripe's test cards: numbers, test PaymentMethod ids, tokens and what each does.

A card's behaviour is recovered from the PaymentMethod's own `card.fingerprint` (derived from
the number), so a stored or persisted PaymentMethod keeps behaving like its card.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import Enum
from typing import Any

import stripe

from stripe_sandbox import errors, shapes


class Authentication(Enum):
    NEVER = "never"
    ALWAYS = "always"
    UNLESS_SET_UP = "unless_set_up"
    """Asks for 3-D Secure on-session; off-session it passes once the card is saved."""


class RefundOutcome(Enum):
    SUCCEEDS = "succeeds"
    PENDS_THEN_SUCCEEDS = "pends_then_succeeds"
    """`pending` at creation, `succeeded` a little later (`refund.updated`)."""
    SUCCEEDS_THEN_FAILS = "succeeds_then_fails"
    """`succeeded` at creation, `failed` a little later (`refund.failed`)."""


@dataclass(frozen=True)
class DisputeKind:
    """The chargeback a dispute test card brings on a little after its payment succeeds."""

    reason: str
    inquiry: bool = False
    """An inquiry (a retrieval request): no funds are withdrawn, statuses are `warning_*`."""
    network_reason_code: str = "10.4"


@dataclass(frozen=True)
class Decline:
    code: str
    decline_code: str
    message: str


GENERIC = Decline("card_declined", "generic_decline", "Your card was declined.")
INSUFFICIENT_FUNDS = Decline(
    "card_declined", "insufficient_funds", "Your card has insufficient funds."
)


@dataclass(frozen=True)
class TestCard:
    number: str
    payment_method: str
    decline: Decline | None = None
    authentication: Authentication = Authentication.NEVER
    declines_on_attach: bool = False
    dispute: DisputeKind | None = None
    refund: RefundOutcome = RefundOutcome.SUCCEEDS

    @property
    def brand(self) -> str:
        return brand_of(self.number)

    @property
    def token(self) -> str:
        return "tok_" + self.payment_method.removeprefix("pm_card_")


TEST_CARDS: tuple[TestCard, ...] = (
    TestCard("4242424242424242", "pm_card_visa"),
    TestCard("5555555555554444", "pm_card_mastercard"),
    TestCard("4000000000000002", "pm_card_visa_chargeDeclined", GENERIC, declines_on_attach=True),
    TestCard(
        "4000000000009995",
        "pm_card_visa_chargeDeclinedInsufficientFunds",
        INSUFFICIENT_FUNDS,
        declines_on_attach=True,
    ),
    TestCard(
        "4000000000009987",
        "pm_card_visa_chargeDeclinedLostCard",
        Decline("card_declined", "lost_card", "Your card was declined."),
        declines_on_attach=True,
    ),
    TestCard(
        "4000000000009979",
        "pm_card_visa_chargeDeclinedStolenCard",
        Decline("card_declined", "stolen_card", "Your card was declined."),
        declines_on_attach=True,
    ),
    TestCard(
        "4000000000000069",
        "pm_card_chargeDeclinedExpiredCard",
        Decline("expired_card", "expired_card", "Your card has expired."),
        declines_on_attach=True,
    ),
    TestCard(
        "4000000000000127",
        "pm_card_chargeDeclinedIncorrectCvc",
        Decline("incorrect_cvc", "incorrect_cvc", "Your card's security code is incorrect."),
        declines_on_attach=True,
    ),
    TestCard(
        "4000000000000119",
        "pm_card_chargeDeclinedProcessingError",
        Decline(
            "processing_error",
            "processing_error",
            "An error occurred while processing your card. Try again in a little bit.",
        ),
        declines_on_attach=True,
    ),
    TestCard("4000000000000341", "pm_card_chargeCustomerFail", GENERIC),
    TestCard(
        "4000002500003155",
        "pm_card_authenticationRequiredOnSetup",
        authentication=Authentication.UNLESS_SET_UP,
    ),
    TestCard(
        "4000002760003184", "pm_card_authenticationRequired", authentication=Authentication.ALWAYS
    ),
    TestCard(
        "4000008260003178",
        "pm_card_authenticationRequiredChargeDeclinedInsufficientFunds",
        INSUFFICIENT_FUNDS,
        authentication=Authentication.ALWAYS,
    ),
    TestCard("4000000000000259", "pm_card_createDispute", dispute=DisputeKind("fraudulent")),
    TestCard(
        "4000000000002685",
        "pm_card_createDisputeProductNotReceived",
        dispute=DisputeKind("product_not_received", network_reason_code="13.1"),
    ),
    TestCard(
        "4000000000001976",
        "pm_card_createDisputeInquiry",
        dispute=DisputeKind("general", inquiry=True),
    ),
    TestCard("4000000000007726", "pm_card_pendingRefund", refund=RefundOutcome.PENDS_THEN_SUCCEEDS),
    TestCard("4000000000005126", "pm_card_refundFail", refund=RefundOutcome.SUCCEEDS_THEN_FAILS),
)

_BY_PAYMENT_METHOD = {card.payment_method: card for card in TEST_CARDS}
_BY_TOKEN = {card.token: card for card in TEST_CARDS}


def fingerprint(number: str) -> str:
    return hashlib.sha256(f"sandbox-card:{number}".encode()).hexdigest()[:16]


_BY_FINGERPRINT = {fingerprint(card.number): card for card in TEST_CARDS}


def for_payment_method_id(payment_method_id: str) -> TestCard | None:
    """The card behind a test PaymentMethod id such as `pm_card_visa`."""
    return _BY_PAYMENT_METHOD.get(payment_method_id)


def for_token(token: str) -> TestCard | None:
    return _BY_TOKEN.get(token)


def for_payment_method(payment_method: dict[str, Any]) -> TestCard:
    """How a stored card PaymentMethod behaves; a card outside the table succeeds."""
    card = payment_method.get("card") or {}
    known = _BY_FINGERPRINT.get(card.get("fingerprint", ""))
    return known or TestCard(number="", payment_method=payment_method["id"])


def brand_of(number: str) -> str:
    if number.startswith(("51", "52", "53", "54", "55", "22", "23", "24", "25", "26", "27")):
        return "mastercard"
    if number.startswith(("34", "37")):
        return "amex"
    return "visa"


def luhn_valid(number: str) -> bool:
    if not number.isdigit() or not 12 <= len(number) <= 19:
        return False
    total = 0
    for position, digit in enumerate(reversed(number)):
        value = int(digit)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def card_details(number: str, exp_month: int, exp_year: int) -> dict[str, Any]:
    """The `card` hash of a PaymentMethod for a raw card number."""
    if not luhn_valid(number):
        raise errors.card_error(
            "Your card number is incorrect.", code="incorrect_number", param="card[number]"
        )
    brand = brand_of(number)
    return shapes.nested(
        stripe.PaymentMethod.Card,
        brand=brand,
        checks=shapes.nested(stripe.PaymentMethod.Card.Checks, cvc_check="pass"),
        country="US",
        display_brand=brand,
        exp_month=exp_month,
        exp_year=exp_year,
        fingerprint=fingerprint(number),
        funding="credit",
        last4=number[-4:],
        networks=shapes.nested(stripe.PaymentMethod.Card.Networks, available=[brand]),
        regulated_status="unregulated",
        three_d_secure_usage=shapes.nested(
            stripe.PaymentMethod.Card.ThreeDSecureUsage, supported=True
        ),
    )
