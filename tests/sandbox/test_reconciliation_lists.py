"""What reconciliation reads from Stripe: recent objects by `created` range, paged as Stripe
pages, and the events Stripe failed to deliver."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import stripe

PRICE_DATA: Any = {"currency": "usd", "unit_amount": 4900, "product_data": {"name": "Course"}}


def _payment(client: stripe.StripeClient, payment_method: str = "pm_card_visa") -> Any:
    return client.v1.payment_intents.create(
        {"amount": 5000, "currency": "usd", "payment_method": payment_method, "confirm": True}
    )


def _session(client: stripe.StripeClient) -> Any:
    return client.v1.checkout.sessions.create(
        {
            "mode": "payment",
            "line_items": [{"price_data": PRICE_DATA}],
            "success_url": "https://shop.test/done",
        }
    )


def _refund(client: stripe.StripeClient) -> Any:
    return client.v1.refunds.create({"payment_intent": _payment(client).id})


Make = Callable[[stripe.StripeClient, Any, Any], Any]


def _dispute(client: stripe.StripeClient, control: Any, wait_until: Any) -> Any:
    intent = _payment(client, "pm_card_createDispute")
    control("/_sandbox/clock/advance", {"seconds": 5})
    wait_until(lambda: client.v1.disputes.list({"payment_intent": intent.id}).data != [])
    return client.v1.disputes.list({"payment_intent": intent.id}).data[0]


RESOURCES: dict[str, tuple[Make, Callable[[stripe.StripeClient], Any]]] = {
    "payment_intents": (
        lambda client, control, wait: _payment(client),
        lambda client: client.v1.payment_intents,
    ),
    "checkout_sessions": (
        lambda client, control, wait: _session(client),
        lambda client: client.v1.checkout.sessions,
    ),
    "refunds": (lambda client, control, wait: _refund(client), lambda client: client.v1.refunds),
    "disputes": (_dispute, lambda client: client.v1.disputes),
}


@pytest.fixture(params=sorted(RESOURCES))
def three_at_a_hundred_seconds_apart(request, client, control, wait_until):
    """Three objects of one resource, created 100 s apart; their service; newest first."""
    make, service = RESOURCES[request.param]
    made = []
    for _ in range(3):
        made.append(make(client, control, wait_until))
        control("/_sandbox/clock/advance", {"seconds": 100})
    return service(client), list(reversed(made))


def ids(page: Any) -> list[str]:
    return [obj.id for obj in page.data]


def test_created_ranges_select_by_time(three_at_a_hundred_seconds_apart) -> None:
    service, (newest, middle, oldest) = three_at_a_hundred_seconds_apart
    at = middle.created

    assert ids(service.list({"created": {"gte": at}})) == [newest.id, middle.id]
    assert ids(service.list({"created": {"gt": at}})) == [newest.id]
    assert ids(service.list({"created": {"lte": at}})) == [middle.id, oldest.id]
    assert ids(service.list({"created": {"lt": at}})) == [oldest.id]
    assert ids(service.list({"created": {"gt": oldest.created, "lt": newest.created}})) == [
        middle.id
    ]
    assert ids(service.list({"created": at})) == [middle.id]


def test_pages_walk_forward_and_back(three_at_a_hundred_seconds_apart) -> None:
    service, (newest, middle, oldest) = three_at_a_hundred_seconds_apart

    first = service.list({"limit": 2})
    second = service.list({"limit": 2, "starting_after": first.data[-1].id})
    back = service.list({"limit": 1, "ending_before": oldest.id})

    assert (ids(first), first.has_more) == ([newest.id, middle.id], True)
    assert (ids(second), second.has_more) == ([oldest.id], False)
    assert (ids(back), back.has_more) == ([middle.id], True)


def test_a_range_and_a_cursor_combine(three_at_a_hundred_seconds_apart) -> None:
    service, (newest, middle, oldest) = three_at_a_hundred_seconds_apart

    page = service.list(
        {"created": {"gte": oldest.created}, "limit": 1, "starting_after": newest.id}
    )

    assert (ids(page), page.has_more) == ([middle.id], True)
    assert [obj.id for obj in page.auto_paging_iter()] == [middle.id, oldest.id]


def test_events_filter_by_several_types(client) -> None:
    client.v1.customers.create()
    client.v1.products.create({"name": "Course"})
    _refund(client)

    found = client.v1.events.list({"types": ["customer.created", "refund.created"]})

    assert sorted(event.type for event in found.data) == ["customer.created", "refund.created"]
