"""Parameters are checked against the SDK's own `stripe.params` TypedDicts."""

import pytest
import stripe


def test_an_unknown_parameter_answers_parameter_unknown(client) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.customers.create({"nickname": "x"})

    assert raised.value.code == "parameter_unknown"
    assert raised.value.param == "nickname"


def test_an_unknown_nested_parameter_names_its_full_path(client) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.payment_intents.create(
            {"amount": 1000, "currency": "usd", "automatic_payment_methods": {"on": True}}
        )

    assert raised.value.param == "automatic_payment_methods[on]"


def test_a_missing_required_parameter_answers_parameter_missing(client) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.payment_intents.create({"currency": "usd"})

    assert raised.value.code == "parameter_missing"
    assert raised.value.param == "amount"


def test_a_non_integer_amount_answers_parameter_invalid_integer(client) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.payment_intents.create({"amount": "ten", "currency": "usd"})

    assert raised.value.code == "parameter_invalid_integer"
    assert raised.value.param == "amount"


def test_a_value_outside_a_closed_enum_is_invalid(client) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.webhook_endpoints.create(
            {"url": "http://127.0.0.1:9/hooks", "enabled_events": ["customer.exploded"]}
        )

    assert raised.value.code == "parameter_invalid_enum"
    assert raised.value.param == "enabled_events[0]"


def test_a_non_boolean_flag_is_invalid(raw) -> None:
    response = raw("POST", "/v1/payment_intents", body="amount=1000&currency=usd&confirm=maybe")

    assert response.status == 400
    assert response.body["error"]["code"] == "parameter_invalid_boolean"
    assert response.body["error"]["param"] == "confirm"


def test_query_parameters_of_a_list_are_validated_too(raw) -> None:
    response = raw("GET", "/v1/customers?colour=blue")

    assert response.status == 400
    assert response.body["error"]["param"] == "colour"
