from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from config.errors import AppError
from courses.admin import CourseAdmin
from courses.models import Course
from payments.gateway import get_gateway
from payments.inbox import inbox_reprocess
from payments.models import InboxEvent, Payment, PaymentEvent, ReconciliationIssue
from payments.services.catalog import course_sync_to_stripe


class PaymentEventInline(admin.TabularInline):
    model = PaymentEvent
    extra = 0
    can_delete = False
    fields = (
        "created",
        "from_status",
        "to_status",
        "source",
        "actor",
        "stripe_event_type",
        "detail",
    )
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
