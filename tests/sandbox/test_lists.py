"""List objects, cursors and `expand[]`."""

import pytest
import stripe


@pytest.fixture
def five_customers(client) -> list[str]:
    """Ids oldest first; lists answer newest first."""
    return [client.v1.customers.create({"name": f"c{i}"}).id for i in range(5)]


def test_a_list_is_a_stripe_list_object_newest_first(client, five_customers) -> None:
    page = client.v1.customers.list()

    assert page.object == "list"
    assert page.url == "/v1/customers"
    assert [c.id for c in page.data] == five_customers[::-1]
    assert page.has_more is False


def test_limit_cuts_the_page_and_sets_has_more(client, five_customers) -> None:
    page = client.v1.customers.list({"limit": 2})

    assert [c.id for c in page.data] == [five_customers[4], five_customers[3]]
    assert page.has_more is True


def test_starting_after_continues_after_the_cursor(client, five_customers) -> None:
    page = client.v1.customers.list({"limit": 2, "starting_after": five_customers[3]})

    assert [c.id for c in page.data] == [five_customers[2], five_customers[1]]
    assert page.has_more is True


def test_ending_before_returns_the_newer_page(client, five_customers) -> None:
    page = client.v1.customers.list({"limit": 2, "ending_before": five_customers[1]})

    assert [c.id for c in page.data] == [five_customers[3], five_customers[2]]
    assert page.has_more is True


def test_auto_paging_walks_every_object(client, five_customers) -> None:
    walked = [c.id for c in client.v1.customers.list({"limit": 2}).auto_paging_iter()]

    assert walked == five_customers[::-1]


def test_a_limit_over_100_is_refused(client) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.customers.list({"limit": 101})

    assert raised.value.param == "limit"


def test_expand_replaces_an_id_with_its_object(client) -> None:
    customer = client.v1.customers.create({"email": "ada@example.com"})
    intent = client.v1.payment_intents.create(
        {"amount": 1000, "currency": "usd", "customer": customer.id, "expand": ["customer"]}
    )

    assert intent.customer.email == "ada@example.com"


def test_expand_follows_nested_paths(client) -> None:
    intent = client.v1.payment_intents.create(
        {
            "amount": 2000,
            "currency": "usd",
            "payment_method": "pm_card_visa",
            "confirm": True,
            "expand": ["latest_charge.balance_transaction"],
        }
    )

    assert intent.latest_charge.object == "charge"
    assert intent.latest_charge.balance_transaction.object == "balance_transaction"
    assert intent.latest_charge.balance_transaction.amount == 2000


def test_expand_applies_to_every_item_of_a_list(client) -> None:
    customer = client.v1.customers.create({"email": "grace@example.com"})
    client.v1.payment_intents.create({"amount": 1000, "currency": "usd", "customer": customer.id})

    page = client.v1.payment_intents.list({"expand": ["data.customer"]})

    assert page.data[0].customer.email == "grace@example.com"


def test_expanding_a_field_that_is_not_an_id_is_refused(client) -> None:
    customer = client.v1.customers.create()

    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.customers.retrieve(customer.id, {"expand": ["email"]})

    assert raised.value.param == "expand"
