"""Subscriptions and their Invoices, at the level a mobile "create subscription" call needs.

Create (`customer`, `items[][price]`, `payment_behavior=default_incomplete`) opens the first
invoice, finalizes it and gives it a PaymentIntent: the subscription is `incomplete` until that
PaymentIntent succeeds (the client confirms it with `latest_invoice.confirmation_secret`), then
the invoice is paid and the subscription `active`. With a trial the first invoice is zero, the
subscription is `trialing` and a SetupIntent (`pending_setup_intent`) collects the card; a
first invoice of zero without a trial (a free price) makes it `active` at once, with the same
SetupIntent. When that SetupIntent succeeds the card becomes the subscription's default (with
`save_default_payment_method=on_subscription`) and `pending_setup_intent` is cleared.
Dahlia shapes: billing periods live on the items, an invoice links its subscription through
`parent.subscription_details` and its payment through `confirmation_secret`/`payments`.
"""

from __future__ import annotations

import stripe
from stripe.params import (
    InvoiceListParams,
    InvoiceRetrieveParams,
    SubscriptionCancelParams,
    SubscriptionCreateParams,
    SubscriptionListParams,
    SubscriptionRetrieveParams,
)

from stripe_sandbox import errors, shapes
from stripe_sandbox.resource import Resource
from stripe_sandbox.resources import checkout_sessions, customers, payment_intents, setup_intents
from stripe_sandbox.resources.common import apply_changes, live, paginate, select
from stripe_sandbox.routing import Call, JsonObject, Router
from stripe_sandbox.store import Store

SUBSCRIPTION = Resource(stripe.Subscription, "sub_", 24)
SUBSCRIPTION_ITEM = Resource(stripe.SubscriptionItem, "si_", 14)
INVOICE = Resource(
    stripe.Invoice, "in_", 24, includable=frozenset({"confirmation_secret", "payments"})
)
INVOICE_LINE_ITEM = Resource(stripe.InvoiceLineItem, "il_", 24)
router = Router((SUBSCRIPTION, SUBSCRIPTION_ITEM, INVOICE, INVOICE_LINE_ITEM))

INTERVAL_SECONDS = {"day": 86_400, "week": 7 * 86_400, "month": 30 * 86_400, "year": 365 * 86_400}
"""Period lengths; calendar months are not modelled (the sandbox never renews on its own)."""
PAYMENT_BEHAVIORS = ("default_incomplete", "allow_incomplete", "error_if_incomplete")


def _link_key(object_id: str) -> str:
    return f"{object_id}/link"


def _link(store: Store, a: str, b: str) -> None:
    """Remember that `a` and `b` belong together (an invoice and its PaymentIntent), beside
    the objects because the dahlia shapes carry no such field."""
    store.add({"id": _link_key(a), "object": "sandbox.link", "target": b})
    store.add({"id": _link_key(b), "object": "sandbox.link", "target": a})


def _linked(store: Store, object_id: str) -> str | None:
    link = store.find(_link_key(object_id))
    return link["target"] if link else None


def invoice_payment_intent(store: Store, invoice_id: str) -> JsonObject | None:
    """The PaymentIntent collecting an invoice (None for an invoice owing nothing)."""
    payment_intent_id = _linked(store, invoice_id)
    return store.find(payment_intent_id) if payment_intent_id else None


def _items(call: Call, params: JsonObject, subscription_id: str, now: int) -> list[JsonObject]:
    wanted = params.get("items") or []
    if not wanted:
        raise errors.parameter_missing("items")
    built = []
    for index, item in enumerate(wanted):
        if "price" not in item:
            raise errors.parameter_missing(f"items[{index}][price]")
        price = live(call.store, "price", item["price"], param=f"items[{index}][price]")
        if price["recurring"] is None:
            raise errors.invalid_request(
                "The price specified is set to `type=one_time` but this field only accepts "
                "prices with `type=recurring`.",
                param=f"items[{index}][price]",
            )
        recurring = price["recurring"]
        period = INTERVAL_SECONDS[recurring["interval"]] * recurring["interval_count"]
        built.append(
            SUBSCRIPTION_ITEM.build(
                id=SUBSCRIPTION_ITEM.new_id(),
                created=now,
                current_period_start=now,
                current_period_end=now + period,
                metadata=dict(item.get("metadata") or {}),
                price=dict(price),
                quantity=item.get("quantity", 1),
                subscription=subscription_id,
                tax_rates=[],
            )
        )
    if len({item["price"]["currency"] for item in built}) > 1:
        raise errors.invalid_request("All prices must share one currency.", param="items")
    return built


