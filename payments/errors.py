"""Domain errors of payments, and what a learner can do about each decline.

`DECLINE_GUIDANCE` is the one table that turns Stripe's `decline_code` (or `code` when there is
no decline code) into a plain message, whether trying again can help, and what to do next.
"""

from dataclasses import dataclass

from config.errors import AppError
from config.messages import quote
from payments.gateway import IntentState


@dataclass(frozen=True)
class Guidance:
    message: str
    retryable: bool
    suggestion: str


TRY_ANOTHER_CARD = "Try another card, or another payment method."
CONTACT_BANK = "Contact your bank to find out why the card was declined, or use another card."

DECLINE_GUIDANCE: dict[str, Guidance] = {
    "generic_decline": Guidance("Your card was declined.", True, CONTACT_BANK),
    "insufficient_funds": Guidance(
        "Your card has insufficient funds.", True, "Use another card, or add funds and try again."
    ),
    "lost_card": Guidance("Your card was declined.", False, TRY_ANOTHER_CARD),
    "stolen_card": Guidance("Your card was declined.", False, TRY_ANOTHER_CARD),
    "expired_card": Guidance(
        "Your card has expired.", True, "Check the expiry date, or use another card."
    ),
    "incorrect_cvc": Guidance(
        "Your card's security code is incorrect.",
        True,
        "Re-enter the 3-digit security code (CVC) on the back of the card.",
    ),
    "processing_error": Guidance(
        "An error occurred while processing your card.",
        True,
        "Try again in a moment; if it keeps failing, use another card.",
    ),
    "authentication_required": Guidance(
        "Your bank needs you to confirm this payment.",
        True,
        "Complete the authentication step your bank shows, then try again.",
    ),
    "payment_intent_authentication_failure": Guidance(
        "We could not authenticate your payment.",
        True,
        "Complete the authentication step your bank shows, or use another card.",
    ),
    "card_declined": Guidance("Your card was declined.", True, CONTACT_BANK),
}
UNKNOWN_DECLINE = Guidance("Your payment could not be completed.", True, TRY_ANOTHER_CARD)


def guidance_for(*, code: str, decline_code: str = "") -> Guidance:
    return DECLINE_GUIDANCE.get(decline_code) or DECLINE_GUIDANCE.get(code) or UNKNOWN_DECLINE


class PaymentDeclined(AppError):
    """The processor declined the card; `intent` is the PaymentIntent as it stands after it."""

    def __init__(self, *, intent: IntentState) -> None:
        guidance = guidance_for(code=intent.failure_code, decline_code=intent.decline_code)
        super().__init__(
            message=guidance.message,
            code=intent.failure_code or "card_declined",
            status=402,
            retryable=guidance.retryable,
            suggestion=guidance.suggestion,
            extra={"decline_code": intent.decline_code or None},
        )
        self.intent = intent


class GatewayUnavailable(AppError):
    """The processor could not be reached, timed out, or rate-limited us after retries."""

    def __init__(self) -> None:
        super().__init__(
            message="The payment service is temporarily unavailable. Nothing was charged twice.",
            code="payment_service_unavailable",
            status=503,
            retryable=True,
            suggestion="Try again in a few seconds with the same Idempotency-Key.",
        )


class StripeRequestInFlight(AppError):
    """Stripe is still running an earlier attempt of this very request (its 409)."""

    def __init__(self) -> None:
        super().__init__(
            message="The payment service is still processing this payment.",
            code="payment_in_progress",
            status=409,
            retryable=True,
            suggestion="Check the payment's status, or retry in a few seconds.",
        )


class PaymentMethodRejected(AppError):
    """Stripe refused the PaymentMethod itself (unknown, used up, another customer's)."""

    def __init__(self, message: str) -> None:
        super().__init__(
            message=message or "This payment method cannot be used.",
            code="invalid_payment_method",
            status=400,
            suggestion="Choose another card or payment method, then start the purchase again.",
        )


