"""The back office: payments (filters, search, totals, CSV, timeline, refunds), refunds,
disputes, their audit trails, an overview chart, and dj-stripe's mirror cut to what an operator
needs.

Built for a million payments: every filter and search hits an index, the list makes no query
per row, totals are one grouped query, and the full count is never taken twice.
"""

import csv
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, date, time
from typing import Any

from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from config.errors import AppError
from config.money import from_major_units, minor_unit_exponent, money_display, to_major_units
from courses.admin import CourseAdmin
from courses.models import Course
from payments.admin_chart import daily_chart
from payments.gateway import get_gateway
from payments.inbox import inbox_reprocess
from payments.models import (
    CatalogProduct,
    Dispute,
    DisputeEvent,
    InboxEvent,
    Payment,
    PaymentEvent,
    ReconciliationIssue,
    Refund,
    RefundEvent,
    RefundReason,
    ServiceCustomer,
    Subscription,
)
from payments.selectors import (
    LedgerFilter,
    daily_totals_by_currency,
    payment_count_and_totals,
    payment_totals_by_currency,
)
from payments.services.catalog import course_sync_to_stripe
from payments.services.refunds import RefundAsk, refund_remaining, refund_request

REFUND_PERMISSION = "payments.refund_payment"
OVERVIEW_DAYS = 30


def stripe_dashboard_url(kind: str, object_id: str) -> str:
    """Where Stripe's dashboard shows an object, in test or live mode as the key is."""
    test = settings.STRIPE_SECRET_KEY.startswith(("sk_test_", "rk_test_"))
    return f"{settings.STRIPE_DASHBOARD_URL}{'/test' if test else ''}/{kind}/{object_id}"


