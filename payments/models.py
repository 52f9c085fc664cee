"""The payment ledger. Every row is driven by a Stripe fact: an API response or a signed webhook."""

import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from courses.models import Course


class PaymentStatus(models.TextChoices):
    PENDING = "pending"
    REQUIRES_ACTION = "requires_action"
    PROCESSING = "processing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"


OPEN_STATUSES = (PaymentStatus.PENDING, PaymentStatus.REQUIRES_ACTION, PaymentStatus.FAILED)
"""A payment the learner can still complete: a new purchase of the same course reuses it."""


class StripeCustomer(models.Model):
    """The learner's Stripe Customer: created once, on the first purchase, and reused."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="stripe_customer"
    )
    customer_id = models.CharField(max_length=255, unique=True)
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.customer_id


class Payment(models.Model):
    """One purchase of one course by one learner, backed by one Stripe PaymentIntent.

    A declined attempt leaves the payment `failed` but open: the learner may try another card on
    the same PaymentIntent, which is what Stripe recommends for one order.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="payments",
        null=True,
        blank=True,
        help_text="Empty for a guest's payment (the seed contracts' embedded checkout).",
    )
    course = models.ForeignKey(
        "courses.Course",
        on_delete=models.PROTECT,
        related_name="payments",
        null=True,
        blank=True,
        help_text="Empty for a payment of no course (a product or an amount of a seed contract).",
    )
    amount = models.PositiveIntegerField(help_text="In the currency's minor unit.")
    currency = models.CharField(max_length=3)
    description = models.CharField(
        max_length=200, blank=True, help_text="What the learner's statement says; frozen."
    )
    status = models.CharField(
        max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    stripe_payment_intent_id = models.CharField(max_length=255, blank=True, db_index=True)
    client_secret = models.CharField(max_length=255, blank=True)
    failed_attempts = models.PositiveIntegerField(default=0)
    create_key_serial = models.PositiveSmallIntegerField(
        default=0, help_text="Which idempotency key creates the PaymentIntent (see purchase)."
    )
    failure_code = models.CharField(max_length=64, blank=True)
    decline_code = models.CharField(max_length=64, blank=True)
    failure_message = models.TextField(blank=True)
    next_action_url = models.URLField(max_length=2000, blank=True)
    amount_refunded = models.PositiveIntegerField(default=0)
    # What paid, from the PaymentIntent's latest Charge: receipts and support read these.
    stripe_charge_id = models.CharField(max_length=255, blank=True)
    card_brand = models.CharField(max_length=32, blank=True)
    card_last4 = models.CharField(max_length=4, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    stripe_checked_at = models.DateTimeField(
        null=True, blank=True, help_text="When we last compared this payment with Stripe."
    )
    created = models.DateTimeField(auto_now_add=True, db_index=True)
    updated = models.DateTimeField(auto_now=True)

    amount_lost_to_disputes = models.PositiveIntegerField(
        default=0, help_text="Taken back by the card's bank in disputes we lost (minor unit)."
    )

    class Meta:
        ordering = ("-created", "-id")
        indexes = [
            models.Index(fields=("learner", "-created", "-id")),
            # The back office's filters and exact-match searches at a million payments.
            models.Index(fields=("status", "-created"), name="payment_status_created"),
            models.Index(fields=("course", "-created"), name="payment_course_created"),
            models.Index(fields=("stripe_charge_id",), name="payment_charge_id"),
            models.Index(fields=("paid_at",), name="payment_paid_at"),
        ]
        permissions = [("refund_payment", "Can refund payments")]
        constraints = [
            models.UniqueConstraint(
                fields=("learner", "course"),
                condition=Q(status__in=OPEN_STATUSES),
                name="one_open_payment_per_course",
            ),
            models.UniqueConstraint(
                fields=("stripe_payment_intent_id",),
                condition=~Q(stripe_payment_intent_id=""),
                name="one_payment_per_payment_intent",
            ),
        ]

    def __str__(self) -> str:
        what = self.course or self.description or "payment"
        return f"{what} for {self.learner or 'a guest'} ({self.status})"

    @property
    def bought_course(self) -> "Course":
        """The course of a course purchase (the only kind the course flows handle)."""
        assert self.course is not None, f"payment {self.pk} is of no course"
        return self.course


class AuditRecord(models.Model):
    """What every audit row of the ledger records: what caused the change, who acted, the
    Stripe event that said so (if one did), and when."""

    class Source(models.TextChoices):
        API = "api", "API response"
        WEBHOOK = "webhook", "Stripe webhook"
        REFRESH = "refresh", "Read from Stripe"
        ADMIN = "admin", "Administrator"
        TASK = "task", "Background task"
        RECONCILE = "reconcile", "Reconciliation with Stripe"
        STRIPE = "stripe", "Stripe (outside the app)"

    source = models.CharField(max_length=10, choices=Source.choices)
    actor = models.CharField(
        max_length=255, blank=True, help_text="Who acted: a user, an event id, a task."
    )
    stripe_event_id = models.CharField(max_length=255, blank=True)
    stripe_event_type = models.CharField(max_length=100, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ("created", "id")


class PaymentEvent(AuditRecord):
    """The audit trail: every status change of a payment, what caused it and who acted.

    Written only by `payments.transitions`, in the transaction that changes the status.
    """

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, choices=PaymentStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=PaymentStatus.choices)

    def __str__(self) -> str:
        return f"{self.payment_id}: {self.from_status or '-'} -> {self.to_status}"


class IdempotencyRecord(models.Model):
    """A client's `Idempotency-Key`, with the response to replay for it.

    Stored per user: two users may pick the same key. A record without a response is in flight.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    key = models.CharField(max_length=255)
    endpoint = models.CharField(max_length=255)
    request_fingerprint = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True)
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("user", "key"), name="one_record_per_user_key")
        ]

    def __str__(self) -> str:
        return self.key


class InboxEvent(models.Model):
    """A Stripe event as it arrived: stored before Stripe is answered, processed after.

    One row per event id (Stripe delivers at least once). Events of one Stripe object are
    processed in order of arrival, one worker at a time; a failure is retried with back-off
    until `payments.inbox.MAX_ATTEMPTS`, then waits, failed, for a person to reprocess it.
    """

    class Status(models.TextChoices):
        PENDING = "pending"
        PROCESSED = "processed"
        FAILED = "failed"

    event_id = models.CharField(max_length=255, unique=True)
    event_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=255, help_text="Events of one object queue here.")
    payload = models.JSONField()
    endpoint_id = models.CharField(max_length=255, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-received_at", "-id")
        indexes = [
            models.Index(fields=("object_id", "status", "received_at")),
            models.Index(fields=("status", "received_at")),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id} ({self.status})"


class ReconciliationIssue(models.Model):
    """Something reconciliation found that it must not change on its own: a person decides.

    One row per kind and Stripe object; seen again, it is touched, not duplicated.
    """

    class Kind(models.TextChoices):
        UNKNOWN_PAYMENT = "unknown_payment", "An intent names a payment we do not have"
        AMOUNT_MISMATCH = "amount_mismatch", "Stripe's amount or currency differs from ours"
        TWO_INTENTS = "two_intents", "A second intent for a payment backed by another"

    kind = models.CharField(max_length=30, choices=Kind.choices)
    stripe_object_id = models.CharField(max_length=255)
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.SET_NULL)
    detail = models.JSONField(default=dict, blank=True)
    first_seen = models.DateTimeField(auto_now_add=True)
    last_seen = models.DateTimeField(auto_now=True)
    resolved = models.BooleanField(default=False)

    class Meta:
        ordering = ("-last_seen", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=("kind", "stripe_object_id"), name="one_issue_per_object"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.stripe_object_id}"


class CheckoutSession(models.Model):
    """The Stripe Checkout Session that one payment is bought through (one per payment).

    Written with its payment, before Stripe is called, with everything the session is created
    from (mode, redirects, what it sells): the Stripe idempotency key names the payment, so a
    retry, or a request that must retire the session, sends the very same parameters and gets
    the same session back. `status` and `payment_status` are Stripe's, moved forward only.
    """

    class UiMode(models.TextChoices):
        HOSTED = "hosted"
        EMBEDDED = "embedded"

    class Status(models.TextChoices):
        NOT_CREATED = "", "Not created at Stripe yet"
        OPEN = "open"
        COMPLETE = "complete"
        EXPIRED = "expired"

    payment = models.OneToOneField(
        Payment, on_delete=models.CASCADE, primary_key=True, related_name="checkout_session"
    )
    stripe_id = models.CharField(max_length=255, blank=True)
    ui_mode = models.CharField(max_length=10, choices=UiMode.choices)
    success_url = models.CharField(max_length=2000, blank=True)
    cancel_url = models.CharField(max_length=2000, blank=True)
    return_url = models.CharField(max_length=2000, blank=True)
    stripe_price_id = models.CharField(
        max_length=255, blank=True, help_text="The catalog Price sold, or empty for the amount."
    )
    stripe_customer_id = models.CharField(
        max_length=255,
        blank=True,
        help_text="The Customer paying when not the learner's own (service API); empty for the "
        "learner's, or for a guest.",
    )
    customer_email = models.CharField(max_length=254, blank=True, help_text="A guest's e-mail.")
    extra_metadata = models.JSONField(
        default=dict, blank=True, help_text="The caller's metadata, sent to Stripe with ours."
    )
    status = models.CharField(max_length=10, choices=Status.choices, blank=True)
    payment_status = models.CharField(max_length=32, blank=True)
    url = models.CharField(max_length=2000, blank=True)
    client_secret = models.CharField(max_length=255, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    stripe_checked_at = models.DateTimeField(
        null=True, blank=True, help_text="When we last compared this session with Stripe."
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("stripe_id",),
                condition=~Q(stripe_id=""),
                name="one_payment_per_checkout_session",
            )
        ]

    def __str__(self) -> str:
        return self.stripe_id or f"checkout of {self.payment_id}"


class SavedCard(models.Model):
    """A card a learner saved at Stripe, as our list knows it.

    Kept in step with Stripe by webhooks (attached, detached, updated, setup succeeded, the
    Customer's default); every use of a card id is checked against this list first.
    """

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_cards"
    )
    stripe_id = models.CharField(max_length=255, unique=True)
    stripe_customer_id = models.CharField(max_length=255)
    brand = models.CharField(max_length=32, blank=True)
    last4 = models.CharField(max_length=4, blank=True)
    exp_month = models.PositiveSmallIntegerField(default=0)
    exp_year = models.PositiveSmallIntegerField(default=0)
    is_default = models.BooleanField(
        default=False, help_text="The Customer's invoice_settings.default_payment_method."
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-created", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=("learner",), condition=Q(is_default=True), name="one_default_card"
            )
        ]

    def __str__(self) -> str:
        return f"{self.brand} •••• {self.last4}"


class CardSetup(models.Model):
    """A SetupIntent we opened for a learner to save a card; its id is the Stripe idempotency
    key, so a retry of the same request never opens a second one."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="card_setups"
    )
    stripe_setup_intent_id = models.CharField(max_length=255, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.stripe_setup_intent_id or str(self.id)


class RefundStatus(models.TextChoices):
    """Stripe's Refund statuses."""

    PENDING = "pending"
    REQUIRES_ACTION = "requires_action"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"


class RefundReason(models.TextChoices):
    """Stripe's refund reasons, plus ours for anything else (the note says what)."""

    REQUESTED_BY_CUSTOMER = "requested_by_customer", "Requested by the customer"
    DUPLICATE = "duplicate", "Duplicate payment"
    FRAUDULENT = "fraudulent", "Fraudulent"
    OTHER = "other", "Other (see the note)"


class Refund(models.Model):
    """Money given back on a payment, in full or in part.

    Written `pending` and committed before Stripe is asked; its id is Stripe's idempotency key,
    so a retry never refunds twice. Stripe's answer, its webhooks and a periodic re-read settle
    it. A refund made outside the app (Stripe's dashboard) is recorded here too, with origin
    `stripe`.
    """

    class Origin(models.TextChoices):
        ADMIN = "admin", "Back office"
        API = "api", "Staff API"
        STRIPE = "stripe", "Stripe (outside the app)"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = models.PositiveIntegerField(help_text="In the currency's minor unit.")
    currency = models.CharField(max_length=3)
    reason = models.CharField(max_length=32, choices=RefundReason.choices)
    note = models.TextField(blank=True, help_text="Why, in the words of who refunded.")
    status = models.CharField(
        max_length=20, choices=RefundStatus.choices, default=RefundStatus.PENDING
    )
    origin = models.CharField(max_length=10, choices=Origin.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    window_overridden = models.BooleanField(
        default=False, help_text="A superuser refunded after the refund window, confirming it."
    )
    stripe_refund_id = models.CharField(max_length=255, blank=True)
    failure_reason = models.CharField(max_length=64, blank=True, help_text="Stripe's.")
    failure_message = models.TextField(blank=True)
    stripe_checked_at = models.DateTimeField(null=True, blank=True)
    learner_notified_at = models.DateTimeField(null=True, blank=True)
    admins_notified_at = models.DateTimeField(null=True, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True, db_index=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-created", "-id")
        indexes = [models.Index(fields=("status", "created"), name="refund_status_created")]
        constraints = [
            models.UniqueConstraint(
                fields=("stripe_refund_id",),
                condition=~Q(stripe_refund_id=""),
                name="one_refund_per_stripe_refund",
            )
        ]

    def __str__(self) -> str:
        return f"Refund {self.amount} {self.currency.upper()} of {self.payment_id} ({self.status})"


class RefundEvent(AuditRecord):
    """The audit trail of refunds: every attempt (refused ones too) and every status change,
    with who acted. Written only by `payments.services.refunds`."""

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="refund_events")
    refund = models.ForeignKey(
        Refund, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(
        max_length=32, help_text="requested, refused, submitted, stripe_unavailable, status..."
    )
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)

    def __str__(self) -> str:
        return f"{self.payment_id}: refund {self.action}"


class DisputeOutcome(models.TextChoices):
    OPEN = "open"
    WON = "won"
    LOST = "lost"


class Dispute(models.Model):
    """A chargeback (or an inquiry) on a payment's charge, as Stripe reports it.

    While open the learner's access is suspended; won restores it; lost revokes it and books
    the amount as lost. The payment's own status does not move: it stays forward-only.
    """

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="disputes")
    stripe_dispute_id = models.CharField(max_length=255, unique=True)
    amount = models.PositiveIntegerField(help_text="In the currency's minor unit.")
    currency = models.CharField(max_length=3)
    reason = models.CharField(max_length=64, blank=True, help_text="Stripe's.")
    stripe_status = models.CharField(max_length=32, help_text="Stripe's dispute status.")
    outcome = models.CharField(
        max_length=10, choices=DisputeOutcome.choices, default=DisputeOutcome.OPEN
    )
    admins_notified_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True, db_index=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-created", "-id")

    def __str__(self) -> str:
        return f"Dispute {self.stripe_dispute_id} ({self.stripe_status})"


class DisputeEvent(AuditRecord):
    """The audit trail of disputes: each change Stripe reported, with the event that said it.
    Written only by `payments.services.disputes`."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="events")
    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="dispute_events")
    from_status = models.CharField(max_length=32, blank=True)
    to_status = models.CharField(max_length=32)

    def __str__(self) -> str:
        return f"{self.dispute}: {self.from_status or '-'} -> {self.to_status}"


class PaymentRollup(models.Model):
    """Payments summed per day of creation (UTC), currency, course and status.

    Kept in the same transaction as every change of a payment's status or amounts (by
    `payments.rollups`, called from `payments.transitions`), so that the back office reads the
    totals and counts of a million payments from a few thousand rows. `manage.py
    rollups_rebuild` recomputes them from the ledger.
    """

    day = models.DateField()
    currency = models.CharField(max_length=3)
    course_id = models.IntegerField(help_text="The course bought; 0 for a payment of no course.")
    status = models.CharField(max_length=20, choices=PaymentStatus.choices)
    count = models.BigIntegerField(default=0)
    amount = models.BigIntegerField(default=0)
    refunded = models.BigIntegerField(default=0)
    lost = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("day", "currency", "course_id", "status"), name="one_rollup_per_bucket"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.currency} course {self.course_id} {self.status}: {self.count}"


class CatalogProduct(models.Model):
    """A Stripe Product and its one Price that is not a course: what the seed contracts sell
    (the service API's products, the embedded checkout's one-time product, the mobile app's
    subscription price). Written before Stripe is called: the idempotency keys name the row."""

    class Interval(models.TextChoices):
        ONE_TIME = "", "One time"
        MONTH = "month"
        YEAR = "year"

    external_id = models.CharField(
        max_length=200, unique=True, help_text="The caller's id (stored in Stripe's metadata)."
    )
    name = models.CharField(max_length=250)
    description = models.TextField(blank=True)
    amount = models.PositiveIntegerField(help_text="In the currency's minor unit.")
    currency = models.CharField(max_length=3)
    interval = models.CharField(max_length=5, choices=Interval.choices, blank=True)
    stripe_product_id = models.CharField(max_length=255, blank=True, db_index=True)
    stripe_price_id = models.CharField(max_length=255, blank=True, db_index=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created", "-id")

    def __str__(self) -> str:
        return f"{self.name} ({self.external_id})"


class ServiceCustomer(models.Model):
    """A Stripe Customer created by an internal service through the service API (seed 002).
    Written before Stripe is called: its id is the idempotency key."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(max_length=254)
    name = models.CharField(max_length=250, blank=True)
    stripe_customer_id = models.CharField(max_length=255, blank=True, db_index=True)
    created_by = models.CharField(max_length=100, blank=True, help_text="The API key's name.")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created",)

    def __str__(self) -> str:
        return self.stripe_customer_id or self.email


class Subscription(models.Model):
    """A Stripe Subscription, as its webhooks and its creation tell us (mobile app, seed 001)."""

    stripe_id = models.CharField(max_length=255, unique=True)
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="subscriptions",
        null=True,
        blank=True,
    )
    stripe_customer_id = models.CharField(max_length=255, db_index=True)
    stripe_price_id = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=32, help_text="Stripe's subscription status.")
    cancel_at_period_end = models.BooleanField(default=False)
    current_period_end = models.DateTimeField(null=True, blank=True)
    canceled_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-created", "-id")

    def __str__(self) -> str:
        return f"{self.stripe_id} ({self.status})"
