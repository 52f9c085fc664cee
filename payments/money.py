"""Money for the back office: integer minor units plus an ISO currency, shown the currency's way.

How many decimals a minor unit has is Stripe's rule (stripe.com/docs/currencies): zero-decimal
currencies count whole units, a few count thousandths. How an amount is written (symbol,
grouping, decimals) is CLDR's, through Babel: 4900 USD is "$49.00", 3000 JPY is "¥3,000".
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
    """Decimals of the currency's minor unit at Stripe: 0 (JPY), 2 (USD) or 3 (KWD)."""
    code = currency.lower()
    if code in ZERO_DECIMAL:
        return 0
    if code in THREE_DECIMAL:
        return 3
    return 2


def to_major_units(amount: int, currency: str) -> Decimal:
    """4900 USD -> Decimal("49.00"); 3000 JPY -> Decimal("3000")."""
    exponent = minor_unit_exponent(currency)
    return Decimal(amount).scaleb(-exponent).quantize(Decimal(1).scaleb(-exponent))


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
