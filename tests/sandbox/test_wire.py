import pytest

from stripe_sandbox import errors
from stripe_sandbox.wire import decode_form


def test_nested_brackets_decode_to_nested_hashes() -> None:
    assert decode_form("line_items[0][price_data][currency]=usd") == {
        "line_items": {"0": {"price_data": {"currency": "usd"}}}
    }


def test_empty_brackets_append_to_a_list() -> None:
    assert decode_form("expand[]=customer&expand[]=latest_charge") == {
        "expand": ["customer", "latest_charge"]
    }


def test_blank_values_are_kept_as_empty_strings() -> None:
    assert decode_form("metadata[plan]=&description=") == {
        "metadata": {"plan": ""},
        "description": "",
    }


def test_percent_encoded_brackets_decode_like_literal_ones() -> None:
    assert decode_form("metadata%5Buser_id%5D=7") == {"metadata": {"user_id": "7"}}


def test_a_scalar_and_a_hash_under_one_name_are_rejected() -> None:
    with pytest.raises(errors.StripeError) as raised:
        decode_form("metadata=x&metadata[a]=b")

    assert raised.value.param == "metadata"
