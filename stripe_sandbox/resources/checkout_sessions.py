"""Checkout Sessions: create, retrieve, list, expire, line items; completed by a shopper on the
hosted or embedded page (or by the control API), which creates and confirms the payment.

open -> complete (payment_status paid, or no_payment_required in setup mode), or open ->
expired (by the API, the control API, or the sandbox clock passing `expires_at`, noticed on
the next read). On the pinned API version `ui_mode` is `hosted_page` (the session has a `url`),
`embedded_page` (a `client_secret`, and `return_url` unless `redirect_on_completion=never`) or
`elements`; versions from 2026-03-25.dahlia reject the older `hosted`, `embedded`, `custom`.
The PaymentIntent is created when the shopper pays, as Stripe has done since 2022-08-01.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import stripe
from stripe.params.checkout import (
    SessionCreateParams,
    SessionExpireParams,
    SessionListLineItemsParams,
    SessionListParams,
    SessionRetrieveParams,
)

from stripe_sandbox import errors, shapes, validation
from stripe_sandbox.resource import Resource
from stripe_sandbox.resources import catalog, payment_intents, payment_methods, setup_intents
from stripe_sandbox.resources.common import live, paginate, select_matching
from stripe_sandbox.routing import Call, JsonObject, Router
from stripe_sandbox.store import Store, random_token

SESSION = Resource(stripe.checkout.Session, "cs_test_", 58, includable=frozenset({"line_items"}))
LINE_ITEM = Resource(stripe.LineItem, "li_", 24, includable=frozenset({"discounts", "taxes"}))
router = Router((SESSION, LINE_ITEM))

SESSION_ID_PLACEHOLDER = "{CHECKOUT_SESSION_ID}"
MIN_LIFETIME_SECONDS = 30 * 60
MAX_LIFETIME_SECONDS = 24 * 60 * 60
UI_MODES_RENAMED_IN = "2026-03-25"
"""From this API version on, `ui_mode` takes the new names only."""
RENAMED_UI_MODES = {"hosted": "hosted_page", "embedded": "embedded_page", "custom": "elements"}


def _declared_ui_modes() -> tuple[str, ...]:
    """The `ui_mode` values the pinned SDK's create parameters declare."""
    node = validation.schema(SessionCreateParams).fields["ui_mode"]
    options = node.options if isinstance(node, validation.OneOf) else (node,)
    return next(option.values for option in options if isinstance(option, validation.Enum))


_CURRENT_UI_MODES = _declared_ui_modes()
EMBEDDED_MODES = frozenset({"embedded_page", "embedded"})
HOSTED_MODES = frozenset({"hosted_page", "hosted"})


def line_items_key(session_id: str) -> str:
    """The store key of a session's line items, kept beside the session because Stripe shows
    them only through `line_items` (expand or the list endpoint)."""
    return f"{session_id}/line_items"


def redirect_url(template: str | None, session_id: str) -> str | None:
    return template.replace(SESSION_ID_PLACEHOLDER, session_id) if template else None


def session_id_of_secret(client_secret: str) -> str:
    return client_secret.partition("_secret_")[0]


def _ui_mode(call: Call, params: JsonObject) -> str:
    ui_mode = params.get("ui_mode", "hosted_page")
    renamed = call.api_version[:10] >= UI_MODES_RENAMED_IN
    allowed = _CURRENT_UI_MODES if renamed else (*_CURRENT_UI_MODES, *RENAMED_UI_MODES)
    if ui_mode not in allowed:
        raise errors.parameter_invalid(
            "ui_mode", "enum", f"Invalid ui_mode: must be one of {', '.join(sorted(allowed))}"
        )
    return str(ui_mode)


def _check_urls(params: JsonObject, ui_mode: str) -> None:
    if ui_mode in EMBEDDED_MODES:
        for name in ("success_url", "cancel_url"):
            if name in params:
                raise errors.invalid_request(
                    f"`{name}` is not allowed when `ui_mode` is `{ui_mode}`.", param=name
                )
        if "return_url" not in params and params.get("redirect_on_completion") != "never":
            raise errors.invalid_request(
                "`return_url` is required when `ui_mode` is `embedded_page` unless "
                "`redirect_on_completion` is `never`.",
                param="return_url",
                code="parameter_missing",
            )
    elif "return_url" in params and ui_mode in HOSTED_MODES:
        raise errors.invalid_request(
            f"`return_url` is not allowed when `ui_mode` is `{ui_mode}`.", param="return_url"
        )


