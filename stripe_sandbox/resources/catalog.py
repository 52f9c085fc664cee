"""The catalog: Products (with metadata, `default_price_data`, an always empty feature list)
and their Prices (`lookup_key`s, list by product)."""

from __future__ import annotations

from typing import Any

import stripe
from stripe.params import (
    PriceCreateParams,
    PriceListParams,
    PriceRetrieveParams,
    PriceUpdateParams,
    ProductCreateParams,
    ProductDeleteParams,
    ProductListFeaturesParams,
    ProductListParams,
    ProductRetrieveParams,
    ProductUpdateParams,
)

from stripe_sandbox import errors, shapes
from stripe_sandbox.resource import Resource
from stripe_sandbox.resources.common import (
    apply_changes,
    live,
    paginate,
    picked,
    select_matching,
    update_and_announce,
)
from stripe_sandbox.routing import Call, JsonObject, Router
from stripe_sandbox.store import Store

PRODUCT = Resource(stripe.Product, "prod_", 14)
PRICE = Resource(stripe.Price, "price_", 24, includable=frozenset({"currency_options", "tiers"}))
router = Router((PRODUCT, PRICE))

_PRODUCT_FIELDS = (
    "active",
    "description",
    "images",
    "metadata",
    "name",
    "shippable",
    "statement_descriptor",
    "tax_code",
    "unit_label",
    "url",
)


def create_product(call: Call, params: JsonObject) -> JsonObject:
    now = call.now()
    fields = {
        name: (None if params[name] == "" else params[name])
        for name in _PRODUCT_FIELDS
        if name in params
    }
    product = PRODUCT.build(
        id=params.get("id") or PRODUCT.new_id(),
        active=True,
        created=now,
        images=[],
        livemode=False,
        marketing_features=[],
        metadata={},
        type=params.get("type", "service"),
        updated=now,
    )
    product.update(fields)
    call.store.add(product)
    call.emit("product.created", product)
    return product


@router.post("/v1/products", ProductCreateParams)
def create_product_route(call: Call) -> JsonObject:
    product = create_product(call, call.params)
    if "default_price_data" in call.params:
        price = create_price(call, product["id"], call.params["default_price_data"])
        product["default_price"] = price["id"]
    return product


@router.get("/v1/products/{id}", ProductRetrieveParams)
def retrieve_product(call: Call) -> JsonObject:
    return live(call.store, "product", call.path["id"])


@router.post("/v1/products/{id}", ProductUpdateParams)
def update_product(call: Call) -> JsonObject:
    product = live(call.store, "product", call.path["id"])
    fields = picked(call.params, (*_PRODUCT_FIELDS, "default_price"))
    if fields.get("default_price"):
        price = live(call.store, "price", fields["default_price"], param="default_price")
        if price["product"] != product["id"]:
            raise errors.invalid_request(
                "The default price must belong to this product.", param="default_price"
            )
    previous = apply_changes(product, fields)
    if previous:
        previous["updated"] = product["updated"]
        product["updated"] = call.now()
        call.emit("product.updated", product, previous)
    return product


@router.delete("/v1/products/{id}", ProductDeleteParams)
def delete_product(call: Call) -> JsonObject:
    product = live(call.store, "product", call.path["id"])
    if any(price["product"] == product["id"] for price in call.store.all("price")):
        raise errors.invalid_request(
            "This product cannot be deleted because it has one or more user-created prices."
        )
    call.emit("product.deleted", product)
    return call.store.delete("product", product["id"])


@router.get("/v1/products", ProductListParams)
def list_products(call: Call) -> JsonObject:
    params = call.params
    found = select_matching(call, "product", ("active", "shippable", "type", "url"))
    if "ids" in params:
        found = [product for product in found if product["id"] in params["ids"]]
    return paginate(call, found, "/v1/products")


@router.get("/v1/products/{id}/features", ProductListFeaturesParams)
def list_features(call: Call) -> JsonObject:
    product = live(call.store, "product", call.path["id"])
    return paginate(call, [], f"/v1/products/{product['id']}/features")


