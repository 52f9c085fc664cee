"""Products, their features and Prices."""

import pytest
import stripe


def test_product_create_keeps_metadata(client) -> None:
    product = client.v1.products.create({"name": "Django 101", "metadata": {"course_id": "3"}})

    assert product.id.startswith("prod_")
    assert product.metadata.to_dict() == {"course_id": "3"}
    assert product.active is True


def test_product_update_changes_fields_and_updated(client, control) -> None:
    product = client.v1.products.create({"name": "Old"})
    control("/_sandbox/clock/advance", {"seconds": 60})

    updated = client.v1.products.update(product.id, {"name": "New"})

    assert updated.name == "New"
    assert updated.updated >= product.updated + 60


def test_product_list_filters_by_active(client) -> None:
    active = client.v1.products.create({"name": "On"})
    client.v1.products.create({"name": "Off", "active": False})

    found = client.v1.products.list({"active": True})

    assert [p.id for p in found.data] == [active.id]


def test_product_features_answer_an_empty_list(raw, client) -> None:
    product = client.v1.products.create({"name": "Django 101"})

    response = raw("GET", f"/v1/products/{product.id}/features")

    assert response.status == 200
    assert response.body["data"] == []
    assert response.body["object"] == "list"


def test_default_price_data_creates_the_default_price(client) -> None:
    product = client.v1.products.create(
        {"name": "Django 101", "default_price_data": {"currency": "usd", "unit_amount": 4900}}
    )

    price = client.v1.prices.retrieve(product.default_price)
    assert (price.product, price.unit_amount, price.type) == (product.id, 4900, "one_time")


def test_price_create_for_a_product(client) -> None:
    product = client.v1.products.create({"name": "Django 101"})

    price = client.v1.prices.create({"currency": "usd", "unit_amount": 4900, "product": product.id})

    assert price.id.startswith("price_")
    assert str(price.unit_amount_decimal) == "4900"


def test_price_for_an_unknown_product_names_the_product_param(client) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.prices.create({"currency": "usd", "unit_amount": 1, "product": "prod_nope"})

    assert raised.value.param == "product"


def test_price_update_deactivates(client) -> None:
    price = client.v1.prices.create(
        {"currency": "usd", "unit_amount": 100, "product_data": {"name": "X"}}
    )

    assert client.v1.prices.update(price.id, {"active": False}).active is False


def test_prices_list_by_product(client) -> None:
    first = client.v1.products.create({"name": "A"})
    second = client.v1.products.create({"name": "B"})
    wanted = client.v1.prices.create({"currency": "usd", "unit_amount": 1, "product": first.id})
    client.v1.prices.create({"currency": "usd", "unit_amount": 2, "product": second.id})

    found = client.v1.prices.list({"product": first.id})

    assert [p.id for p in found.data] == [wanted.id]


def test_prices_list_by_lookup_keys(client) -> None:
    wanted = client.v1.prices.create(
        {"currency": "usd", "unit_amount": 1, "product_data": {"name": "A"}, "lookup_key": "pro"}
    )
    client.v1.prices.create({"currency": "usd", "unit_amount": 2, "product_data": {"name": "B"}})

    found = client.v1.prices.list({"lookup_keys": ["pro"]})

    assert [p.id for p in found.data] == [wanted.id]


def test_a_taken_lookup_key_is_refused_without_transfer(client) -> None:
    params = {"currency": "usd", "unit_amount": 1, "product_data": {"name": "A"}, "lookup_key": "k"}
    client.v1.prices.create(params)

    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.prices.create(params)

    assert raised.value.param == "lookup_key"


def test_currency_options_appear_only_when_expanded(client) -> None:
    price = client.v1.prices.create(
        {"currency": "usd", "unit_amount": 700, "product_data": {"name": "A"}}
    )

    expanded = client.v1.prices.retrieve(price.id, {"expand": ["currency_options"]})

    assert "currency_options" not in price
    assert expanded.currency_options["usd"].unit_amount == 700


def test_a_refused_lookup_key_creates_no_product(client) -> None:
    client.v1.prices.create(
        {"currency": "usd", "unit_amount": 1, "product_data": {"name": "A"}, "lookup_key": "k"}
    )

    with pytest.raises(stripe.InvalidRequestError):
        client.v1.prices.create(
            {"currency": "usd", "unit_amount": 2, "product_data": {"name": "B"}, "lookup_key": "k"}
        )

    assert [p.name for p in client.v1.products.list().data] == ["A"]


def test_transfer_lookup_key_moves_the_key(client) -> None:
    params = {"currency": "usd", "unit_amount": 1, "product_data": {"name": "A"}, "lookup_key": "k"}
    old = client.v1.prices.create(params)

    new = client.v1.prices.create(params | {"transfer_lookup_key": True})

    assert new.lookup_key == "k"
    assert client.v1.prices.retrieve(old.id).lookup_key is None
