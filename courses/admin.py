from django.contrib import admin

from courses.models import Course, Enrollment


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    """The catalog. `payments.admin` extends it to keep Stripe's Product and Price in step."""

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


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    list_display = ("learner", "course", "status", "created")
    list_filter = ("status", "course")
    search_fields = ("learner__email", "course__title")
    list_select_related = ("learner", "course")
    readonly_fields = ("learner", "course", "payment", "created", "updated")