def _expires_at(call: Call, params: JsonObject) -> int:
    now = call.now()
    expires_at = params.get("expires_at", now + MAX_LIFETIME_SECONDS)
    if not now + MIN_LIFETIME_SECONDS <= expires_at <= now + MAX_LIFETIME_SECONDS:
        raise errors.invalid_request(
            "The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout "
            "Session creation.",
            param="expires_at",
        )
    return int(expires_at)


def _price_for(call: Call, item: JsonObject, index: int) -> JsonObject:
    param = f"line_items[{index}]"
    if "price" in item:
        return live(call.store, "price", item["price"], param=f"{param}[price]")
    if "price_data" not in item:
        raise errors.invalid_request(
            f"You must specify either `price` or `price_data` in {param}.",
            param=param,
            code="parameter_missing",
        )
    data = item["price_data"]
    if "product" in data:
        product_id = live(call.store, "product", data["product"], param=f"{param}[price_data]")[
            "id"
        ]
    elif "product_data" in data:
        product_id = catalog.create_product(call, data["product_data"])["id"]
    else:
        raise errors.parameter_missing(f"{param}[price_data][product_data]")
    price = catalog.create_price(call, product_id, data)
    price["active"] = False  # an ad hoc price is not offered on its own
    return price


def _line_items(call: Call, params: JsonObject, mode: str) -> list[JsonObject]:
    items = params.get("line_items") or []
    if mode in ("payment", "subscription") and not items:
        raise errors.invalid_request(
            f"`line_items` is required in `{mode}` mode.",
            param="line_items",
            code="parameter_missing",
        )
    built = []
    for index, item in enumerate(items):
        price = _price_for(call, item, index)
        if price["unit_amount"] is None:
            raise errors.invalid_request("The price has no unit_amount.", param="line_items")
        if mode == "payment" and price["type"] == "recurring":
            raise errors.invalid_request(
                "You specified `payment` mode but passed a recurring price. Either switch to "
                "`subscription` mode or use only one-time prices.",
                param=f"line_items[{index}]",
            )
        quantity = item.get("quantity", 1)
        amount = price["unit_amount"] * quantity
        product = call.store.find(price["product"]) or {}
        built.append(
            LINE_ITEM.build(
                id=LINE_ITEM.new_id(),
                amount_discount=0,
                amount_subtotal=amount,
                amount_tax=0,
                amount_total=amount,
                currency=price["currency"],
                description=product.get("name"),
                metadata=dict(item.get("metadata") or {}),
                price=dict(price),
                quantity=quantity,
            )
        )
    currencies = {item["currency"] for item in built}
    if len(currencies) > 1:
        raise errors.invalid_request("All line items must share one currency.", param="line_items")
    return built


@router.post("/v1/checkout/sessions", SessionCreateParams)
def create(call: Call) -> JsonObject:
    params = call.params
    if "mode" not in params:
        raise errors.parameter_missing("mode")
    mode = params["mode"]
    ui_mode = _ui_mode(call, params)
    _check_urls(params, ui_mode)
    if params.get("customer"):
        live(call.store, "customer", params["customer"], param="customer")
        if params.get("customer_email"):
            raise errors.invalid_request(
                "You may only specify one of these parameters: customer, customer_email.",
                param="customer_email",
            )
    expires_at = _expires_at(call, params)
    items = _line_items(call, params, mode)
    session_id = SESSION.new_id()
    total = sum(item["amount_total"] for item in items)
    currency = items[0]["currency"] if items else params.get("currency")
    embedded = ui_mode in EMBEDDED_MODES
    session = SESSION.build(
        id=session_id,
        amount_subtotal=total if items else None,
        amount_total=total if items else None,
        automatic_tax=shapes.nested(stripe.checkout.Session.AutomaticTax, enabled=False),
        cancel_url=params.get("cancel_url"),
        client_reference_id=params.get("client_reference_id"),
        client_secret=f"{session_id}_secret_{random_token(24)}" if not _hosted(ui_mode) else None,
        created=call.now(),
        currency=currency,
        custom_text=shapes.nested(stripe.checkout.Session.CustomText),
        customer=params.get("customer") or None,
        customer_creation=params.get("customer_creation", "if_required")
        if mode == "payment" and not params.get("customer")
        else None,
        customer_email=params.get("customer_email"),
        expires_at=expires_at,
        livemode=False,
        locale=params.get("locale"),
        metadata=dict(params.get("metadata") or {}),
        mode=mode,
        origin_context=params.get("origin_context"),
        payment_method_collection="always" if mode != "payment" else None,
        payment_method_options={},
        payment_method_types=params.get("payment_method_types", ["card"]),
        payment_status="no_payment_required" if mode == "setup" else "unpaid",
        phone_number_collection=shapes.nested(
            stripe.checkout.Session.PhoneNumberCollection, enabled=False
        ),
        redirect_on_completion=params.get("redirect_on_completion", "always") if embedded else None,
        return_url=params.get("return_url"),
        shipping_options=[],
        status="open",
        submit_type=params.get("submit_type"),
        success_url=params.get("success_url"),
        total_details=shapes.nested(
            stripe.checkout.Session.TotalDetails,
            amount_discount=0,
            amount_shipping=0,
            amount_tax=0,
        )
        if items
        else None,
        ui_mode=ui_mode,
        url=f"{call.base_url}/c/pay/{session_id}" if _hosted(ui_mode) else None,
    )
    call.store.add(session)
    call.store.add(
        {
            "id": line_items_key(session_id),
            "object": "sandbox.line_items",
            "data": items,
            "payment_intent_data": params.get("payment_intent_data") or {},
            "subscription_data": params.get("subscription_data") or {},
            "setup_intent_data": params.get("setup_intent_data") or {},
        }
    )
    return session