@router.post("/v1/subscriptions", SubscriptionCreateParams)
def create(call: Call) -> JsonObject:
    return create_from(call, call.params)


def create_from(call: Call, params: JsonObject) -> JsonObject:
    if "customer" not in params:
        raise errors.parameter_missing("customer")
    customer = live(call.store, "customer", params["customer"], param="customer")
    behavior = params.get("payment_behavior", "allow_incomplete")
    if behavior not in PAYMENT_BEHAVIORS:
        raise errors.parameter_invalid(
            "payment_behavior",
            "enum",
            f"Invalid payment_behavior: must be one of {', '.join(PAYMENT_BEHAVIORS)}",
        )
    now = call.now()
    subscription_id = SUBSCRIPTION.new_id()
    items = _items(call, params, subscription_id, now)
    trial_days = params.get("trial_period_days")
    trial_end = now + trial_days * 86_400 if trial_days else None
    if trial_end:
        for item in items:
            item["current_period_end"] = trial_end
    free = all(item["price"]["unit_amount"] * item["quantity"] == 0 for item in items)
    nothing_due = trial_end is not None or free
    settings = params.get("payment_settings") or {}
    subscription = SUBSCRIPTION.build(
        id=subscription_id,
        automatic_tax=shapes.nested(stripe.Subscription.AutomaticTax, enabled=False),
        billing_cycle_anchor=trial_end or now,
        billing_mode=shapes.nested(
            stripe.Subscription.BillingMode, type="flexible", updated_at=None
        ),
        collection_method="charge_automatically",
        created=now,
        currency=items[0]["price"]["currency"],
        customer=customer["id"],
        default_payment_method=params.get("default_payment_method"),
        default_tax_rates=[],  # Stripe sends a list (dj-stripe's mirror iterates it)
        description=params.get("description"),
        invoice_settings=shapes.nested(
            stripe.Subscription.InvoiceSettings,
            account_tax_ids=None,
            issuer=shapes.nested(stripe.Subscription.InvoiceSettings.Issuer, type="self"),
        ),
        items=shapes.list_object(f"/v1/subscription_items?subscription={subscription_id}", items),
        livemode=False,
        metadata=dict(params.get("metadata") or {}),
        payment_settings=shapes.nested(
            stripe.Subscription.PaymentSettings,
            payment_method_types=settings.get("payment_method_types"),
            save_default_payment_method=settings.get("save_default_payment_method", "off"),
        ),
        start_date=now,
        status="trialing" if trial_end else "active" if free else "incomplete",
        trial_end=trial_end,
        trial_start=now if trial_end else None,
    )
    call.store.add(subscription)
    invoice = _first_invoice(call, subscription, amount_due=0 if nothing_due else None)
    subscription["latest_invoice"] = invoice["id"]
    call.emit("customer.subscription.created", subscription)
    if nothing_due:
        setup_intent = setup_intents.create_from(
            call, {"customer": customer["id"], "usage": "off_session"}
        )
        subscription["pending_setup_intent"] = setup_intent["id"]
        _pay(call, invoice, None)
    elif params.get("default_payment_method") and behavior != "default_incomplete":
        _charge_now(call, subscription, invoice, params["default_payment_method"], behavior)
    return subscription


def _charge_now(
    call: Call, subscription: JsonObject, invoice: JsonObject, payment_method: str, behavior: str
) -> None:
    payment_intent = call.store.get("payment_intent", str(_linked(call.store, invoice["id"])))
    try:
        payment_intents.confirm(call, payment_intent, {"payment_method": payment_method})
    except errors.StripeError as exc:
        if behavior == "error_if_incomplete" or exc.type != "card_error":
            raise


