"""`{{ amount|price:currency }}`: money as a shopper reads it ($49.00, ¥3,000)."""

from django import template

from config.money import money_display

register = template.Library()


@register.filter
def price(amount: int | None, currency: str) -> str:
    return "" if amount is None else money_display(int(amount), currency)