def _stripe_link(kind: str, object_id: str) -> SafeString | str:
    if not object_id:
        return "-"
    return format_html(
        '<a href="{}" target="_blank" rel="noopener noreferrer">{}</a>',
        stripe_dashboard_url(kind, object_id),
        object_id,
    )


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by our services (audit trails, Stripe's facts): viewable, never
    added, changed or deleted here."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class CountedPaginator(Paginator):
    """A paginator told its count, instead of counting."""

    def __init__(self, count: int, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._known_count = count

    @property
    def count(self) -> int:
        return self._known_count


LEDGER_PARAMETERS = {"status__exact", "currency", "course__id__exact", "created__gte",
                     "created__lt", "p", "o"}  # fmt: skip
"""Changelist parameters the running totals can answer (filters, the page, the ordering)."""


def _ledger_filter(request: HttpRequest) -> LedgerFilter | None:
    """The changelist's filters as a `LedgerFilter`, or None when only the payments themselves
    can answer them (a search, the dispute filter, a date that is not a whole UTC day)."""
    params = request.GET
    if not set(params) <= LEDGER_PARAMETERS:
        return None
    try:
        course = params.get("course__id__exact", "")
        return LedgerFilter(
            status=params.get("status__exact", ""),
            currency=params.get("currency", ""),
            course_id=int(course) if course else None,
            created_from=_whole_day(params.get("created__gte", "")),
            created_before=_whole_day(params.get("created__lt", "")),
        )
    except ValueError:
        return None


def _whole_day(value: str) -> date | None:
    """The UTC day a date filter's bound names ("2026-11-30" or midnight of it); ValueError
    for any other instant."""
    if not value:
        return None
    moment = parse_datetime(value)  # also reads a bare date, as midnight (fromisoformat)
    if moment is None:
        raise ValueError(value)
    if timezone.is_aware(moment):
        moment = moment.astimezone(UTC)
    if moment.time() != time.min:
        raise ValueError(value)
    return moment.date()


class CurrencyFilter(admin.SimpleListFilter):
    """Currencies of the catalog (a small table), not a DISTINCT over every payment."""

    title = "currency"
    parameter_name = "currency"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        codes = Course.objects.order_by("currency").values_list("currency", flat=True).distinct()
        return [(code, code.upper()) for code in codes]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(currency=self.value()) if self.value() else queryset


class DisputedFilter(admin.SimpleListFilter):
    title = "dispute"
    parameter_name = "dispute"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("open", "Open dispute"), ("lost", "Dispute lost"), ("won", "Dispute won")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value():
            return queryset.filter(disputes__outcome=self.value()).distinct()
        return queryset


class RefundInline(admin.TabularInline):
    model = Refund
    extra = 0
    can_delete = False
    fields = ("created", "amount_display", "status", "reason", "note", "origin", "requested_by",
              "stripe_link", "failure")  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.display(description="amount")
    def amount_display(self, refund: Refund) -> str:
        return money_display(refund.amount, refund.currency)

    @admin.display(description="Stripe")
    def stripe_link(self, refund: Refund) -> SafeString | str:
        return _stripe_link("refunds", refund.stripe_refund_id)

    @admin.display(description="failure")
    def failure(self, refund: Refund) -> str:
        return " ".join(filter(None, [refund.failure_reason, refund.failure_message])) or "-"


class DisputeInline(admin.TabularInline):
    model = Dispute
    extra = 0
    can_delete = False
    fields = ("created", "stripe_link", "amount", "currency", "reason", "stripe_status", "outcome")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.display(description="Stripe")
    def stripe_link(self, dispute: Dispute) -> SafeString | str:
        return _stripe_link("disputes", dispute.stripe_dispute_id)


class RefundForm(forms.Form):
    amount = forms.CharField(
        required=False,
        max_length=32,
        help_text="In the payment's currency (e.g. 12.50; 3000 for yen). Empty: all that is left.",
    )
    reason = forms.ChoiceField(choices=RefundReason.choices)
    note = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why, in your words (required for 'Other').",
    )
    override_window = forms.BooleanField(
        required=False, label="Refund although the refund window has passed (superusers only)"
    )
    confirm_override = forms.BooleanField(
        required=False, label="Yes, I confirm refunding after the refund window"
    )

    def __init__(self, *args: Any, payment: Payment, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.payment = payment

    def clean_amount(self) -> int | None:
        text = self.cleaned_data["amount"].strip()
        if not text:
            return None
        amount = from_major_units(text, self.payment.currency)
        if amount is None or amount > 2**31 - 1:
            decimals = minor_unit_exponent(self.payment.currency)
            raise forms.ValidationError(
                f"Enter an amount in {self.payment.currency.upper()} with at most {decimals} "
                "decimals."
            )
        return amount

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("reason") == RefundReason.OTHER and not data.get("note", "").strip():
            self.add_error("note", "Say why: the reason is 'Other'.")
        if data.get("override_window") and not data.get("confirm_override"):
            self.add_error("confirm_override", "Confirm the override to refund after the window.")
        return data


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    """The ledger, read-only: only Stripe's facts move a payment; refunds start here."""

    list_display = ("created", "learner_email", "course", "amount_display", "status",
                    "refunded_display", "paid_at")  # fmt: skip
    list_filter = ("status", ("created", admin.DateFieldListFilter), "course", CurrencyFilter,
                   DisputedFilter)  # fmt: skip
    list_select_related = ("learner", "course")
    search_fields = ("=learner__email",)  # shows the search box; the search is our own
    search_help_text = (
        "A learner's e-mail, a payment id, a Stripe id (pi_, ch_, re_, dp_, cus_) or a receipt "
        "number: exact match."
    )
    show_full_result_count = False
    list_per_page = 50
    actions = ("refund_one",)
    inlines = (RefundInline, DisputeInline)
    exclude = ("client_secret",)
    readonly_fields = ("timeline", "stripe_links", "amount_display", "refunded_display",
                       "lost_display")  # fmt: skip
    fieldsets = (
        (None, {"fields": ("learner", "course", "status", "amount_display", "refunded_display",
                           "lost_display", "description", "created", "paid_at")}),
        ("Stripe", {"fields": ("stripe_links", "card_brand", "card_last4", "failure_code",
                               "decline_code", "failure_message")}),
        ("Timeline", {"fields": ("timeline",)}),
    )  # fmt: skip
    change_list_template = "admin/payments/payment/change_list.html"
    change_form_template = "admin/payments/payment/change_form.html"

    @admin.display(description="learner", ordering="learner__email")
    def learner_email(self, payment: Payment) -> str:
        return payment.learner.email if payment.learner else "(guest)"

    @admin.display(description="amount", ordering="amount")
    def amount_display(self, payment: Payment) -> str:
        return money_display(payment.amount, payment.currency)

    @admin.display(description="refunded")
    def refunded_display(self, payment: Payment) -> str:
        return (
            money_display(payment.amount_refunded, payment.currency)
            if payment.amount_refunded
            else "-"
        )

    @admin.display(description="lost to disputes")
    def lost_display(self, payment: Payment) -> str:
        return money_display(payment.amount_lost_to_disputes, payment.currency)

    @admin.display(description="Stripe objects")
    def stripe_links(self, payment: Payment) -> SafeString:
        customer = getattr(getattr(payment.learner, "stripe_customer", None), "customer_id", "")
        rows = [
            ("PaymentIntent", _stripe_link("payments", payment.stripe_payment_intent_id)),
            ("Charge", _stripe_link("payments", payment.stripe_charge_id)),
            ("Customer", _stripe_link("customers", customer)),
        ]
        return format_html_join(mark_safe("<br>"), "{}: {}", rows)

    @admin.display(description="events")
    def timeline(self, payment: Payment) -> SafeString:
        return format_html(
            '<table class="payment-timeline"><thead><tr><th>when</th><th>what</th><th>who</th>'
            "<th>Stripe event</th><th>detail</th></tr></thead><tbody>{}</tbody></table>",
            format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                             _timeline_rows(payment)),
        )  # fmt: skip

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Payment], search_term: str
    ) -> tuple[QuerySet[Payment], bool]:
        """Exact matches on indexed columns, chosen by the term's shape: fast at any size."""
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(**_search_lookup(term)), False

    def get_paginator(
        self,
        request: HttpRequest,
        queryset: QuerySet[Payment],
        per_page: int,
        orphans: int = 0,
        allow_empty_first_page: bool = True,
    ) -> Paginator:
        """A count from the running totals when they can answer the filters: counting a
        million rows is most of a plain page's time."""
        ledger = _ledger_filter(request)
        if ledger is None:
            return super().get_paginator(
                request, queryset, per_page, orphans, allow_empty_first_page
            )
        count, totals = payment_count_and_totals(ledger=ledger)
        request.ledger_totals = totals  # type: ignore[attr-defined]  # for changelist_view
        return CountedPaginator(count, queryset, per_page, orphans, allow_empty_first_page)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None)
        if context is not None and "cl" in context:
            totals = getattr(request, "ledger_totals", None)
            if totals is None:  # a search or a dispute filter: summed from the payments
                totals = payment_totals_by_currency(payments=context["cl"].queryset)
            context["totals"] = [
                {
                    "currency": t.currency.upper(),
                    "count": t.count,
                    "gross": money_display(t.gross, t.currency),
                    "refunded": money_display(t.refunded, t.currency),
                    "lost": money_display(t.lost_to_disputes, t.currency),
                    "net": money_display(t.net, t.currency),
                }
                for t in totals
            ]
            context["export_query"] = request.GET.urlencode()
        return response

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: dict[str, Any] | None = None) -> HttpResponse:  # fmt: skip
        extra = {**(extra_context or {}), "can_refund": self.has_refund_permission(request)}
        return super().change_view(request, object_id, form_url, extra)

    def has_refund_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(REFUND_PERMISSION)

    @admin.action(description="Refund the selected payment", permissions=["refund"])
    def refund_one(self, request: HttpRequest, queryset: QuerySet[Payment]) -> HttpResponse | None:
        chosen = list(queryset.values_list("pk", flat=True)[:2])
        if len(chosen) != 1:
            self.message_user(request, "Select exactly one payment to refund.", messages.WARNING)
            return None
        return HttpResponseRedirect(reverse("admin:payments_payment_refund", args=[chosen[0]]))

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("overview/", view(self.overview_view), name="payments_payment_overview"),
            path("export.csv", view(self.export_view), name="payments_payment_export"),
            path(
                "<uuid:payment_id>/refund/", view(self.refund_view), name="payments_payment_refund"
            ),
            *super().get_urls(),
        ]

    def refund_view(self, request: HttpRequest, payment_id: uuid.UUID) -> HttpResponse:
        if not self.has_refund_permission(request):
            raise PermissionDenied
        payment = get_object_or_404(
            Payment.objects.select_related("course", "learner"), pk=payment_id
        )
        form = RefundForm(request.POST or None, payment=payment)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            ask = RefundAsk(
                payment_id=str(payment.pk),
                amount=data["amount"],
                reason=data["reason"],
                note=data["note"],
                origin=Refund.Origin.ADMIN,
                requested_by=request.user,  # type: ignore[arg-type]
                override_window=data["override_window"],
            )
            try:
                refund = refund_request(ask=ask, gateway=get_gateway())
            except AppError as refused:
                form.add_error(None, " ".join(filter(None, [refused.message, refused.suggestion])))
            else:
                self._tell_refund_outcome(request, refund)
                return HttpResponseRedirect(
                    reverse("admin:payments_payment_change", args=[payment.pk])
                )
        remaining = refund_remaining(payment=payment)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Refund {money_display(payment.amount, payment.currency)} payment",
            "payment": payment,
            "form": form,
            "remaining": money_display(max(remaining, 0), payment.currency),
            "remaining_major": to_major_units(max(remaining, 0), payment.currency),
            "amount": money_display(payment.amount, payment.currency),
            "is_superuser": request.user.is_superuser,
            "window_days": settings.REFUND_WINDOW_DAYS,
        }
        return TemplateResponse(request, "admin/payments/payment/refund.html", context)

    def _tell_refund_outcome(self, request: HttpRequest, refund: Refund) -> None:
        amount = money_display(refund.amount, refund.currency)
        if refund.status == "succeeded":
            self.message_user(request, f"Refunded {amount}.", messages.SUCCESS)
        elif refund.status in ("failed", "canceled"):
            why = refund.failure_message or refund.failure_reason
            self.message_user(
                request, f"Stripe refused the refund of {amount}: {why}", messages.ERROR
            )
        else:
            self.message_user(
                request,
                f"Refund of {amount} asked; Stripe has not settled it yet (it is {refund.status}).",
                messages.WARNING,
            )

    def export_view(self, request: HttpRequest) -> StreamingHttpResponse:
        """The filtered payments as CSV, streamed (no page, no limit, constant memory)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        changelist: ChangeList = self.get_changelist_instance(request)
        rows = changelist.get_queryset(request).values_list(*EXPORT_FIELDS)
        response = StreamingHttpResponse(
            _csv_lines(rows.iterator(chunk_size=2000)), content_type="text/csv"
        )
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        response["Content-Disposition"] = f'attachment; filename="payments-{stamp}.csv"'
        return response

    def overview_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        today = timezone.now().date()
        per_currency = daily_totals_by_currency(days=OVERVIEW_DAYS, today=today)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Payments overview: the last {OVERVIEW_DAYS} days",
            "charts": [daily_chart(currency=c, days=d) for c, d in per_currency.items()],
        }
        return TemplateResponse(request, "admin/payments/payment/overview.html", context)


EXPORT_FIELDS = ("id", "created", "paid_at", "learner__email", "course__slug", "currency", "amount",
                 "amount_refunded", "amount_lost_to_disputes", "status", "stripe_payment_intent_id",
                 "stripe_charge_id")  # fmt: skip
EXPORT_HEADER = ("payment", "created", "paid_at", "learner_email", "course", "currency", "amount",
                 "refunded", "lost_to_disputes", "status", "payment_intent", "charge")  # fmt: skip
MONEY_COLUMNS = {6, 7, 8}


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_lines(rows: Iterable[tuple[Any, ...]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(EXPORT_HEADER)
    for row in rows:
        currency = row[5]
        yield writer.writerow(
            [
                to_major_units(value, currency) if index in MONEY_COLUMNS else _cell(value)
                for index, value in enumerate(row)
            ]
        )


def _cell(value: Any) -> Any:
    """A spreadsheet must not run what a learner typed: formulas are quoted."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _search_lookup(term: str) -> dict[str, Any]:
    if "@" in term:
        return {"learner__email": term.lower()}
    prefixes = {
        "pi_": "stripe_payment_intent_id",
        "ch_": "stripe_charge_id",
        "re_": "refunds__stripe_refund_id",
        "dp_": "disputes__stripe_dispute_id",
        "cus_": "learner__stripe_customer__customer_id",
    }
    for prefix, field in prefixes.items():
        if term.startswith(prefix):
            return {field: term}
    try:
        return {"pk": str(uuid.UUID(term))}
    except ValueError:
        pass
    return {"receipt__number": term.upper()}  # R-2026-000001: what is left