def _first_invoice(call: Call, subscription: JsonObject, *, amount_due: int | None) -> JsonObject:
    now = call.now()
    customer = call.store.get("customer", subscription["customer"])
    invoice_id = INVOICE.new_id()
    lines = [_line(call, invoice_id, subscription, item) for item in subscription["items"]["data"]]
    if amount_due == 0:
        for line in lines:
            line["amount"] = 0
    total = sum(line["amount"] for line in lines)
    invoice = INVOICE.build(
        id=invoice_id,
        account_country="US",
        account_name="Coursepay Sandbox",
        amount_due=total,
        amount_remaining=total,
        attempt_count=0,
        auto_advance=False,
        automatic_tax=shapes.nested(stripe.Invoice.AutomaticTax, enabled=False),
        billing_reason="subscription_create",
        collection_method="charge_automatically",
        created=now,
        currency=subscription["currency"],
        customer=customer["id"],
        customer_email=customer["email"],
        customer_name=customer["name"],
        customer_tax_exempt="none",
        customer_tax_ids=[],
        effective_at=now,
        ending_balance=0,
        hosted_invoice_url=f"{call.base_url}/i/{invoice_id}",
        issuer=shapes.nested(stripe.Invoice.Issuer, type="self"),
        lines=shapes.list_object(f"/v1/invoices/{invoice_id}/lines", lines),
        livemode=False,
        metadata={},
        number=f"{customer['invoice_prefix']}-{customer['next_invoice_sequence']:04d}",
        parent=shapes.nested(
            stripe.Invoice.Parent,
            type="subscription_details",
            subscription_details=shapes.nested(
                stripe.Invoice.Parent.SubscriptionDetails,
                metadata=dict(subscription["metadata"]),
                subscription=subscription["id"],
            ),
        ),
        period_end=now,
        period_start=now,
        starting_balance=0,
        status="open",
        status_transitions=shapes.nested(stripe.Invoice.StatusTransitions, finalized_at=now),
        subtotal=total,
        subtotal_excluding_tax=total,
        total=total,
        total_excluding_tax=total,
        total_discount_amounts=[],
        total_pretax_credit_amounts=[],
        total_taxes=[],
    )
    customer["next_invoice_sequence"] += 1
    call.store.add(invoice)
    call.emit("invoice.created", invoice)
    call.emit("invoice.finalized", invoice)
    if total > 0:
        payment_intent = payment_intents.create_from(
            call,
            {
                "amount": total,
                "currency": invoice["currency"],
                "customer": customer["id"],
                "payment_method_types": ["card"],
                "setup_future_usage": "off_session",
                "description": "Subscription creation",
            },
        )
        _link(call.store, invoice["id"], payment_intent["id"])
    return invoice


def _line(call: Call, invoice_id: str, subscription: JsonObject, item: JsonObject) -> JsonObject:
    price = item["price"]
    product = call.store.find(price["product"]) or {}
    return INVOICE_LINE_ITEM.build(
        id=INVOICE_LINE_ITEM.new_id(),
        amount=price["unit_amount"] * item["quantity"],
        currency=price["currency"],
        # Stripe's own wording, multiplication sign included.
        description=f"{item['quantity']} × {product.get('name')}",  # noqa: RUF001
        discount_amounts=[],
        discountable=True,
        discounts=[],
        invoice=invoice_id,
        livemode=False,
        metadata={},
        parent=shapes.nested(
            stripe.InvoiceLineItem.Parent,
            type="subscription_item_details",
            subscription_item_details=shapes.nested(
                stripe.InvoiceLineItem.Parent.SubscriptionItemDetails,
                proration=False,
                subscription=subscription["id"],
                subscription_item=item["id"],
            ),
        ),
        period=shapes.nested(
            stripe.InvoiceLineItem.Period,
            start=item["current_period_start"],
            end=item["current_period_end"],
        ),
        pretax_credit_amounts=[],
        pricing=shapes.nested(
            stripe.InvoiceLineItem.Pricing,
            type="price_details",
            price_details=shapes.nested(
                stripe.InvoiceLineItem.Pricing.PriceDetails,
                price=price["id"],
                product=price["product"],
            ),
            unit_amount_decimal=price["unit_amount_decimal"],
        ),
        quantity=item["quantity"],
        subscription=subscription["id"],
        taxes=[],
    )


