"""What PaymentIntents and SetupIntents share: status checks, the PaymentMethod a confirmation
uses, 3-D Secure, the recorded error of a failed attempt and cancellation.

Each helper takes the intent object itself and reads its `object` (`payment_intent` or
`setup_intent`) for the names Stripe puts in messages, error codes and event types.
"""

from __future__ import annotations

import copy
from typing import Any

from stripe_sandbox import cards, errors, shapes
from stripe_sandbox.resource import Resource
from stripe_sandbox.resources import payment_methods
from stripe_sandbox.resources.common import live
from stripe_sandbox.routing import Call, JsonObject
from stripe_sandbox.store import random_token


def _noun(intent: JsonObject) -> str:
    """`PaymentIntent` or `SetupIntent`, as Stripe names the intent in messages."""
    return "".join(word.capitalize() for word in intent["object"].split("_"))


def _noun_of(kind: Resource) -> str:
    return _noun({"object": kind.object_name})


def require_usable_by(customer_id: str | None, payment_method: JsonObject, *, noun: str) -> None:
    """A PaymentMethod saved to a Customer serves that Customer's intents only: with another
    Customer's intent Stripe answers as if the card did not exist for it, and without a
    Customer it asks for the owner to be named."""
    owner = payment_method["customer"]
    if owner is None or owner == customer_id:
        return
    if customer_id is None:
        raise errors.invalid_request(
            f"The provided PaymentMethod ({payment_method['id']}) is attached to a Customer. "
            f"To use it with this {noun}, you must provide that Customer in the `customer` "
            "parameter.",
            param="customer",
        )
    raise errors.invalid_request(
        f"The customer does not have a payment method with the ID {payment_method['id']}. The "
        "payment method must be attached to the customer.",
        param="payment_method",
        code="resource_missing",
    )


def require_status(intent: JsonObject, action: str, allowed: frozenset[str]) -> None:
    """Answer 400 `<object>_unexpected_state` unless the intent's status is in `allowed`."""
    if intent["status"] not in allowed:
        noun = _noun(intent)
        raise errors.unexpected_state(
            f"You cannot {action} this {noun} because it has a status of {intent['status']}. "
            f"Only a {noun} with one of the following statuses allows it: "
            f"{', '.join(sorted(allowed))}.",
            code=f"{intent['object']}_unexpected_state",
            extra={intent["object"]: copy.deepcopy(intent)},
        )


def automatic_payment_methods(resource: type[Any], params: JsonObject) -> JsonObject | None:
    """The `automatic_payment_methods` of a new intent: on unless the create parameters name
    `payment_method_types` or turn it off, redirects allowed unless they say otherwise."""
    automatic = params.get(
        "automatic_payment_methods", {"enabled": "payment_method_types" not in params}
    )
    if not automatic.get("enabled"):
        return None
    return shapes.nested(
        resource.AutomaticPaymentMethods,
        enabled=True,
        allow_redirects=automatic.get("allow_redirects", "always"),
    )


def create_intent(call: Call, kind: Resource, params: JsonObject, **fields: Any) -> JsonObject:
    """Store and announce (`<object>.created`) a new intent of `kind` from create
    parameters: the customer must be live and the PaymentMethod is resolved, then the fields
    every intent sets alike, then the resource's own `fields`. The caller confirms it."""
    if params.get("customer"):
        live(call.store, "customer", params["customer"], param="customer")
    payment_method = requested_payment_method(call, params)
    if payment_method is not None:
        require_usable_by(params.get("customer") or None, payment_method, noun=_noun_of(kind))
    intent_id = kind.new_id()
    intent = kind.build(
        id=intent_id,
        automatic_payment_methods=automatic_payment_methods(kind.cls, params),
        client_secret=f"{intent_id}_secret_{random_token(25)}",
        created=call.now(),
        customer=params.get("customer") or None,
        description=params.get("description"),
        livemode=False,
        metadata=dict(params.get("metadata") or {}),
        payment_method=payment_method["id"] if payment_method else None,
        payment_method_types=params.get("payment_method_types", ["card"]),
        status="requires_confirmation" if payment_method else "requires_payment_method",
        **fields,
    )
    call.store.add(intent)
    call.emit(f"{intent['object']}.created", intent)
    return intent


def requested_payment_method(call: Call, params: JsonObject) -> JsonObject | None:
    """The PaymentMethod `params["payment_method"]` names (resolved, so a test token makes
    one), or None when the parameters name none."""
    if not params.get("payment_method"):
        return None
    return payment_methods.resolve(call, params["payment_method"])


