"""config.money: amounts in minor units written with the currency's decimals."""

import pytest

from config.money import format_money, minor_unit_exponent


@pytest.mark.parametrize(
    ("amount", "currency", "written"),
    [
        (4900, "usd", "49.00 USD"),
        (0, "eur", "0.00 EUR"),
        (123456789, "gbp", "1,234,567.89 GBP"),
        (3000, "jpy", "3,000 JPY"),
        (3000, "JPY", "3,000 JPY"),
        (50000, "krw", "50,000 KRW"),
        (12345, "kwd", "12.345 KWD"),
        (-250, "usd", "-2.50 USD"),
    ],
)
def test_money_is_written_with_the_currencys_decimals(amount, currency, written) -> None:
    assert format_money(amount, currency) == written


@pytest.mark.parametrize(("currency", "exponent"), [("jpy", 0), ("vnd", 0), ("usd", 2), ("bhd", 3)])
def test_the_minor_unit_follows_stripes_currency_rules(currency, exponent) -> None:
    assert minor_unit_exponent(currency) == exponent