def _pay(call: Call, invoice: JsonObject, payment_intent: JsonObject | None) -> None:
    """The invoice is paid (by `payment_intent`, or owing nothing)."""
    now = call.now()
    previous = apply_changes(
        invoice,
        {
            "status": "paid",
            "amount_paid": invoice["amount_due"],
            "amount_remaining": 0,
            "attempt_count": 1 if payment_intent else 0,
            "attempted": True,
            "status_transitions": {**invoice["status_transitions"], "paid_at": now},
        },
    )
    call.emit("invoice.paid", invoice, previous)
    call.emit("invoice.payment_succeeded", invoice, previous)


def pay_invoice_of(call: Call, payment_intent: JsonObject) -> None:
    """A PaymentIntent succeeded: if it collects an open invoice, that invoice is paid and its
    subscription becomes active (saving the card as its default when asked to)."""
    invoice_id = _linked(call.store, payment_intent["id"])
    invoice = call.store.find(invoice_id) if invoice_id else None
    if invoice is None or invoice["status"] != "open":
        return
    _pay(call, invoice, payment_intent)
    subscription_id = invoice["parent"]["subscription_details"]["subscription"]
    subscription = call.store.get("subscription", subscription_id)
    changes: JsonObject = {"status": "active"}
    if subscription["payment_settings"]["save_default_payment_method"] == "on_subscription":
        changes["default_payment_method"] = payment_intent["payment_method"]
    previous = apply_changes(subscription, changes)
    if previous:
        call.emit("customer.subscription.updated", subscription, previous)


def save_pending_setup(call: Call, setup_intent: JsonObject) -> None:
    """A SetupIntent succeeded: if it is a subscription's `pending_setup_intent`, its card
    becomes the subscription's default (when the subscription saves it) and nothing is pending
    any more."""
    subscription = next(
        (
            subscription
            for subscription in call.store.all("subscription")
            if subscription["pending_setup_intent"] == setup_intent["id"]
        ),
        None,
    )
    if subscription is None:
        return
    changes: JsonObject = {"pending_setup_intent": None}
    if subscription["payment_settings"]["save_default_payment_method"] == "on_subscription":
        changes["default_payment_method"] = setup_intent["payment_method"]
    previous = apply_changes(subscription, changes)
    if previous:
        call.emit("customer.subscription.updated", subscription, previous)


@router.includable("invoice", "confirmation_secret")
def _confirmation_secret(store: Store, invoice: JsonObject) -> JsonObject | None:
    payment_intent_id = _linked(store, invoice["id"])
    payment_intent = store.find(payment_intent_id) if payment_intent_id else None
    if payment_intent is None:
        return None
    return shapes.nested(
        stripe.Invoice.ConfirmationSecret,
        client_secret=payment_intent["client_secret"],
        type="payment_intent",
    )


@router.includable("invoice", "payments")
def _payments(store: Store, invoice: JsonObject) -> JsonObject:
    """The invoice's PaymentIntent as an `invoice_payment` list entry."""
    payment_intent_id = _linked(store, invoice["id"])
    payment_intent = store.find(payment_intent_id) if payment_intent_id else None
    payments = []
    if payment_intent is not None:
        paid = payment_intent["status"] == "succeeded"
        payments.append(
            {
                "id": f"inpay_{payment_intent['id'].removeprefix('pi_')}",
                "object": "invoice_payment",
                "amount_paid": payment_intent["amount"] if paid else None,
                "amount_requested": payment_intent["amount"],
                "created": payment_intent["created"],
                "currency": payment_intent["currency"],
                "invoice": invoice["id"],
                "is_default": True,
                "livemode": False,
                "payment": {"type": "payment_intent", "payment_intent": payment_intent["id"]},
                "status": "paid" if paid else "open",
                "status_transitions": {"canceled_at": None, "paid_at": None},
            }
        )
    return shapes.list_object(f"/v1/invoice_payments?invoice={invoice['id']}", payments)


