"""Back office for receipts: find them, download them, e-mail them again, see what failed."""

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from accounts.models import User
from receipts import queue, services
from receipts.errors import ResendTooSoon
from receipts.models import Receipt, ReceiptEmail, ReceiptIssueFailure, ReceiptLine


class ReceiptLineInline(admin.TabularInline):
    model = ReceiptLine
    extra = 0
    can_delete = False
    fields = ("position", "description", "unit_amount", "quantity", "amount")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ReceiptEmailInline(admin.TabularInline):
    model = ReceiptEmail
    extra = 0
    can_delete = False
    fields = ("created", "kind", "to_email", "state", "attempts", "sent_at", "last_error")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class FailedFilter(admin.SimpleListFilter):
    title = "failure"
    parameter_name = "failed"

    def lookups(self, request, model_admin):
        return (("yes", "Failed"), ("no", "No failure"))

    def queryset(self, request: HttpRequest, queryset: QuerySet[Receipt]) -> QuerySet[Receipt]:
        if self.value() == "yes":
            return queryset.exclude(failure_stage="")
        if self.value() == "no":
            return queryset.filter(failure_stage="")
        return queryset


@admin.register(Receipt)
class ReceiptAdmin(admin.ModelAdmin):
    """Receipts are documents: read-only here, except for e-mailing them again."""

    list_display = (
        "number",
        "buyer_email",
        "total",
        "issued_at",
        "email_state",
        "failure",
        "download",
    )
    list_filter = (FailedFilter, "failure_stage", "currency", "year")
    search_fields = ("=number", "number", "buyer_email", "payment__stripe_payment_intent_id")
    list_select_related = ("payment",)
    date_hierarchy = "issued_at"
    inlines = (ReceiptLineInline, ReceiptEmailInline)
    actions = ("resend_email",)
    readonly_fields = (
        "number",
        "payment",
        "issued_at",
        "buyer_name",
        "buyer_email",
        "total",
        "paid_at",
        "card_brand",
        "card_last4",
        "stripe_payment_intent_id",
        "stripe_charge_id",
        "download",
        "pdf_sha256",
        "rendered_at",
        "failure_stage",
        "failure_message",
        "failed_at",
    )
    fields = readonly_fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Receipt]:
        return super().get_queryset(request).prefetch_related("emails")

    @admin.display(description="total", ordering="total_amount")
    def total(self, receipt: Receipt) -> str:
        return receipt.total_display

    @admin.display(description="e-mail")
    def email_state(self, receipt: Receipt) -> str:
        states = [email.state for email in receipt.emails.all()]
        return states[-1] if states else "-"

    @admin.display(description="failure")
    def failure(self, receipt: Receipt) -> str:
        if not receipt.failure_stage:
            return ""
        return format_html(
            '<span title="{}" style="color:#ba2121">{} failed</span>',
            receipt.failure_message,
            receipt.failure_stage,
        )

    @admin.display(description="PDF")
    def download(self, receipt: Receipt) -> str:
        if not receipt.is_rendered:
            return "not rendered yet"
        url = reverse("admin:receipts_receipt_pdf", args=[receipt.pk])
        return format_html('<a href="{}">{}</a>', url, receipt.filename)

    @admin.action(
        description="E-mail the selected receipts to their buyers again", permissions=("change",)
    )
    def resend_email(self, request: HttpRequest, queryset: QuerySet[Receipt]) -> None:
        queued, refused = [], []
        for receipt in queryset:
            try:
                services.receipt_email_request_resend(
                    receipt=receipt,
                    requested_by=request.user if isinstance(request.user, User) else None,
                )
            except ResendTooSoon:
                refused.append(receipt.number)
            else:
                queued.append(receipt.number)
        if queued:
            self.message_user(request, f"E-mail queued for {', '.join(queued)}.", messages.SUCCESS)
        if refused:
            self.message_user(
                request,
                f"Not sent again (e-mailed less than {settings.RECEIPT_RESEND_INTERVAL_MINUTES} "
                f"minutes ago): {', '.join(refused)}.",
                messages.WARNING,
            )

    def get_urls(self) -> list[URLPattern]:
        pdf = path(
            "<int:receipt_id>/pdf/",
            self.admin_site.admin_view(self.pdf_view),
            name="receipts_receipt_pdf",
        )
        return [pdf, *super().get_urls()]

    def pdf_view(self, request: HttpRequest, receipt_id: int) -> FileResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        receipt = Receipt.objects.filter(pk=receipt_id).first()
        if receipt is None or not receipt.is_rendered:
            raise Http404("No rendered receipt.")
        return FileResponse(
            receipt.pdf.open("rb"),
            as_attachment=True,
            filename=receipt.filename,
            content_type="application/pdf",
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ReceiptIssueFailure)
class ReceiptIssueFailureAdmin(admin.ModelAdmin):
    """Payments whose receipt could not be issued; retrying starts their chain again."""

    list_display = ("payment", "message", "attempts", "last_failed_at")
    readonly_fields = ("payment", "message", "attempts", "last_failed_at")
    actions = ("retry",)

    @admin.action(description="Try issuing these receipts again", permissions=("change",))
    def retry(self, request: HttpRequest, queryset: QuerySet[ReceiptIssueFailure]) -> None:
        for failure in queryset:
            queue.enqueue_receipt_chain(payment_id=failure.payment_id)
        self.message_user(request, f"{queryset.count()} receipt(s) queued.", messages.SUCCESS)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