def _timeline_rows(payment: Payment) -> list[tuple[Any, ...]]:
    """Payment, refund and dispute audit rows of one payment, oldest first."""
    rows: list[tuple[Any, ...]] = []
    for event in payment.events.all():
        what = f"payment {event.from_status or 'opened'} → {event.to_status}"
        rows.append((event.created, what, _who(event), event.stripe_event_id, event.detail))
    for refund_event in RefundEvent.objects.filter(payment=payment):
        what = f"refund {refund_event.action}"
        if refund_event.to_status:
            what += f" {refund_event.from_status or ''} → {refund_event.to_status}".replace(
                "  ", " "
            )
        rows.append((refund_event.created, what, _who(refund_event), refund_event.stripe_event_id,
                     refund_event.detail))  # fmt: skip
    for dispute_event in DisputeEvent.objects.filter(payment=payment):
        what = f"dispute {dispute_event.from_status or 'opened'} → {dispute_event.to_status}"
        rows.append((dispute_event.created, what, _who(dispute_event),
                     dispute_event.stripe_event_id, dispute_event.detail))  # fmt: skip
    rows.sort(key=lambda row: row[0])
    return [(timezone.localtime(when).strftime("%Y-%m-%d %H:%M:%S"), *rest) for when, *rest in rows]


