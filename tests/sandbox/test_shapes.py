"""Every object carries the fields its SDK class declares, typed as declared, and matches the
shape of Stripe's own example of it (`../shared/stripe/fixtures3.json`)."""

from __future__ import annotations

import json
import types
import typing
from pathlib import Path
from typing import Any, ClassVar, Literal, Union

import pytest
import stripe
from stripe._list_object import ListObject
from stripe._stripe_object import StripeObject, UntypedStripeObject

FIXTURES = Path(__file__).resolve().parents[2] / ".." / "shared" / "stripe" / "fixtures3.json"

# Fields Stripe includes only when expanded, per object type; `deleted` only on tombstones.
LEFT_OUT_UNLESS_EXPANDED = {
    "customer": {"cash_balance", "invoice_credit_balance", "sources", "subscriptions", "tax"}
    | {"tax_ids"},
    "price": {"currency_options", "tiers"},
    "charge": {"refunds"},
    "checkout.session": {"line_items"},
    "invoice": {"confirmation_secret", "payments"},
}

# Fields the examples still show that the pinned version removed (an invoice now names its
# subscription under `parent.subscription_details`).
REMOVED_SINCE_EXAMPLES = {"invoice": {"subscription"}}

CLASSES: dict[str, type[StripeObject]] = {
    cls.OBJECT_NAME: cls
    for cls in (
        stripe.Account,
        stripe.BalanceTransaction,
        stripe.Charge,
        stripe.checkout.Session,
        stripe.Customer,
        stripe.Event,
        stripe.PaymentIntent,
        stripe.PaymentMethod,
        stripe.Price,
        stripe.Product,
        stripe.Refund,
        stripe.SetupIntent,
        stripe.Subscription,
        stripe.Invoice,
        stripe.WebhookEndpoint,
    )
}


@pytest.fixture
def objects(client, raw) -> dict[str, dict[str, Any]]:
    """One JSON object of each type, as the wire carries it."""
    customer = client.v1.customers.create({"email": "ada@example.com"})
    product = client.v1.products.create(
        {"name": "Course", "default_price_data": {"currency": "usd", "unit_amount": 4900}}
    )
    intent = client.v1.payment_intents.create(
        {
            "amount": 4900,
            "currency": "usd",
            "customer": customer.id,
            "payment_method": "pm_card_visa",
            "confirm": True,
        }
    )
    charge = client.v1.charges.retrieve(intent.latest_charge)
    refund = client.v1.refunds.create({"payment_intent": intent.id, "amount": 100})
    endpoint = client.v1.webhook_endpoints.create(
        {"url": "http://127.0.0.1:9/hooks", "enabled_events": ["*"]}
    )
    session = client.v1.checkout.sessions.create(
        {"mode": "payment", "line_items": [{"price": str(product.default_price), "quantity": 1}]}
    )
    setup_intent = client.v1.setup_intents.create(
        {"customer": customer.id, "payment_method": "pm_card_visa", "confirm": True}
    )
    monthly = client.v1.prices.create(
        {
            "currency": "usd",
            "unit_amount": 900,
            "recurring": {"interval": "month"},
            "product": product.id,
        }
    )
    subscription = client.v1.subscriptions.create(
        {
            "customer": customer.id,
            "items": [{"price": monthly.id}],
            "payment_behavior": "default_incomplete",
        }
    )
    event = client.v1.events.list({"limit": 1}).data[0]
    paths = {
        "account": "/v1/account",
        "balance_transaction": f"/v1/balance_transactions/{charge.balance_transaction}",
        "charge": f"/v1/charges/{charge.id}",
        "checkout.session": f"/v1/checkout/sessions/{session.id}",
        "invoice": f"/v1/invoices/{subscription.latest_invoice}",
        "setup_intent": f"/v1/setup_intents/{setup_intent.id}",
        "subscription": f"/v1/subscriptions/{subscription.id}",
        "customer": f"/v1/customers/{customer.id}",
        "event": f"/v1/events/{event.id}",
        "payment_intent": f"/v1/payment_intents/{intent.id}",
        "payment_method": f"/v1/payment_methods/{intent.payment_method}",
        "price": f"/v1/prices/{product.default_price}",
        "product": f"/v1/products/{product.id}",
        "refund": f"/v1/refunds/{refund.id}",
        "webhook_endpoint": f"/v1/webhook_endpoints/{endpoint.id}",
    }
    return {name: raw("GET", path).body for name, path in paths.items()}


