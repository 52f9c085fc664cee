"""Customers: create, retrieve, update, delete, list (by `email`), their PaymentMethods.

`invoice_settings[default_payment_method]` names a PaymentMethod attached to the Customer (or,
at creation, the `payment_method` being attached); detaching that PaymentMethod unsets it.
"""

from __future__ import annotations

from typing import Any

import stripe
from stripe.params import (
    CustomerCreateParams,
    CustomerDeleteParams,
    CustomerListParams,
    CustomerListPaymentMethodsParams,
    CustomerRetrieveParams,
    CustomerRetrievePaymentMethodParams,
    CustomerUpdateParams,
)

from stripe_sandbox import errors, shapes
from stripe_sandbox.resource import Resource
from stripe_sandbox.resources import payment_methods
from stripe_sandbox.resources.common import (
    live,
    paginate,
    select,
    update_and_announce,
)
from stripe_sandbox.routing import Call, Includer, JsonObject, Router
from stripe_sandbox.store import Store, random_token

CUSTOMER = Resource(
    stripe.Customer,
    "cus_",
    14,
    includable=frozenset(
        {"cash_balance", "invoice_credit_balance", "sources", "subscriptions", "tax", "tax_ids"}
    ),
)
router = Router((CUSTOMER,))

# Parameters stored unchanged on the Customer; `""` (Stripe's "unset") stores null.
_PLAIN_FIELDS = (
    "balance",
    "business_name",
    "description",
    "email",
    "individual_name",
    "invoice_prefix",
    "name",
    "next_invoice_sequence",
    "phone",
    "preferred_locales",
    "tax_exempt",
)


def _fields_from(params: JsonObject, current_invoice_settings: JsonObject) -> JsonObject:
    fields: JsonObject = {
        name: (None if params[name] == "" else params[name])
        for name in _PLAIN_FIELDS
        if name in params
    }
    if "metadata" in params:
        fields["metadata"] = params["metadata"]
    if "address" in params:
        fields["address"] = _address(stripe.Customer.Address, params["address"])
    if "shipping" in params:
        shipping = params["shipping"]
        fields["shipping"] = (
            shapes.nested(
                stripe.Customer.Shipping,
                address=_address(stripe.Customer.Shipping.Address, shipping["address"]),
                name=shipping.get("name"),
                phone=shipping.get("phone"),
            )
            if shipping
            else None
        )
    if "invoice_settings" in params:
        settings = dict(current_invoice_settings)
        for name in ("default_payment_method", "footer"):
            if name in params["invoice_settings"]:
                settings[name] = params["invoice_settings"][name] or None
        fields["invoice_settings"] = settings
    return fields


def _address(cls: type, value: dict[str, Any] | str) -> JsonObject | None:
    return shapes.nested(cls, **value) if isinstance(value, dict) and value else None


DEFAULT_PAYMENT_METHOD_PARAM = "invoice_settings[default_payment_method]"


def _requested_default(params: JsonObject) -> str | None:
    settings = params.get("invoice_settings")
    return (settings.get("default_payment_method") or None) if isinstance(settings, dict) else None


def _require_attached(call: Call, customer_id: str, payment_method_id: str) -> None:
    payment_method = live(
        call.store, "payment_method", payment_method_id, param=DEFAULT_PAYMENT_METHOD_PARAM
    )
    if payment_method["customer"] != customer_id:
        raise errors.invalid_request(
            f"The customer does not have a payment method with the ID {payment_method_id}. The "
            "payment method must be attached to the customer.",
            param=DEFAULT_PAYMENT_METHOD_PARAM,
            code="resource_missing",
        )


@router.post("/v1/customers", CustomerCreateParams)
def create(call: Call) -> JsonObject:
    return create_from(call, call.params)


