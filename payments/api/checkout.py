"""`/api/v1/checkout-sessions/`: buy a course through Stripe Checkout, and follow the session."""

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle

from config.schema import api_errors
from payments import selectors
from payments.api.idempotency import idempotent
from payments.api.throttles import PaymentCreateIPThrottle, PaymentCreateUserThrottle
from payments.api.views import IDEMPOTENCY_KEY
from payments.gateway import get_gateway
from payments.models import CheckoutSession, Payment
from payments.redirects import MAX_LENGTH
from payments.services.checkout import checkout_start
from payments.services.checkout_sessions import checkout_session_refresh_if_stale

SESSION_ID = OpenApiParameter(
    "id", str, OpenApiParameter.PATH, description="The Checkout Session's id (`cs_...`)."
)
HOSTED_ONLY = ("success_url", "cancel_url")
EMBEDDED_ONLY = ("return_url",)


def _redirect_field(help_text: str) -> serializers.CharField:
    return serializers.CharField(
        max_length=MAX_LENGTH, required=False, default="", help_text=help_text
    )


class CheckoutCreateSerializer(serializers.Serializer):
    course = serializers.SlugField(required=False, help_text="The course's slug (or send `price`).")
    price = serializers.RegexField(
        r"^price_[A-Za-z0-9_]+$",
        max_length=255,
        required=False,
        help_text="The course's current Stripe Price id (or send `course`).",
    )
    ui_mode = serializers.ChoiceField(
        choices=CheckoutSession.UiMode.choices,
        default="hosted",
        help_text="`hosted`: redirect to `url`; `embedded`: mount Checkout with `client_secret`.",
    )
    success_url = _redirect_field("Hosted: where the learner lands after paying.")
    cancel_url = _redirect_field("Hosted: where the learner goes back to without paying.")
    return_url = _redirect_field("Embedded: where the learner lands after paying.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("course" in attrs) == ("price" in attrs):
            raise serializers.ValidationError("Name either `course` or `price`.")
        wrong = EMBEDDED_ONLY if attrs["ui_mode"] == "hosted" else HOSTED_ONLY
        misplaced = {name: ["Not used in this ui_mode."] for name in wrong if attrs[name]}
        if misplaced:
            raise serializers.ValidationError(misplaced)
        return attrs


class CheckoutPaymentSerializer(serializers.ModelSerializer):
    course = serializers.CharField(source="course.slug", read_only=True)

    class Meta:
        model = Payment
        fields = ("id", "course", "amount", "currency", "status")
        read_only_fields = fields


class CheckoutSessionSerializer(serializers.ModelSerializer):
    """A session as its owner follows it: Stripe's status and payment_status, and our payment."""

    id = serializers.CharField(source="stripe_id", read_only=True)
    payment = CheckoutPaymentSerializer(read_only=True)

    class Meta:
        model = CheckoutSession
        fields: tuple[str, ...] = (
            "id",
            "ui_mode",
            "status",
            "payment_status",
            "expires_at",
            "payment",
        )
        read_only_fields: tuple[str, ...] = fields


class CheckoutSessionStartedSerializer(CheckoutSessionSerializer):
    """What opening a session answers: `url` for a hosted session, `client_secret` for an
    embedded one (never both)."""

    url = serializers.CharField(read_only=True, required=False, help_text="Hosted only.")
    client_secret = serializers.CharField(
        read_only=True, required=False, help_text="Embedded only."
    )

    class Meta(CheckoutSessionSerializer.Meta):
        fields = (*CheckoutSessionSerializer.Meta.fields, "url", "client_secret")
        read_only_fields = fields

    def to_representation(self, instance: CheckoutSession) -> dict[str, Any]:
        data = super().to_representation(instance)
        data.pop("client_secret" if instance.ui_mode == "hosted" else "url")
        return data


class CheckoutSessionViewSet(viewsets.GenericViewSet):
    """Stripe Checkout (hosted or embedded) for one course; the learner's sessions only."""

    throttle_classes = [UserRateThrottle, PaymentCreateUserThrottle, PaymentCreateIPThrottle]
    queryset = CheckoutSession.objects.none()  # for the schema; requests use the selectors
    serializer_class = CheckoutSessionSerializer

    @api_errors(404, 409, 422, 503)
    @extend_schema(
        request=CheckoutCreateSerializer,
        responses={201: CheckoutSessionStartedSerializer, 200: CheckoutSessionStartedSerializer},
        parameters=[IDEMPOTENCY_KEY],
        description="Open a Checkout Session for a course at its catalog price (201), or hand "
        "out again the learner's open one asked for the same way (200).",
    )
    def create(self, request: Request) -> Response:
        return idempotent(request, lambda: self._start(request))

    def _start(self, request: Request) -> Response:
        serializer = CheckoutCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        started = checkout_start(
            learner=request.user,  # type: ignore[arg-type]
            course_slug=data.get("course", ""),
            price_id=data.get("price", ""),
            ui_mode=data["ui_mode"],
            success_url=data["success_url"],
            cancel_url=data["cancel_url"],
            return_url=data["return_url"],
            gateway=get_gateway(),
        )
        code = status.HTTP_201_CREATED if started.created else status.HTTP_200_OK
        return Response(CheckoutSessionStartedSerializer(started.session).data, status=code)

    @extend_schema(
        parameters=[SESSION_ID],
        responses={200: CheckoutSessionSerializer},
        description="The session's status (open, complete, expired), Stripe's payment_status "
        "and our payment; an open session Stripe has not told us about for a while is read "
        "from Stripe first.",
    )
    def retrieve(self, request: Request, id: str) -> Response:
        session = selectors.checkout_session_get_for_user(
            user=request.user,  # type: ignore[arg-type]
            session_id=id,
        )
        if session is None:
            raise NotFound("No such checkout session.")
        session = checkout_session_refresh_if_stale(session=session, gateway=get_gateway())
        return Response(CheckoutSessionSerializer(session).data)
