"""Customers, as dj-stripe syncs them."""

import pytest
import stripe


def test_create_stores_the_given_fields(client) -> None:
    customer = client.v1.customers.create(
        {"email": "ada@example.com", "name": "Ada", "metadata": {"user_id": "7"}}
    )

    assert customer.id.startswith("cus_")
    assert (customer.email, customer.name, customer.metadata.to_dict()) == (
        "ada@example.com",
        "Ada",
        {"user_id": "7"},
    )


def test_invoice_settings_and_metadata_are_objects_never_null(client) -> None:
    customer = client.v1.customers.create()

    assert customer.metadata.to_dict() == {}
    assert customer.invoice_settings.default_payment_method is None


def test_update_merges_metadata_and_unsets_blank_keys(client) -> None:
    customer = client.v1.customers.create({"metadata": {"a": "1", "b": "2"}})

    updated = client.v1.customers.update(
        customer.id, {"metadata": {"b": "", "djstripe_subscriber": "9"}}
    )

    assert updated.metadata.to_dict() == {"a": "1", "djstripe_subscriber": "9"}


def test_delete_answers_the_tombstone_and_retrieve_keeps_answering_it(client) -> None:
    customer = client.v1.customers.create()

    deleted = client.v1.customers.delete(customer.id)
    retrieved = client.v1.customers.retrieve(customer.id)

    assert deleted.deleted is True
    assert retrieved.deleted is True


def test_a_deleted_customer_cannot_be_updated(client) -> None:
    customer = client.v1.customers.create()
    client.v1.customers.delete(customer.id)

    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.customers.update(customer.id, {"name": "Lazarus"})

    assert raised.value.code == "resource_missing"


def test_list_filters_by_email(client) -> None:
    client.v1.customers.create({"email": "one@example.com"})
    wanted = client.v1.customers.create({"email": "two@example.com"})

    found = client.v1.customers.list({"email": "two@example.com"})

    assert [c.id for c in found.data] == [wanted.id]


def test_expanding_sources_gives_an_empty_list(client) -> None:
    customer = client.v1.customers.create()

    retrieved = client.v1.customers.retrieve(customer.id, {"expand": ["default_source", "sources"]})

    assert retrieved.sources.object == "list"
    assert retrieved.sources.data == []
    assert retrieved.default_source is None
