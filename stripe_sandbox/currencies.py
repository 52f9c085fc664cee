"""How many decimals a currency's amounts have in Stripe's minor units.

Stripe counts most currencies in hundredths (4900 USD is $49.00), the zero-decimal ones in
whole units (3000 JPY is ¥3,000) and a few in thousandths (5120 KWD is 5.120 KD). Pages
format amounts from this table, which `pages` hands to the stripe.js stand-in.
"""

from __future__ import annotations

ZERO_DECIMAL = frozenset(
    {
        "bif",
        "clp",
        "djf",
        "gnf",
        "jpy",
        "kmf",
        "krw",
        "mga",
        "pyg",
        "rwf",
        "ugx",
        "vnd",
        "vuv",
        "xaf",
        "xof",
        "xpf",
    }
)
THREE_DECIMAL = frozenset({"bhd", "jod", "kwd", "omr", "tnd"})


def decimals(currency: str) -> int:
    code = currency.lower()
    if code in ZERO_DECIMAL:
        return 0
    if code in THREE_DECIMAL:
        return 3
    return 2


def decimals_table() -> dict[str, int]:
    """The currencies whose decimals are not two."""
    return {code: decimals(code) for code in sorted(ZERO_DECIMAL | THREE_DECIMAL)}
