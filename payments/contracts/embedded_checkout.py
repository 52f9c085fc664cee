"""Seed 004 (`004_a96e42a2b264f95d.txt`): Stripe Embedded Checkout of one one-time product.

    POST /api/checkout/embedded-session        {} | {"metadata": {...}, "customer_email": "..."}
         -> 200 {"client_secret": "..."}
    GET  /api/checkout/session-status?session_id=cs_...   -> 200 {"status": "open"|...}

Guests may buy (throttled per IP); a logged-in caller's session is on their Customer and in
their history. The product, the frontend and the return path are settings.
"""

import re
from typing import Any

from django.conf import settings
from django.middleware.csrf import CsrfViewMiddleware
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import authentication, serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from config.schema import api_errors
from payments.contracts.base import ContractSerializer, ContractView, StrictCharField
from payments.errors import ContractNotFound
from payments.gateway import get_gateway
from payments.models import CheckoutSession
from payments.services.checkout_sessions import checkout_session_record
from payments.services.product_checkout import product_checkout_start
from payments.services.products import ProductSpec, catalog_product_get_or_create
from payments.transitions import REFRESH

TAG = "Seed 004: embedded checkout"
SESSION_ID = r"^cs_[A-Za-z0-9_]{1,250}$"
MAX_METADATA_KEYS = 20


class CsrfOrAnonymousSessionAuthentication(authentication.SessionAuthentication):
    """A browser session counts only with its CSRF token; without one the caller is a guest
    (the seed's frontend sends no token), never refused: a guest may buy here too."""

    def authenticate(self, request: Request) -> Any:
        user = getattr(request._request, "user", None)
        if not user or not user.is_active:
            return None
        check = CsrfViewMiddleware(lambda _: None)  # type: ignore[arg-type]
        check.process_request(request)
        if check.process_view(request, None, (), {}) is not None:  # type: ignore[arg-type]
            return None
        return (user, None)


class CsrfOrAnonymousSessionScheme(SessionScheme):
    target_class = "payments.contracts.embedded_checkout.CsrfOrAnonymousSessionAuthentication"
    name = "cookieAuthOrGuest"


class EmbeddedSessionRequestSerializer(ContractSerializer):
    metadata = serializers.DictField(
        child=StrictCharField(max_length=500, allow_blank=True),
        required=False,
        help_text=f"At most {MAX_METADATA_KEYS} keys of at most 40 characters; kept on the "
        "session and its payment at Stripe.",
    )
    customer_email = serializers.EmailField(
        required=False, help_text="A guest's e-mail, prefilled in Checkout."
    )

    def validate_metadata(self, value: dict[str, str]) -> dict[str, str]:
        if len(value) > MAX_METADATA_KEYS:
            raise serializers.ValidationError(f"At most {MAX_METADATA_KEYS} keys.")
        if any(not key or len(key) > 40 or "[" in key or "]" in key for key in value):
            raise serializers.ValidationError("Keys are 1 to 40 characters, without brackets.")
        return value


class EmbeddedSessionSerializer(serializers.Serializer):
    client_secret = serializers.CharField(help_text="Mount Stripe's embedded Checkout with it.")


class SessionStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["open", "complete", "expired"])


def embedded_product() -> ProductSpec:
    product = settings.EMBEDDED_CHECKOUT_PRODUCT
    return ProductSpec(
        external_id=product["external_id"],
        name=product["name"],
        description=product["description"],
        amount=product["amount"],
        currency=product["currency"],
    )


def return_url() -> str:
    return (
        f"{settings.FRONTEND_URL}{settings.EMBEDDED_CHECKOUT_RETURN_PATH}"
        "?session_id={CHECKOUT_SESSION_ID}"
    )


class EmbeddedSessionView(ContractView):
    contract = "embedded_checkout"
    authentication_classes = [
        authentication.TokenAuthentication,
        CsrfOrAnonymousSessionAuthentication,
    ]
    permission_classes = [AllowAny]

    @api_errors(503)
    @extend_schema(
        tags=[TAG],
        operation_id="embedded_checkout_session_create",
        request=EmbeddedSessionRequestSerializer,
        responses={200: EmbeddedSessionSerializer},
        description="Open an embedded Checkout Session for the configured one-time product "
        "(by default the $2.00 Hero Me Feelings board) and answer only its `client_secret`. "
        "Guests may call it; a logged-in caller's session is linked to them.",
    )
    def post(self, request: Request) -> Response:
        serializer = EmbeddedSessionRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        gateway = get_gateway()
        learner = request.user if request.user.is_authenticated else None
        session = product_checkout_start(
            product=catalog_product_get_or_create(spec=embedded_product(), gateway=gateway),
            ui_mode=CheckoutSession.UiMode.EMBEDDED,
            gateway=gateway,
            actor_label=str(learner) if learner else "guest (embedded checkout)",
            learner=learner,
            customer_email="" if learner else data.get("customer_email", ""),
            metadata=data.get("metadata") or {},
            return_url=return_url(),
        )
        return Response({"client_secret": session.client_secret})


class SessionStatusView(ContractView):
    contract = "embedded_checkout"
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]

    @api_errors((404, "No checkout session of ours has this id."), 503)
    @extend_schema(
        tags=[TAG],
        operation_id="embedded_checkout_session_status",
        parameters=[
            OpenApiParameter(
                "session_id",
                str,
                OpenApiParameter.QUERY,
                required=True,
                description="The Checkout Session's id (`cs_test_...` or `cs_live_...`).",
            )
        ],
        responses={200: SessionStatusSerializer},
        description="The session's status, read from Stripe while it is open (and recorded).",
    )
    def get(self, request: Request) -> Response:
        session_id = request.query_params.get("session_id", "")
        if not session_id:
            raise serializers.ValidationError("session_id is required")
        row = None
        if _is_session_id(session_id):
            row = CheckoutSession.objects.filter(stripe_id=session_id).first()
        if row is None:
            raise ContractNotFound("There is no checkout session with this session_id.")
        if row.status == CheckoutSession.Status.OPEN:
            gateway = get_gateway()
            state = gateway.checkout_session_state(session_id=session_id)
            checkout_session_record(session=state, actor=REFRESH, gateway=gateway)
            return Response({"status": state.status})
        return Response({"status": row.status})


def _is_session_id(value: str) -> bool:
    return re.fullmatch(SESSION_ID, value) is not None
