from django.conf import settings
from django.db import models
from django.db.models import Q


class Course(models.Model):
    """A course for sale. Its price is the catalog's truth; Stripe holds a mirror of it.

    `price_amount` is in the currency's minor unit (cents for USD, yen for JPY). Stripe prices
    are immutable, so a new price gets a new Stripe Price and the old one is archived.
    """

    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    price_amount = models.PositiveIntegerField(help_text="In the currency's minor unit.")
    currency = models.CharField(max_length=3, default="usd")
    active = models.BooleanField(default=True)
    stripe_product_id = models.CharField(max_length=255, blank=True, editable=False)
    stripe_price_id = models.CharField(max_length=255, blank=True, editable=False)
    # What `stripe_price_id` charges: when it differs from the catalog price, a sync is owed.
    stripe_price_amount = models.PositiveIntegerField(null=True, editable=False)
    stripe_price_currency = models.CharField(max_length=3, blank=True, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("title", "id")

    def __str__(self) -> str:
        return self.title


class Enrollment(models.Model):
    """Access to a course, granted by a succeeded payment and revoked by a full refund.

    A dispute on the payment suspends it until the dispute closes: won restores it, lost
    revokes it.
    """

    class Status(models.TextChoices):
        ACTIVE = "active"
        SUSPENDED = "suspended"
        REVOKED = "revoked"

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="enrollments"
    )
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="enrollments")
    payment = models.OneToOneField(
        "payments.Payment", on_delete=models.PROTECT, related_name="enrollment"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-created", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=("learner", "course"),
                condition=Q(status="active"),
                name="one_active_enrollment_per_course",
            )
        ]

    def __str__(self) -> str:
        return f"{self.learner} in {self.course}"
