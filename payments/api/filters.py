"""Filters of the payment history. An empty value (`?status=`, `?created_after=`) is ignored, as
if the parameter were absent (django-filter's rule, kept for every filter here): a form or a
client that sends every field, filled or not, gets the unfiltered list."""

from datetime import UTC, datetime
from typing import Any

import django_filters
from django import forms
from django_filters.fields import IsoDateTimeField
from drf_spectacular.utils import extend_schema_field

from payments.models import Payment, PaymentStatus

DATE_HELP = "ISO 8601 date or date-time, any UTC offset (naive values are UTC); empty is ignored."


class UtcDateTimeField(IsoDateTimeField):
    """An ISO 8601 instant, handed to the database in UTC.

    PostgreSQL refuses offsets beyond ±15:59 (Python accepts up to ±23:59), and an instant whose
    UTC time falls outside the years 1-9999 cannot be represented at all: both were 500s.
    """

    def to_python(self, value: Any) -> datetime | None:
        moment = super().to_python(value)  # naive values are made aware in UTC, the time zone
        if moment is None:
            return None
        try:
            return moment.astimezone(UTC)
        except OverflowError as exc:
            raise forms.ValidationError(
                "Enter a date and time between the years 1 and 9999 in UTC.", code="invalid"
            ) from exc


@extend_schema_field(
    {"anyOf": [{"type": "string", "format": "date-time"}, {"type": "string", "enum": [""]}]}
)
class UtcDateTimeFilter(django_filters.IsoDateTimeFilter):
    """An instant, or empty (ignored): the schema says both, so clients may send empty fields."""

    field_class = UtcDateTimeField


class PaymentFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=PaymentStatus.choices, help_text="Only payments in this status; empty is ignored."
    )
    created_after = UtcDateTimeFilter(field_name="created", lookup_expr="gte", help_text=DATE_HELP)
    created_before = UtcDateTimeFilter(field_name="created", lookup_expr="lt", help_text=DATE_HELP)

    class Meta:
        model = Payment
        fields = ("status", "created_after", "created_before")