def _hosted(ui_mode: str) -> bool:
    return ui_mode in HOSTED_MODES


def current(call: Call, session_id: str, *, param: str = "id") -> JsonObject:
    """A session, expired first if the sandbox clock has passed its `expires_at`."""
    session = call.store.get("checkout.session", session_id, param=param)
    if session["status"] == "open" and call.now() >= session["expires_at"]:
        expire(call, session)
    return session


def expire(call: Call, session: JsonObject) -> JsonObject:
    if session["status"] != "open":
        raise errors.invalid_request(
            f'Only Checkout Sessions with a status in ["open"] can be expired. This Checkout '
            f"Session has a status of {session['status']}."
        )
    session.update(status="expired", url=None, client_secret=None)
    if session["payment_intent"]:
        payment_intent = call.store.get("payment_intent", session["payment_intent"])
        if payment_intent["status"] in payment_intents.CANCELABLE:
            payment_intents.cancel_intent(call, payment_intent, "abandoned")
    call.emit("checkout.session.expired", session)
    return session


@router.get("/v1/checkout/sessions/{id}", SessionRetrieveParams)
def retrieve(call: Call) -> JsonObject:
    return current(call, call.path["id"])


@router.post("/v1/checkout/sessions/{id}/expire", SessionExpireParams)
def expire_route(call: Call) -> JsonObject:
    return expire(call, current(call, call.path["id"]))


@router.get("/v1/checkout/sessions", SessionListParams)
def list_sessions(call: Call) -> JsonObject:
    for session in call.store.all("checkout.session"):
        current(call, session["id"])
    params = call.params
    found = select_matching(
        call, "checkout.session", ("customer", "payment_intent", "status", "subscription")
    )
    if "customer_details" in params:
        email = params["customer_details"]["email"]
        found = [
            session
            for session in found
            if (session["customer_details"] or {}).get("email") == email
        ]
    return paginate(call, found, "/v1/checkout/sessions")


def line_items(store: Store, session_id: str) -> list[JsonObject]:
    stored = store.find(line_items_key(session_id))
    return list(stored["data"]) if stored else []


def creation_options(store: Store, session_id: str, name: str) -> JsonObject:
    """`payment_intent_data`, `subscription_data` or `setup_intent_data` as created."""
    stored = store.find(line_items_key(session_id)) or {}
    return dict(stored.get(name) or {})


@router.get("/v1/checkout/sessions/{id}/line_items", SessionListLineItemsParams)
def list_line_items(call: Call) -> JsonObject:
    session = call.store.get("checkout.session", call.path["id"])
    return paginate(
        call,
        line_items(call.store, session["id"]),
        f"/v1/checkout/sessions/{session['id']}/line_items",
    )


@router.includable("checkout.session", "line_items")
def _line_items_field(store: Store, session: JsonObject) -> JsonObject:
    return shapes.list_object(
        f"/v1/checkout/sessions/{session['id']}/line_items", line_items(store, session["id"])
    )


# A line item's discounts and taxes come only when expanded (dj-stripe asks for
# `line_items.data.discounts`); the sandbox has neither, so they are empty lists.
router.includable("item", "discounts")(lambda store, item: [])
router.includable("item", "taxes")(lambda store, item: [])