def payment_method_to_confirm(call: Call, intent: JsonObject) -> JsonObject:
    """The intent's PaymentMethod; answers 400 when the intent has none to confirm with."""
    if intent["payment_method"] is None:
        noun = _noun(intent)
        raise errors.unexpected_state(
            f"You cannot confirm this {noun} because it's missing a payment method. To confirm "
            f"the {noun} with a PaymentMethod, provide the payment_method parameter.",
            code=f"{intent['object']}_unexpected_state",
            extra={"param": "payment_method", intent["object"]: copy.deepcopy(intent)},
        )
    payment_method = call.store.get("payment_method", intent["payment_method"])
    require_usable_by(intent["customer"], payment_method, noun=_noun(intent))
    return payment_method


def use_requested_payment_method(call: Call, intent: JsonObject, params: JsonObject) -> None:
    """Make `params["payment_method"]` (if given) the intent's, once it is known to be usable
    with the intent's Customer: a refused card leaves the intent as it was."""
    requested = requested_payment_method(call, params)
    if requested is not None:
        require_usable_by(intent["customer"], requested, noun=_noun(intent))
        intent["payment_method"] = requested["id"]


def payment_method_to_authenticate(call: Call, intent: JsonObject) -> JsonObject:
    """Start taking the cardholder's 3-D Secure answer: the intent must be in
    `requires_action`; its `next_action` is cleared and its PaymentMethod returned."""
    require_status(intent, "authenticate", frozenset({"requires_action"}))
    intent["next_action"] = None
    return call.store.get("payment_method", intent["payment_method"])


def require_authentication(
    call: Call,
    intent: JsonObject,
    *,
    resource: type[Any],
    return_url: str | None,
) -> JsonObject:
    """Put a PaymentIntent or SetupIntent in `requires_action` for 3-D Secure, as Stripe does:
    a redirect when the client gave a `return_url`, else a step for Stripe.js to run."""
    collection = f"{intent['object']}s"
    authenticate_url = f"{call.base_url}/_sandbox/{collection}/{intent['id']}/authenticate"
    if return_url:
        next_action = shapes.nested(
            resource.NextAction,
            type="redirect_to_url",
            redirect_to_url=shapes.nested(
                resource.NextAction.RedirectToUrl, return_url=return_url, url=authenticate_url
            ),
        )
    else:
        next_action = shapes.nested(
            resource.NextAction,
            type="use_stripe_sdk",
            use_stripe_sdk={
                "type": "three_d_secure_redirect",
                "stripe_js": authenticate_url,
                "source": intent["payment_method"],
            },
        )
    intent.update(status="requires_action", next_action=next_action)
    call.emit(f"{intent['object']}.requires_action", intent)
    return intent


def attempt_error(
    error_class: type[Any],
    payment_method: JsonObject,
    *,
    code: str,
    message: str,
    error_type: str,
    **details: Any,
) -> JsonObject:
    """A `last_payment_error` or `last_setup_error` (`error_class`) for a failed attempt with a
    card `payment_method`; `details` sets further fields (`decline_code`, `charge`)."""
    return shapes.nested(
        error_class,
        code=code,
        doc_url=f"{errors.DOCS}#{code.replace('_', '-')}",
        message=message,
        payment_method=copy.deepcopy(payment_method),
        payment_method_type="card",
        type=error_type,
        **details,
    )


def card_declined(
    decline: cards.Decline, intent: JsonObject, payment_method: JsonObject, **extra: Any
) -> errors.StripeError:
    """The 402 `card_error` of a declined attempt, carrying copies of the intent and the
    PaymentMethod and any `extra` fields (such as `charge`), in alphabetical order."""
    fields = {
        **extra,
        intent["object"]: copy.deepcopy(intent),
        "payment_method": copy.deepcopy(payment_method),
    }
    return errors.card_error(
        decline.message,
        code=decline.code,
        decline_code=decline.decline_code,
        extra=dict(sorted(fields.items())),
    )


def mark_canceled(call: Call, intent: JsonObject, reason: str | None, **fields: Any) -> JsonObject:
    """Cancel the intent (its status already checked) with `reason` and any further `fields`,
    and announce it."""
    intent.update(status="canceled", cancellation_reason=reason, next_action=None, **fields)
    call.emit(f"{intent['object']}.canceled", intent)
    return intent