def declared(cls: type) -> dict[str, Any]:
    return {
        name: annotation
        for name, annotation in vars(cls).get("__annotations__", {}).items()
        if typing.get_origin(annotation) is not ClassVar
    }


def type_errors(value: Any, annotation: Any, path: str) -> list[str]:
    """Where `value` (decoded JSON) does not fit the declared `annotation`."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (Union, types.UnionType):
        if value is None and type(None) in args:
            return []
        options = [arg for arg in args if arg is not type(None)]
        attempts = [type_errors(value, option, path) for option in options]
        return [] if any(not errors for errors in attempts) else attempts[0]
    if isinstance(annotation, typing.ForwardRef):
        return [] if isinstance(value, dict) else [f"{path}: expected an expanded object"]
    if origin is Literal:
        return [] if value in args else [f"{path}: {value!r} not in {args}"]
    if origin is list:
        if not isinstance(value, list):
            return [f"{path}: expected a list"]
        return [
            e for i, item in enumerate(value) for e in type_errors(item, args[0], f"{path}[{i}]")
        ]
    if origin in (dict, UntypedStripeObject) or origin is ListObject:
        return [] if isinstance(value, dict) else [f"{path}: expected a hash"]
    if isinstance(annotation, type) and issubclass(annotation, StripeObject):
        if not isinstance(value, dict):
            return [f"{path}: expected an object"]
        fields = declared(annotation)
        return [
            e
            for name, item in value.items()
            if name in fields
            for e in type_errors(item, fields[name], f"{path}.{name}")
        ]
    scalars: dict[Any, type | tuple[type, ...]] = {
        int: int,
        str: str,
        bool: bool,
        float: (int, float),
    }
    expected = scalars.get(annotation)
    if expected is None:
        return []
    if isinstance(value, bool) and annotation is not bool:
        return [f"{path}: expected {annotation.__name__}, got a boolean"]
    return [] if isinstance(value, expected) else [f"{path}: expected {annotation.__name__}"]


@pytest.mark.parametrize("object_name", sorted(CLASSES))
def test_fields_are_the_ones_the_sdk_declares(objects, object_name) -> None:
    expected = set(declared(CLASSES[object_name])) - {"deleted"}
    expected -= LEFT_OUT_UNLESS_EXPANDED.get(object_name, set())

    assert set(objects[object_name]) == expected


@pytest.mark.parametrize("object_name", sorted(CLASSES))
def test_values_have_the_declared_types(objects, object_name) -> None:
    cls = CLASSES[object_name]

    assert type_errors(objects[object_name], cls, object_name) == []


@pytest.mark.parametrize("object_name", sorted(CLASSES))
def test_object_livemode_and_created_are_as_stripe_writes_them(objects, object_name) -> None:
    obj = objects[object_name]

    assert obj["object"] == object_name
    assert obj.get("livemode", False) is False
    assert isinstance(obj["created"], int)


def json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


@pytest.mark.parametrize("object_name", sorted(CLASSES))
def test_fields_match_stripes_own_example(objects, object_name) -> None:
    if not FIXTURES.exists():
        pytest.skip(f"{FIXTURES} is absent")
    example = json.loads(FIXTURES.read_text())["resources"][object_name]
    ours = objects[object_name]

    # The examples predate dahlia's includable fields (a Charge's `refunds`).
    missing = set(example) - set(ours) - LEFT_OUT_UNLESS_EXPANDED.get(object_name, set())
    missing -= REMOVED_SINCE_EXAMPLES.get(object_name, set())
    mismatched = {
        name: (json_kind(ours[name]), json_kind(value))
        for name, value in example.items()
        if name in ours
        and value is not None
        and ours[name] is not None
        and json_kind(ours[name]) != json_kind(value)
    }

    assert missing == set()
    assert mismatched == {}
