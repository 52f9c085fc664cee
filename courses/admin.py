from django.contrib import admin, messages
from django.forms import ModelForm
from django.http import HttpRequest

from config.errors import AppError
from courses.models import Course, Enrollment
from courses.services import course_sync_to_stripe
from payments.stripe_gateway import get_gateway


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ("title", "slug", "price_amount", "currency", "active", "stripe_price_id")
    list_filter = ("active", "currency")
    search_fields = ("title", "slug")
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = (
        "stripe_product_id",
        "stripe_price_id",
        "stripe_price_amount",
        "stripe_price_currency",
        "created",
        "updated",
    )

    def save_model(self, request: HttpRequest, obj: Course, form: ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        try:
            course_sync_to_stripe(course=obj, gateway=get_gateway())
        except AppError as error:
            # The course is saved; saving it again finishes the sync.
            self.message_user(
                request, f"Saved, but Stripe was not updated: {error.message}", messages.WARNING
            )


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    list_display = ("learner", "course", "status", "created")
    list_filter = ("status", "course")
    search_fields = ("learner__email", "course__title")
    list_select_related = ("learner", "course")
    readonly_fields = ("learner", "course", "payment", "created", "updated")