Completer = Callable[[Call, JsonObject, JsonObject], None]
"""Finishes a session of one mode with the shopper's PaymentMethod."""


def complete(call: Call, session: JsonObject, payment_method_id: str) -> JsonObject:
    """The shopper pays (or saves a card) with `payment_method_id`. A decline answers 402 and
    leaves the session open for another try; a card asking for 3-D Secure leaves it open with
    its PaymentIntent in requires_action, and completing again after authentication finishes."""
    if session["status"] != "open":
        raise errors.invalid_request(
            f"This Checkout Session is no longer open (status {session['status']})."
        )
    COMPLETERS[session["mode"]](call, session, {"payment_method": payment_method_id})
    return session


def intent_succeeded(call: Call, intent: JsonObject, params: JsonObject) -> bool:
    """Confirm the session's PaymentIntent or SetupIntent with the shopper's `params` unless it
    already succeeded; whether it has succeeded now (3-D Secure leaves it in requires_action
    and the session open; a decline raises)."""
    if intent["status"] != "succeeded":
        _CONFIRMERS[intent["object"]](call, intent, params)
    return bool(intent["status"] == "succeeded")


_CONFIRMERS: dict[str, Callable[[Call, JsonObject, JsonObject], JsonObject]] = {
    "payment_intent": payment_intents.confirm,
    "setup_intent": setup_intents.confirm,
}


def _complete_payment(call: Call, session: JsonObject, params: JsonObject) -> None:
    payment_intent = _payment_intent_for(call, session)
    if not intent_succeeded(call, payment_intent, params):
        return
    payment_method = call.store.get("payment_method", payment_intent["payment_method"])
    finish(call, session, payment_method, payment_status="paid")


def _payment_intent_for(call: Call, session: JsonObject) -> JsonObject:
    if session["payment_intent"]:
        return call.store.get("payment_intent", session["payment_intent"])
    options = creation_options(call.store, session["id"], "payment_intent_data")
    params: dict[str, Any] = {
        "amount": session["amount_total"],
        "currency": session["currency"],
        "payment_method_types": session["payment_method_types"],
        "metadata": options.get("metadata") or {},
    }
    for name in ("capture_method", "description", "receipt_email", "setup_future_usage"):
        if name in options:
            params[name] = options[name]
    if session["customer"]:
        params["customer"] = session["customer"]
    payment_intent = payment_intents.create_from(call, params)
    session["payment_intent"] = payment_intent["id"]
    return payment_intent


def finish(
    call: Call, session: JsonObject, payment_method: JsonObject, *, payment_status: str
) -> None:
    """Mark the session complete and announce it."""
    customer = call.store.find(session["customer"]) if session["customer"] else None
    details = payment_method["billing_details"]
    session.update(
        status="complete",
        payment_status=payment_status,
        url=None,
        customer_details=shapes.nested(
            stripe.checkout.Session.CustomerDetails,
            address=details["address"],
            email=session["customer_email"]
            or (customer or {}).get("email")
            or details.get("email"),
            name=details.get("name") or (customer or {}).get("name"),
            tax_exempt="none",
            tax_ids=[],
        ),
    )
    call.emit("checkout.session.completed", session)


def resolve_card(call: Call, params: JsonObject) -> str:
    """The PaymentMethod id a shopper pays with: `payment_method`, or a new one for
    `card_number` (4242... when neither is given)."""
    if params.get("payment_method"):
        return str(params["payment_method"])
    number = str(params.get("card_number") or "4242424242424242").replace(" ", "")
    return payment_methods.create_card(call, number)["id"]


def _complete_setup(call: Call, session: JsonObject, params: JsonObject) -> None:
    if session["setup_intent"]:
        setup_intent = call.store.get("setup_intent", session["setup_intent"])
    else:
        options = creation_options(call.store, session["id"], "setup_intent_data")
        setup_intent = setup_intents.create_from(
            call,
            {
                "customer": session["customer"],
                "metadata": options.get("metadata") or {},
                "description": options.get("description"),
                "payment_method_types": session["payment_method_types"],
            },
        )
        session["setup_intent"] = setup_intent["id"]
    if not intent_succeeded(call, setup_intent, params):
        return
    payment_method = call.store.get("payment_method", setup_intent["payment_method"])
    finish(call, session, payment_method, payment_status="no_payment_required")


COMPLETERS: dict[str, Completer] = {"payment": _complete_payment, "setup": _complete_setup}
"""How a session of each mode is paid; modes served by families above this one
(`subscription`) are added by `resources/wiring.py`."""