def create_price(call: Call, product_id: str, params: JsonObject) -> JsonObject:
    """A Price of `product_id` from create parameters (also `default_price_data`)."""
    lookup_key = _claim_lookup_key(call, params, price_id=None)
    unit_amount = params.get("unit_amount")
    if unit_amount is None and "unit_amount_decimal" in params:
        unit_amount = round(float(params["unit_amount_decimal"]))
    recurring = params.get("recurring")
    price = PRICE.build(
        id=PRICE.new_id(),
        active=params.get("active", True),
        billing_scheme=params.get("billing_scheme", "per_unit"),
        created=call.now(),
        currency=params["currency"].lower(),
        livemode=False,
        lookup_key=lookup_key,
        metadata=dict(params.get("metadata") or {}),
        nickname=params.get("nickname"),
        product=product_id,
        recurring=shapes.nested(
            stripe.Price.Recurring,
            interval=recurring["interval"],
            interval_count=recurring.get("interval_count", 1),
            usage_type=recurring.get("usage_type", "licensed"),
            trial_period_days=recurring.get("trial_period_days"),
        )
        if recurring
        else None,
        tax_behavior=params.get("tax_behavior", "unspecified"),
        type="recurring" if recurring else "one_time",
        unit_amount=unit_amount,
        unit_amount_decimal=None if unit_amount is None else str(unit_amount),
    )
    call.store.add(price)
    call.emit("price.created", price)
    return price


def _claim_lookup_key(call: Call, params: JsonObject, price_id: str | None) -> str | None:
    """The lookup key `params` asks for, taken from the price holding it if
    `transfer_lookup_key` allows (keys are unique among prices). Safe to call again: callers
    claim before writing anything, so a taken key leaves nothing half-created."""
    lookup_key = params.get("lookup_key") or None
    holder = next(
        (
            price
            for price in call.store.all("price")
            if lookup_key and price["lookup_key"] == lookup_key
        ),
        None,
    )
    if holder is None or holder["id"] == price_id:
        return lookup_key
    if not params.get("transfer_lookup_key"):
        raise errors.invalid_request(
            f"A price ({holder['id']}) already uses that lookup key.", param="lookup_key"
        )
    call.emit("price.updated", holder, apply_changes(holder, {"lookup_key": None}))
    return lookup_key


@router.post("/v1/prices", PriceCreateParams)
def create_price_route(call: Call) -> JsonObject:
    params = call.params
    if "product" in params:
        product_id = live(call.store, "product", params["product"], param="product")["id"]
    elif "product_data" in params:
        _claim_lookup_key(call, params, price_id=None)
        product_id = create_product(call, params["product_data"])["id"]
    else:
        raise errors.parameter_missing("product")
    return create_price(call, product_id, params)


@router.get("/v1/prices/{id}", PriceRetrieveParams)
def retrieve_price(call: Call) -> JsonObject:
    return live(call.store, "price", call.path["id"])


@router.post("/v1/prices/{id}", PriceUpdateParams)
def update_price(call: Call) -> JsonObject:
    price = live(call.store, "price", call.path["id"])
    fields = picked(call.params, ("active", "metadata", "nickname", "tax_behavior"))
    if "lookup_key" in call.params:
        fields["lookup_key"] = _claim_lookup_key(call, call.params, price_id=price["id"])
    return update_and_announce(call, price, fields)


@router.get("/v1/prices", PriceListParams)
def list_prices(call: Call) -> JsonObject:
    params = call.params
    found = select_matching(call, "price", ("active", "product", "type", "currency"))
    if "lookup_keys" in params:
        found = [price for price in found if price["lookup_key"] in params["lookup_keys"]]
    if "recurring" in params:
        wanted = params["recurring"]
        found = [
            price
            for price in found
            if price["recurring"]
            and all(price["recurring"].get(name) == value for name, value in wanted.items())
        ]
    return paginate(call, found, "/v1/prices")


@router.includable("price", "currency_options")
def _currency_options(store: Store, price: JsonObject) -> dict[str, Any]:
    """Only the price's own currency: the sandbox keeps no other currency options."""
    return {
        price["currency"]: shapes.nested(
            stripe.Price.CurrencyOptions,
            tax_behavior=price["tax_behavior"],
            unit_amount=price["unit_amount"],
            unit_amount_decimal=price["unit_amount_decimal"],
        )
    }


@router.includable("price", "tiers")
def _tiers(store: Store, price: JsonObject) -> None:
    return None