def _who(event: PaymentEvent | RefundEvent | DisputeEvent) -> str:
    source = PaymentEvent.Source(event.source).label
    return f"{source}: {event.actor}" if event.actor else source


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ("created", "payment_link", "amount_display", "status", "reason", "origin",
                    "requested_by", "failure_reason")  # fmt: skip
    list_filter = ("status", "origin", "reason", "currency")
    list_select_related = ("payment", "requested_by")
    search_fields = ("=stripe_refund_id", "=payment__id")
    show_full_result_count = False

    @admin.display(description="payment")
    def payment_link(self, refund: Refund) -> SafeString:
        url = reverse("admin:payments_payment_change", args=[refund.payment_id])
        return format_html('<a href="{}">{}</a>', url, refund.payment_id)

    @admin.display(description="amount", ordering="amount")
    def amount_display(self, refund: Refund) -> str:
        return money_display(refund.amount, refund.currency)


@admin.register(Dispute)
class DisputeAdmin(ReadOnlyAdmin):
    list_display = ("created", "stripe_dispute_id", "payment", "amount", "currency", "reason",
                    "stripe_status", "outcome")  # fmt: skip
    list_filter = ("outcome", "stripe_status", "reason")
    search_fields = ("=stripe_dispute_id",)


class AuditAdmin(ReadOnlyAdmin):
    list_filter = ("source",)
    search_fields = ("=payment__id", "=stripe_event_id")
    show_full_result_count = False


