"""Money for people: integer minor units plus an ISO currency, written with the right decimals.

Amounts everywhere are integers in the currency's minor unit, as Stripe counts them. How many
decimals a currency has is Stripe's rule, not ISO 4217's alone (stripe.com/docs/currencies):
zero-decimal currencies are charged in whole units, a few are charged in thousandths. Pages,
PDFs and e-mails format with `format_money` or `money_display`, so that a yen amount is never
shown divided by 100. How an amount is written for people (symbol, grouping) is CLDR's, through
Babel: 4900 USD is "$49.00", 3000 JPY is "¥3,000".
"""

from decimal import Decimal, InvalidOperation

from babel.numbers import format_currency
from django.conf import settings
from django.utils.translation import to_locale

ZERO_DECIMAL = frozenset(
    {
        "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga",
        "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf",
    }
)  # fmt: skip
THREE_DECIMAL = frozenset({"bhd", "jod", "kwd", "omr", "tnd"})


def minor_unit_exponent(currency: str) -> int:
    """How many decimals the currency's minor unit has: 0 (JPY), 2 (USD) or 3 (KWD)."""
    code = currency.lower()
    if code in ZERO_DECIMAL:
        return 0
    if code in THREE_DECIMAL:
        return 3
    return 2


def to_major_units(amount: int, currency: str) -> Decimal:
    """An exact decimal in major units: 4900 USD -> 49.00, 3000 JPY -> 3000."""
    exponent = minor_unit_exponent(currency)
    return Decimal(amount).scaleb(-exponent).quantize(Decimal(1).scaleb(-exponent))


def format_money(amount: int, currency: str) -> str:
    """`4900, "usd"` -> `"49.00 USD"`; `300000, "jpy"` -> `"300,000 JPY"`; negative for refunds."""
    return f"{to_major_units(amount, currency):,} {currency.upper()}"


def from_major_units(text: str, currency: str) -> int | None:
    """What a person typed ("12.50", "3,000") in minor units; None if it is not such an amount
    (more decimals than the currency has, not a number, negative)."""
    try:
        value = Decimal(text.replace(",", "").strip())
    except InvalidOperation:
        return None
    minor = value.scaleb(minor_unit_exponent(currency))
    if not value.is_finite() or minor != minor.to_integral_value() or minor < 0:
        return None
    return int(minor)


def money_display(amount: int, currency: str) -> str:
    """`4900, "usd"` -> "$49.00"; `3000, "jpy"` -> "¥3,000" (in the site's language)."""
    locale = to_locale(settings.LANGUAGE_CODE)
    return format_currency(to_major_units(amount, currency), currency.upper(), locale=locale)
