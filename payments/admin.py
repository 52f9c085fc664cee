from django.contrib import admin
from django.http import HttpRequest

from payments.models import Payment, PaymentEvent


class PaymentEventInline(admin.TabularInline):
    model = PaymentEvent
    extra = 0
    can_delete = False
    fields = ("created", "from_status", "to_status", "source", "stripe_event_type", "detail")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    """The ledger, read-only: only Stripe's facts move a payment."""

    list_display = ("created", "learner", "course", "amount", "currency", "status")
    list_filter = ("status", "currency", "created")
    search_fields = ("id", "learner__email", "stripe_payment_intent_id", "course__title")
    list_select_related = ("learner", "course")
    date_hierarchy = "created"
    inlines = (PaymentEventInline,)
    exclude = ("client_secret",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