@admin.register(PaymentEvent)
class PaymentEventAdmin(AuditAdmin):
    list_display = (
        "created",
        "payment",
        "from_status",
        "to_status",
        "source",
        "actor",
        "stripe_event_id",
    )


@admin.register(RefundEvent)
class RefundEventAdmin(AuditAdmin):
    list_display = (
        "created",
        "payment",
        "refund",
        "action",
        "from_status",
        "to_status",
        "source",
        "actor",
    )


@admin.register(DisputeEvent)
class DisputeEventAdmin(AuditAdmin):
    list_display = (
        "created",
        "dispute",
        "from_status",
        "to_status",
        "source",
        "actor",
        "stripe_event_id",
    )


admin.site.unregister(Course)


@admin.register(Course)
class CatalogCourseAdmin(CourseAdmin):
    """The catalog, kept in step with Stripe's Products and Prices on every save."""

    def save_model(self, request: HttpRequest, obj: Course, form: ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        try:
            course_sync_to_stripe(course=obj, gateway=get_gateway())
        except AppError as error:
            # The course is saved; saving it again finishes the sync.
            self.message_user(
                request, f"Saved, but Stripe was not updated: {error.message}", messages.WARNING
            )


@admin.register(InboxEvent)
class InboxEventAdmin(admin.ModelAdmin):
    """Stripe's events as received; a failed one can be given a new round of attempts."""

    list_display = ("received_at", "event_type", "object_id", "status", "attempts", "last_error")
    list_filter = ("status", "event_type")
    search_fields = ("event_id", "object_id")
    readonly_fields = [field.name for field in InboxEvent._meta.fields]
    actions = ("reprocess",)
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.action(description="Reprocess the selected failed events", permissions=("change",))
    def reprocess(self, request: HttpRequest, queryset: QuerySet[InboxEvent]) -> None:
        queued = inbox_reprocess(events=queryset)
        self.message_user(request, f"{queued} failed event(s) queued for processing again.")


@admin.register(ReconciliationIssue)
class ReconciliationIssueAdmin(admin.ModelAdmin):
    """What reconciliation found and would not change alone: a person decides, then marks it."""

    list_display = ("last_seen", "kind", "stripe_object_id", "payment", "resolved")
    list_filter = ("resolved", "kind")
    search_fields = ("stripe_object_id", "payment__id")
    readonly_fields = ("kind", "stripe_object_id", "payment", "detail", "first_seen", "last_seen")
    list_editable = ("resolved",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


STRIPE_MIRROR = {"Customer", "PaymentIntent", "Charge", "Refund", "Dispute", "Event",
                 "WebhookEndpoint"}  # fmt: skip
"""dj-stripe's models an operator needs; the other dozens stay out of the admin."""


def _reduce_stripe_mirror() -> None:
    """dj-stripe registers an admin for each of its models: keep the operator's few, grouped
    as the "Stripe mirror" (webhooks as received are our inbox's, above). Models are found
    through the app registry, so nothing here imports dj-stripe."""
    config = apps.get_app_config("djstripe")
    config.verbose_name = "Stripe mirror"
    for model in config.get_models():
        if admin.site.is_registered(model) and model.__name__ not in STRIPE_MIRROR:
            admin.site.unregister(model)


_reduce_stripe_mirror()


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdmin):
    """Subscriptions (mobile app), as Stripe's creation answers and webhooks report them."""

    list_display = ("created", "stripe_id", "learner", "stripe_price_id", "status",
                    "current_period_end", "cancel_at_period_end")  # fmt: skip
    list_filter = ("status",)
    list_select_related = ("learner",)
    search_fields = ("=stripe_id", "=stripe_customer_id")


@admin.register(CatalogProduct)
class CatalogProductAdmin(ReadOnlyAdmin):
    """Products that are not courses (the seed contracts' products and prices)."""

    list_display = ("created", "external_id", "name", "amount", "currency", "interval",
                    "stripe_product_id", "stripe_price_id")  # fmt: skip
    search_fields = ("=external_id", "=stripe_product_id", "=stripe_price_id")


@admin.register(ServiceCustomer)
class ServiceCustomerAdmin(ReadOnlyAdmin):
    """Customers internal services created through the service API."""

    list_display = ("created", "stripe_customer_id", "email", "name", "created_by")
    search_fields = ("=stripe_customer_id", "=email")