@router.get("/v1/subscriptions/{id}", SubscriptionRetrieveParams)
def retrieve(call: Call) -> JsonObject:
    return call.store.get("subscription", call.path["id"])


@router.delete("/v1/subscriptions/{id}", SubscriptionCancelParams)
def cancel(call: Call) -> JsonObject:
    subscription = call.store.get("subscription", call.path["id"])
    if subscription["status"] in ("canceled", "incomplete_expired"):
        raise errors.invalid_request(
            f"A canceled subscription can only update its cancellation_details and metadata. "
            f"Subscription: {subscription['id']}",
            code="resource_missing",
        )
    now = call.now()
    previous = apply_changes(
        subscription,
        {
            "status": "canceled",
            "canceled_at": now,
            "ended_at": now,
            "cancellation_details": shapes.nested(
                stripe.Subscription.CancellationDetails, reason="cancellation_requested"
            ),
        },
    )
    call.emit("customer.subscription.deleted", subscription, previous)
    return subscription


@router.get("/v1/subscriptions", SubscriptionListParams)
def list_subscriptions(call: Call) -> JsonObject:
    status = call.params.get("status")
    found = [
        subscription
        for subscription in select(call, "subscription", customer=call.params.get("customer"))
        if status in (None, "all", subscription["status"])
        and (status is not None or subscription["status"] != "canceled")
    ]
    return paginate(call, found, "/v1/subscriptions")


@router.get("/v1/invoices/{id}", InvoiceRetrieveParams)
def retrieve_invoice(call: Call) -> JsonObject:
    return call.store.get("invoice", call.path["id"])


@router.get("/v1/invoices", InvoiceListParams)
def list_invoices(call: Call) -> JsonObject:
    params = call.params
    found = [
        invoice
        for invoice in select(
            call, "invoice", customer=params.get("customer"), status=params.get("status")
        )
        if "subscription" not in params
        or invoice["parent"]["subscription_details"]["subscription"] == params["subscription"]
    ]
    return paginate(call, found, "/v1/invoices")


@router.includable("customer", "subscriptions")
def _customer_subscriptions(store: Store, customer: JsonObject) -> JsonObject:
    mine = [s for s in store.all("subscription") if s["customer"] == customer["id"]]
    return shapes.list_object(f"/v1/customers/{customer['id']}/subscriptions", mine)


def complete_checkout(call: Call, session: JsonObject, params: JsonObject) -> None:
    """Checkout in subscription mode: the subscription is created when the shopper first
    pays, and the session completes once its first invoice is paid."""
    if session["subscription"] is None:
        if session["customer"] is None:
            customer = customers.create_from(call, {"email": session["customer_email"]})
            session["customer"] = customer["id"]
        options = checkout_sessions.creation_options(call.store, session["id"], "subscription_data")
        items = checkout_sessions.line_items(call.store, session["id"])
        subscription_params: JsonObject = {
            "customer": session["customer"],
            "items": [
                {"price": item["price"]["id"], "quantity": item["quantity"]} for item in items
            ],
            "payment_behavior": "default_incomplete",
            "payment_settings": {"save_default_payment_method": "on_subscription"},
            "metadata": options.get("metadata") or {},
        }
        if options.get("trial_period_days"):
            subscription_params["trial_period_days"] = options["trial_period_days"]
        subscription = create_from(call, subscription_params)
        session.update(subscription=subscription["id"], invoice=subscription["latest_invoice"])
    subscription = call.store.get("subscription", session["subscription"])
    invoice = call.store.get("invoice", subscription["latest_invoice"])
    payment_intent_id = _linked(call.store, invoice["id"])
    if payment_intent_id is not None:
        payment_intent = call.store.get("payment_intent", payment_intent_id)
        if not checkout_sessions.intent_succeeded(call, payment_intent, params):
            return
        payment_method_id = payment_intent["payment_method"]
    else:
        setup_intent = call.store.get("setup_intent", subscription["pending_setup_intent"])
        if not checkout_sessions.intent_succeeded(call, setup_intent, params):
            return
        payment_method_id = setup_intent["payment_method"]
    payment_method = call.store.get("payment_method", payment_method_id)
    checkout_sessions.finish(call, session, payment_method, payment_status="paid")
