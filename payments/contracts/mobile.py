"""Seed 001 (`001_cfb7e94753ecfced.txt`): the mobile app's PaymentSheet, token-authenticated.

POST /api/stripe/create-payment-intent  {"amount", "currency"}
     -> {"client_secret", "customer", "ephemeralKey"}
POST /api/stripe/create-customer        {"email", "name"}          -> {"customerId"}
POST /api/stripe/create-subscription    {"customerId", "priceId"}
     -> {"subscriptionId", "clientSecret"}
"""

import re

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import authentication, serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from config.errors import AppError
from config.schema import api_errors
from payments.api.idempotency import HEADER as IDEMPOTENCY_HEADER
from payments.api.idempotency import idempotent
from payments.api.views import IDEMPOTENCY_KEY
from payments.contracts.base import (
    ContractSerializer,
    ContractView,
    StrictIntegerField,
    contract_exception_handler,
)
from payments.gateway import get_gateway
from payments.services.customers import stripe_customer_get_or_create
from payments.services.payment_sheet import payment_sheet_start
from payments.services.subscriptions import subscription_start

TAG = "Seed 001: mobile PaymentSheet"
API_VERSION = re.compile(r"^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$")
STRIPE_VERSION = OpenApiParameter(
    "Stripe-Version",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="The API version the mobile SDK is built for (ephemeral key); default 2023-10-16.",
)


class PaymentIntentRequestSerializer(ContractSerializer):
    amount = StrictIntegerField(help_text="In the currency's minor unit: 700 is $7.00.")
    currency = serializers.CharField(max_length=3, help_text="An allowed ISO currency, e.g. usd.")

    def validate_amount(self, value: int) -> int:
        low, high = settings.MOBILE_PAYMENT_MIN_AMOUNT, settings.MOBILE_PAYMENT_MAX_AMOUNT
        if not low <= value <= high:
            raise serializers.ValidationError(
                f"amount must be an integer from {low} to {high} (the currency's minor unit)."
            )
        return value

    def validate_currency(self, value: str) -> str:
        allowed = [currency.lower() for currency in settings.MOBILE_PAYMENT_CURRENCIES]
        if value.lower() not in allowed:
            raise serializers.ValidationError(f"currency must be one of: {', '.join(allowed)}.")
        return value.lower()


class PaymentIntentSerializer(serializers.Serializer):
    client_secret = serializers.CharField(help_text="The PaymentIntent's client secret.")
    customer = serializers.CharField(help_text="The learner's Stripe Customer (`cus_...`).")
    ephemeralKey = serializers.CharField(help_text="An ephemeral key's secret for the SDK.")


class MobileCustomerRequestSerializer(ContractSerializer):
    email = serializers.EmailField(max_length=254)
    name = serializers.CharField(max_length=250, required=False, default="", allow_blank=True)


class CustomerSerializer(serializers.Serializer):
    customerId = serializers.CharField(help_text="The learner's Stripe Customer (`cus_...`).")


class SubscriptionRequestSerializer(ContractSerializer):
    customerId = serializers.RegexField(r"^[A-Za-z0-9_]{1,255}$")
    priceId = serializers.RegexField(r"^[A-Za-z0-9_]{1,255}$")


class SubscriptionSerializer(serializers.Serializer):
    subscriptionId = serializers.CharField()
    clientSecret = serializers.CharField(
        help_text="Confirms the first payment (a PaymentIntent's secret), or saves a card when "
        "nothing is due now (a SetupIntent's)."
    )


class MobileView(ContractView):
    contract = "mobile"
    authentication_classes = [authentication.TokenAuthentication]
    permission_classes = [IsAuthenticated]


class CreatePaymentIntentView(MobileView):
    @api_errors(409, 422, 503)
    @extend_schema(
        tags=[TAG],
        operation_id="mobile_payment_intent_create",
        request=PaymentIntentRequestSerializer,
        responses={200: PaymentIntentSerializer},
        parameters=[STRIPE_VERSION, IDEMPOTENCY_KEY],
        description="A PaymentIntent for the amount on the learner's Customer, with an "
        "ephemeral key, for the mobile PaymentSheet; recorded in the ledger.",
    )
    def post(self, request: Request) -> Response:
        return idempotent(request, lambda: self._start(request), render_error=_render)

    def _start(self, request: Request) -> Response:
        serializer = PaymentIntentRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version = request.headers.get("Stripe-Version", "").strip()
        if version and not API_VERSION.fullmatch(version):
            raise serializers.ValidationError("Stripe-Version must look like 2023-10-16.")
        sheet = payment_sheet_start(
            learner=_learner(request),
            amount=serializer.validated_data["amount"],
            currency=serializer.validated_data["currency"],
            api_version=version or settings.MOBILE_EPHEMERAL_KEY_API_VERSION,
            gateway=get_gateway(),
            request_key=request.headers.get(IDEMPOTENCY_HEADER, ""),
        )
        body = {
            "client_secret": sheet.client_secret,
            "customer": sheet.customer_id,
            "ephemeralKey": sheet.ephemeral_key,
        }
        return Response(body)


class CreateCustomerView(MobileView):
    @api_errors(503)
    @extend_schema(
        tags=[TAG],
        operation_id="mobile_customer_create",
        request=MobileCustomerRequestSerializer,
        responses={200: CustomerSerializer},
        description="The learner's Stripe Customer, created once (with this e-mail and name) "
        "and the same one on every later call.",
    )
    def post(self, request: Request) -> Response:
        serializer = MobileCustomerRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        customer_id = stripe_customer_get_or_create(
            user=_learner(request), gateway=get_gateway(), **serializer.validated_data
        )
        return Response({"customerId": customer_id})


class CreateSubscriptionView(MobileView):
    @api_errors((403, "The customer is not yours."), (404, "No such customer or price."), 503)
    @extend_schema(
        tags=[TAG],
        operation_id="mobile_subscription_create",
        request=SubscriptionRequestSerializer,
        responses={200: SubscriptionSerializer},
        description="Subscribe the learner's own Customer to a recurring price.",
    )
    def post(self, request: Request) -> Response:
        return idempotent(request, lambda: self._start(request), render_error=_render)

    def _start(self, request: Request) -> Response:
        serializer = SubscriptionRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        state = subscription_start(
            learner=_learner(request),
            customer_id=serializer.validated_data["customerId"],
            price_id=serializer.validated_data["priceId"],
            gateway=get_gateway(),
        )
        return Response({"subscriptionId": state.id, "clientSecret": state.client_secret})


def _render(error: AppError) -> Response:
    return contract_exception_handler(error, {})


def _learner(request: Request) -> User:
    assert isinstance(request.user, User)
    return request.user
