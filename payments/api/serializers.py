import copy
import functools
from typing import TYPE_CHECKING, ClassVar

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from payments.errors import guidance_for
from payments.models import Payment, Refund, RefundReason

if TYPE_CHECKING:
    from receipts.models import Receipt


class PaymentCreateSerializer(serializers.Serializer):
    course = serializers.SlugField(help_text="The course's slug.")
    payment_method = serializers.RegexField(
        r"^pm_[A-Za-z0-9_]+$",
        max_length=255,
        required=False,
        default="",
        help_text="A PaymentMethod id to confirm with at once (else confirm with Stripe.js): "
        "a new card, or one of the learner's saved cards.",
    )
    save_payment_method = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Save the card to the learner's saved cards once it pays.",
    )


class FieldsBuiltOnce(serializers.ModelSerializer):
    """A read-only ModelSerializer whose fields are built from the model once per class and
    copied for each use (as DRF does for declared fields), where DRF rebuilds them by model
    introspection on every instantiation: a purchase's answer spent most of its time there."""

    _fields_built: ClassVar[dict[str, serializers.Field] | None] = None

    def get_fields(self) -> dict[str, serializers.Field]:
        cls = type(self)
        built = cls.__dict__.get("_fields_built")
        if built is None:
            built = super().get_fields()
            cls._fields_built = built
        return copy.deepcopy(built)


class PaymentSerializer(FieldsBuiltOnce):
    """A payment as the learner's history lists it; amounts in the currency's minor unit."""

    # A payment made through the mobile contract buys no course: null, not a missing key.
    course = serializers.CharField(
        source="course.slug", read_only=True, allow_null=True, help_text="The course's slug."
    )
    course_title = serializers.CharField(source="course.title", read_only=True, allow_null=True)
    receipt_number = serializers.SerializerMethodField()
    receipt_url = serializers.SerializerMethodField()

    class Meta:
        model = Payment
        fields: tuple[str, ...] = (
            "id",
            "course",
            "course_title",
            "description",
            "amount",
            "currency",
            "status",
            "created",
            "stripe_payment_intent_id",
            "amount_refunded",
            "receipt_number",
            "receipt_url",
        )
        read_only_fields: tuple[str, ...] = fields

    RECEIPT_COLUMNS = ("receipt__number", "receipt__pdf", "receipt__pdf_sha256")
    """What the receipt's method fields read."""

    @classmethod
    @functools.cache
    def columns(cls) -> tuple[str, ...]:
        """The columns a row reads, for `QuerySet.only()`: the fields' sources and the receipt's.
        A payment with its course and receipt is 60 columns; a history row reads 13."""
        sources = [str(field.source) for field in cls().fields.values()]
        return (*(s.replace(".", "__") for s in sources if s != "*"), *cls.RECEIPT_COLUMNS)

    def get_receipt_number(self, payment: Payment) -> str | None:
        receipt = _selected_receipt(payment)
        return receipt.number if receipt is not None else None

    def get_receipt_url(self, payment: Payment) -> str | None:
        """The PDF's download path, once it is rendered."""
        receipt = _selected_receipt(payment)
        if receipt is None or not receipt.is_rendered:
            return None
        return reverse("receipt-pdf", kwargs={"payment_id": str(payment.pk)})


def _selected_receipt(payment: Payment) -> "Receipt | None":
    """The receipt selected with the payment (the selectors do); None when it was not, as for
    a payment just created, whose receipt is issued after its transaction commits."""
    selected: Receipt | None = payment._state.fields_cache.get("receipt")
    return selected


class LastFailureSerializer(serializers.Serializer):
    code = serializers.CharField(source="failure_code")
    decline_code = serializers.CharField()
    message = serializers.CharField(source="failure_message")
    retryable = serializers.SerializerMethodField()
    suggestion = serializers.SerializerMethodField()

    def get_retryable(self, payment: Payment) -> bool:
        return guidance_for(code=payment.failure_code, decline_code=payment.decline_code).retryable

    def get_suggestion(self, payment: Payment) -> str:
        return guidance_for(code=payment.failure_code, decline_code=payment.decline_code).suggestion


class RefundSerializer(serializers.ModelSerializer):
    class Meta:
        model = Refund
        fields = ("id", "amount", "currency", "status", "reason", "note", "created")
        read_only_fields = fields


class RefundCreateSerializer(serializers.Serializer):
    amount = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**31 - 1,
        help_text="In the currency's minor unit; omitted means all that is left to refund.",
    )
    reason = serializers.CharField(
        max_length=500,
        help_text="One of Stripe's reasons (`requested_by_customer`, `duplicate`, "
        "`fraudulent`) or, in your own words, why.",
    )

    def validated_reason(self) -> tuple[str, str]:
        """(the reason's code, the note): free text is reason `other` with the text as note."""
        reason = self.validated_data["reason"].strip()
        stripe_reasons = {r.value for r in RefundReason} - {RefundReason.OTHER.value}
        return (reason, "") if reason in stripe_reasons else (RefundReason.OTHER.value, reason)


class PaymentDetailSerializer(PaymentSerializer):
    """One payment: its row in the history, its last failure and its refunds."""

    last_failure = serializers.SerializerMethodField()
    next_action_url = serializers.CharField(read_only=True)
    refunds = RefundSerializer(many=True, read_only=True)

    class Meta(PaymentSerializer.Meta):
        fields = (
            *PaymentSerializer.Meta.fields,
            "updated",
            "next_action_url",
            "last_failure",
            "refunds",
        )
        read_only_fields = fields

    @extend_schema_field(LastFailureSerializer(allow_null=True))
    def get_last_failure(self, payment: Payment) -> dict[str, object] | None:
        if not payment.failure_code:
            return None
        return dict(LastFailureSerializer(payment).data)


class PaymentStartedSerializer(PaymentDetailSerializer):
    """What a purchase answers: the detail, plus the secret Stripe.js confirms with."""

    client_secret = serializers.CharField(read_only=True)
    refunds = None  # type: ignore[assignment]  # a purchase has none yet: no query for them

    class Meta(PaymentDetailSerializer.Meta):
        fields = (
            *(f for f in PaymentDetailSerializer.Meta.fields if f != "refunds"),
            "client_secret",
        )
        read_only_fields = fields