class IntentStateConflict(Exception):
    """The PaymentIntent is not in a state that allows the call (e.g. already succeeded)."""


class GatewayKeyReused(Exception):
    """The processor already ran a request under this idempotency key with other parameters."""


class PaymentUnknown(Exception):
    """An event names one of our payments that is not in the ledger (yet): retry it later."""


class CourseUnavailable(AppError):
    def __init__(self, slug: str) -> None:
        super().__init__(
            message=f"There is no course {quote(slug)} for sale.",
            code="course_not_found",
            status=404,
        )


class AlreadyEnrolled(AppError):
    def __init__(self) -> None:
        super().__init__(
            message="You already own this course.",
            code="already_enrolled",
            status=409,
            suggestion="Open the course from your enrollments.",
        )


class PaymentNotFinished(AppError):
    """A payment whose outcome Stripe has not told us yet cannot be started again."""

    def __init__(self, status: str) -> None:
        super().__init__(
            message=f"This course's payment is {status}; wait for it to finish.",
            code="payment_in_progress",
            status=409,
            retryable=True,
            suggestion="Check the payment's status in a few seconds.",
        )


class IdempotencyKeyReused(AppError):
    def __init__(self) -> None:
        super().__init__(
            message="This Idempotency-Key was already used for a different request.",
            code="idempotency_key_reused",
            status=422,
            suggestion="Use a new Idempotency-Key for a new request.",
        )


class IdempotencyKeyInUse(AppError):
    def __init__(self) -> None:
        super().__init__(
            message="A request with this Idempotency-Key is still being processed.",
            code="idempotency_key_in_use",
            status=409,
            retryable=True,
            suggestion="Retry in a moment with the same Idempotency-Key.",
        )


class InvalidIdempotencyKey(AppError):
    def __init__(self) -> None:
        super().__init__(
            message="The Idempotency-Key header must be 1 to 255 printable characters.",
            code="invalid_idempotency_key",
            status=400,
        )


class SavedCardNotFound(AppError):
    """A card id that is not one of the learner's saved cards (another learner's included)."""

    def __init__(self) -> None:
        super().__init__(
            message="You have no saved card with this id.",
            code="payment_method_not_found",
            status=404,
            suggestion="List your saved cards, or pay with a new card.",
        )


class PriceUnavailable(AppError):
    def __init__(self, price_id: str) -> None:
        super().__init__(
            message=f"There is no price {price_id[:64]!r} for sale.",
            code="price_not_found",
            status=404,
            suggestion="Use a course's current price, or name the course instead.",
        )


class RefundRejected(AppError):
    """The processor refused a refund (more than remains at Stripe, already refunded...)."""

    def __init__(self, *, code: str, message: str) -> None:
        super().__init__(
            message=message or "Stripe refused the refund.",
            code="refund_rejected",
            status=409,
            extra={"stripe_code": code or None},
        )
        self.stripe_code = code


class RefundRefused(AppError):
    """A refund our rules forbid: the message says which rule, for the person refunding."""

    def __init__(self, message: str, *, code: str, status: int = 409, suggestion: str = "") -> None:
        super().__init__(message=message, code=code, status=status, suggestion=suggestion)


class StripeObjectMissing(AppError):
    """The processor has no object with this id (a Checkout Session or PaymentIntent id)."""

    def __init__(self, object_id: str) -> None:
        super().__init__(
            message=f"There is no payment {quote(object_id)}.",
            code="not_found",
            status=404,
        )


class ContractNotFound(AppError):
    """An id a seed contract's caller named that is not ours (a product, customer, price)."""

    def __init__(self, message: str) -> None:
        super().__init__(message=message, code="not_found", status=404)


class ContractForbidden(AppError):
    def __init__(self, message: str) -> None:
        super().__init__(message=message, code="forbidden", status=403)


class ProductExists(AppError):
    def __init__(self, external_id: str) -> None:
        super().__init__(
            message=f"A product with externalProductId {quote(external_id)} already exists.",
            code="product_exists",
            status=409,
        )