def create_from(call: Call, params: JsonObject) -> JsonObject:
    """A Customer from create parameters (also the one Checkout creates for a shopper)."""
    default = _requested_default(params)
    to_attach = (
        payment_methods.resolve(call, params["payment_method"])
        if params.get("payment_method")
        else None
    )
    if default is not None and default != params.get("payment_method"):
        _require_attached(call, "", default)  # a new customer has nothing attached yet
    customer_id = CUSTOMER.new_id()
    customer = CUSTOMER.build(
        id=customer_id,
        balance=0,
        created=call.now(),
        delinquent=False,
        invoice_prefix=random_token(8).upper(),
        invoice_settings=shapes.nested(stripe.Customer.InvoiceSettings),
        livemode=False,
        metadata={},
        next_invoice_sequence=1,
        preferred_locales=[],
        tax_exempt="none",
    )
    fields = _fields_from(params, customer["invoice_settings"])
    fields["metadata"] = {k: v for k, v in (fields.get("metadata") or {}).items() if v}
    customer.update(fields)
    if default is not None and to_attach is not None:
        customer["invoice_settings"]["default_payment_method"] = to_attach["id"]
    call.store.add(customer)
    call.emit("customer.created", customer)
    if to_attach is not None:
        payment_methods.attach_to(call, to_attach["id"], customer_id)
    return customer


@router.get("/v1/customers/{id}", CustomerRetrieveParams)
def retrieve(call: Call) -> JsonObject:
    return call.store.get("customer", call.path["id"])


@router.post("/v1/customers/{id}", CustomerUpdateParams)
def update(call: Call) -> JsonObject:
    customer = live(call.store, "customer", call.path["id"])
    default = _requested_default(call.params)
    if default is not None:
        _require_attached(call, customer["id"], default)
    return update_and_announce(
        call, customer, _fields_from(call.params, customer["invoice_settings"])
    )


def forget_default_payment_method(call: Call, payment_method: JsonObject, customer_id: str) -> None:
    """A PaymentMethod left `customer_id`: it is no longer its default."""
    customer = call.store.find(customer_id)
    if customer is None or customer.get("deleted"):
        return
    settings = customer["invoice_settings"]
    if settings.get("default_payment_method") == payment_method["id"]:
        update_and_announce(
            call, customer, {"invoice_settings": {**settings, "default_payment_method": None}}
        )


@router.delete("/v1/customers/{id}", CustomerDeleteParams)
def delete(call: Call) -> JsonObject:
    customer = live(call.store, "customer", call.path["id"])
    call.emit("customer.deleted", customer)
    return call.store.delete("customer", customer["id"])


@router.get("/v1/customers", CustomerListParams)
def list_customers(call: Call) -> JsonObject:
    return paginate(call, select(call, "customer", email=call.params.get("email")), "/v1/customers")


@router.get("/v1/customers/{id}/payment_methods", CustomerListPaymentMethodsParams)
def list_payment_methods(call: Call) -> JsonObject:
    customer = live(call.store, "customer", call.path["id"])
    found = select(call, "payment_method", customer=customer["id"], type=call.params.get("type"))
    return paginate(call, found, f"/v1/customers/{customer['id']}/payment_methods")


@router.get(
    "/v1/customers/{id}/payment_methods/{payment_method}", CustomerRetrievePaymentMethodParams
)
def retrieve_payment_method(call: Call) -> JsonObject:
    """One of the Customer's PaymentMethods; another Customer's answers as if it did not exist."""
    customer = live(call.store, "customer", call.path["id"])
    payment_method_id = call.path["payment_method"]
    payment_method = call.store.find(payment_method_id)
    if (
        payment_method is None
        or payment_method.get("object") != "payment_method"
        or payment_method["customer"] != customer["id"]
    ):
        raise errors.resource_missing("payment_method", payment_method_id, param="payment_method")
    return payment_method


def _empty_list(suffix: str) -> Includer:
    def include(store: Store, customer: JsonObject) -> JsonObject:
        return shapes.list_object(f"/v1/customers/{customer['id']}/{suffix}")

    return include


# The sandbox keeps no sources, tax ids or balances: expanding them answers what Stripe
# answers for a customer without any. (`subscriptions` is built by `subscriptions`.)
for _name in ("sources", "tax_ids"):
    router.includable("customer", _name)(_empty_list(_name))
router.includable("customer", "cash_balance")(lambda store, customer: None)
router.includable("customer", "invoice_credit_balance")(lambda store, customer: {})
router.includable("customer", "tax")(lambda store, customer: None)
