"""Receipts: one per succeeded payment, numbered without gaps per year, e-mailed exactly once.

A receipt is a frozen copy of what was paid (buyer, lines, totals, card, Stripe ids): it never
changes when the course, the learner or the payment row changes later.
"""

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.db import models
from django.db.models import F, Q

from config.money import format_money


def receipts_storage() -> Storage:
    """The `receipts` entry of STORAGES (private: PDFs are served only by the download view)."""
    return storages["receipts"]


class ReceiptCounter(models.Model):
    """The last number given in a year. Its row lock serializes numbering, so no gap and no twin."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


class Stage(models.TextChoices):
    ISSUE = "issue"
    RENDER = "render"
    EMAIL = "email"


class Receipt(models.Model):
    payment = models.OneToOneField(
        "payments.Payment", on_delete=models.PROTECT, related_name="receipt"
    )
    number = models.CharField(max_length=32, unique=True, help_text="R-<year>-<sequence>.")
    year = models.PositiveSmallIntegerField()
    sequence = models.PositiveIntegerField()
    issued_at = models.DateTimeField()
    buyer_name = models.CharField(max_length=150, blank=True)
    buyer_email = models.EmailField()
    currency = models.CharField(max_length=3)
    total_amount = models.PositiveBigIntegerField(help_text="In the currency's minor unit.")
    paid_at = models.DateTimeField()
    card_brand = models.CharField(max_length=32, blank=True)
    card_last4 = models.CharField(max_length=4, blank=True)
    stripe_payment_intent_id = models.CharField(max_length=255, blank=True)
    stripe_charge_id = models.CharField(max_length=255, blank=True)
    pdf = models.FileField(storage=receipts_storage, max_length=255, blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    rendered_at = models.DateTimeField(null=True, blank=True)
    # The last permanent failure of a step (cleared when that step later succeeds).
    failure_stage = models.CharField(max_length=10, choices=Stage.choices, blank=True)
    failure_message = models.TextField(blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-year", "-sequence")
        constraints = [
            models.UniqueConstraint(fields=("year", "sequence"), name="one_receipt_per_number"),
        ]
        indexes = [models.Index(fields=("buyer_email",))]

    def __str__(self) -> str:
        return self.number

    @property
    def total_display(self) -> str:
        return format_money(self.total_amount, self.currency)

    @property
    def is_rendered(self) -> bool:
        return bool(self.pdf and self.pdf_sha256)

    @property
    def filename(self) -> str:
        return f"{self.number}.pdf"


class ReceiptLine(models.Model):
    receipt = models.ForeignKey(Receipt, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=1)
    description = models.CharField(max_length=200)
    unit_amount = models.PositiveBigIntegerField(help_text="In the currency's minor unit.")
    quantity = models.PositiveIntegerField(default=1)
    amount = models.PositiveBigIntegerField(help_text="unit_amount x quantity.")

    class Meta:
        ordering = ("receipt", "position")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount=F("unit_amount") * F("quantity")), name="line_amount_adds_up"
            ),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="line_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.description}"


class ReceiptEmail(models.Model):
    """One e-mail of a receipt to its buyer: the first, or one an admin asked to send again.

    `sent` is recorded in the same transaction that holds this row's lock while the SMTP server
    answers, so a duplicate or redelivered task waits or finds it sent (see services.emails).
    """

    class Kind(models.TextChoices):
        INITIAL = "initial"
        RESEND = "resend"

    class State(models.TextChoices):
        PENDING = "pending"
        SENT = "sent"
        FAILED = "failed"

    receipt = models.ForeignKey(Receipt, on_delete=models.CASCADE, related_name="emails")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.INITIAL)
    to_email = models.EmailField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    message_id = models.CharField(max_length=255, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("receipt", "created", "id")
        constraints = [
            models.UniqueConstraint(
                fields=("receipt",), condition=Q(kind="initial"), name="one_initial_email"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.receipt} to {self.to_email} ({self.state})"


class ReceiptIssueFailure(models.Model):
    """A payment whose receipt could not be issued: no number is spent on a failure."""

    payment = models.OneToOneField(
        "payments.Payment", on_delete=models.CASCADE, related_name="receipt_issue_failure"
    )
    message = models.TextField()
    attempts = models.PositiveIntegerField(default=1)
    last_failed_at = models.DateTimeField()

    class Meta:
        ordering = ("-last_failed_at",)

    def __str__(self) -> str:
        return f"receipt for {self.payment_id}: {self.message[:60]}"
