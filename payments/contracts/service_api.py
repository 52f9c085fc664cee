"""Seed 002 (`002_045e0bcd302834c4.txt`): the internal service API, at the site root.

    POST /customers          {"email", "name"}                          -> 201 {"customerId", ...}
    POST /products           {"name", "price", "currency", "description", "externalProductId"}
                             -> 201 {"productId", "priceId", ...}
    POST /payments/checkout  {"productId", "customerId"}                -> 201 {"sessionId", "url"}
    GET  /payments/{id}      a Checkout Session (cs_) or PaymentIntent (pi_) id -> {"id", "status"}

Authenticated only by a pre-shared key in `X-API-Key` (401 without a valid one). Money is an
integer in the currency's minor unit (`"price": 1999` is $19.99).
"""

import re
from typing import Any, NoReturn

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api.service_keys import HasServiceKey, ServiceKeyAuthentication
from config.schema import api_errors
from payments.contracts.base import ContractSerializer, ContractView, StrictIntegerField
from payments.errors import ContractNotFound
from payments.gateway import get_gateway
from payments.models import CatalogProduct, CheckoutSession, ServiceCustomer, StripeCustomer
from payments.services.customers import service_customer_create
from payments.services.product_checkout import product_checkout_start, stripe_payment_status
from payments.services.products import ProductSpec, catalog_product_create

TAG = "Seed 002: service API"
STRIPE_ID = r"^[A-Za-z0-9_]{1,255}$"
PAYMENT_ID = re.compile(r"(cs|pi)_[A-Za-z0-9_]{1,250}")


class ServiceCustomerRequestSerializer(ContractSerializer):
    email = serializers.EmailField(max_length=254)
    name = serializers.CharField(max_length=250, required=False, default="", allow_blank=True)


class CustomerCreatedSerializer(serializers.Serializer):
    customerId = serializers.CharField(help_text="The Stripe Customer's id (`cus_...`).")
    email = serializers.EmailField()
    name = serializers.CharField()
    created = serializers.BooleanField(help_text="Always true: the customer was created.")


class ProductRequestSerializer(ContractSerializer):
    name = serializers.CharField(max_length=250)
    price = StrictIntegerField(
        min_value=1,
        max_value=99_999_999,
        help_text="In the currency's minor unit: 1999 is $19.99 (and 500 is ¥500).",
    )
    currency = serializers.RegexField(
        r"^[A-Za-z]{3}$",
        help_text="ISO 4217, e.g. usd.",
        error_messages={"invalid": "Use a three-letter ISO currency code such as usd."},
    )
    description = serializers.CharField(
        max_length=2000, required=False, default="", allow_blank=True
    )
    externalProductId = serializers.CharField(
        max_length=200, help_text="Your id for the product: required and unique."
    )


class ProductCreatedSerializer(serializers.Serializer):
    productId = serializers.CharField(help_text="The Stripe Product's id (`prod_...`).")
    priceId = serializers.CharField(help_text="Its Stripe Price's id (`price_...`).")
    externalProductId = serializers.CharField()
    name = serializers.CharField()
    price = serializers.IntegerField()
    currency = serializers.CharField()
    created = serializers.BooleanField(help_text="Always true: the product was created.")


class CheckoutRequestSerializer(ContractSerializer):
    productId = serializers.CharField(
        max_length=255, help_text="The product's id (`prod_...`) or its externalProductId."
    )
    customerId = serializers.RegexField(
        STRIPE_ID, help_text="A customer created with POST /customers (`cus_...`)."
    )


class CheckoutCreatedSerializer(serializers.Serializer):
    sessionId = serializers.CharField(help_text="The Checkout Session's id (`cs_...`).")
    url = serializers.URLField(help_text="Redirect the customer here to pay.")


class PaymentStatusSerializer(serializers.Serializer):
    id = serializers.CharField()
    object = serializers.ChoiceField(choices=["checkout.session", "payment_intent"])
    status = serializers.CharField(
        help_text="A session's (open, complete, expired) or an intent's (requires_payment_method"
        ", processing, succeeded, canceled...)."
    )


class ServiceView(ContractView):
    contract = "service_api"
    authentication_classes = [ServiceKeyAuthentication]
    permission_classes = [HasServiceKey]

    def permission_denied(
        self, request: Request, message: Any = None, code: Any = None
    ) -> NoReturn:
        raise NotAuthenticated(HasServiceKey.message)

    def key_name(self, request: Request) -> str:
        return f"service key {request.auth.name}"  # type: ignore[union-attr]


class CustomersView(ServiceView):
    @api_errors(503)
    @extend_schema(
        tags=[TAG],
        operation_id="service_customer_create",
        request=ServiceCustomerRequestSerializer,
        responses={201: CustomerCreatedSerializer},
        description="Create a Stripe Customer (each call a new one).",
    )
    def post(self, request: Request) -> Response:
        serializer = ServiceCustomerRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        customer = service_customer_create(
            **serializer.validated_data, created_by=self.key_name(request), gateway=get_gateway()
        )
        body = {
            "customerId": customer.stripe_customer_id,
            "email": customer.email,
            "name": customer.name,
            "created": True,
        }
        return Response(body, status=status.HTTP_201_CREATED)


class ProductsView(ServiceView):
    @api_errors((409, "Another product has this externalProductId."), 503)
    @extend_schema(
        tags=[TAG],
        operation_id="service_product_create",
        request=ProductRequestSerializer,
        responses={201: ProductCreatedSerializer},
        description="Create a Stripe Product (externalProductId in its metadata) and its "
        "one-time Price. The very same request again is a retry: it answers the same ids.",
    )
    def post(self, request: Request) -> Response:
        serializer = ProductRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        product = catalog_product_create(
            spec=ProductSpec(
                external_id=data["externalProductId"],
                name=data["name"],
                description=data["description"],
                amount=data["price"],
                currency=data["currency"].lower(),
            ),
            gateway=get_gateway(),
        )
        body = {
            "productId": product.stripe_product_id,
            "priceId": product.stripe_price_id,
            "externalProductId": product.external_id,
            "name": product.name,
            "price": product.amount,
            "currency": product.currency,
            "created": True,
        }
        return Response(body, status=status.HTTP_201_CREATED)


class CheckoutView(ServiceView):
    @api_errors((404, "No such product or customer."), 503)
    @extend_schema(
        tags=[TAG],
        operation_id="service_checkout_create",
        request=CheckoutRequestSerializer,
        responses={201: CheckoutCreatedSerializer},
        description="Open a hosted Checkout Session selling the product once to the customer.",
    )
    def post(self, request: Request) -> Response:
        serializer = CheckoutRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        product = _product(data["productId"])
        customer_id = _customer(data["customerId"])
        session = product_checkout_start(
            product=product,
            ui_mode=CheckoutSession.UiMode.HOSTED,
            gateway=get_gateway(),
            actor_label=self.key_name(request),
            customer_id=customer_id,
            success_url=settings.SERVICE_CHECKOUT_SUCCESS_URL,
            cancel_url=settings.SERVICE_CHECKOUT_CANCEL_URL,
        )
        body = {"sessionId": session.stripe_id, "url": session.url}
        return Response(body, status=status.HTTP_201_CREATED)


class PaymentStatusView(ServiceView):
    @api_errors(503)
    @extend_schema(
        tags=[TAG],
        operation_id="service_payment_status",
        parameters=[
            OpenApiParameter(
                "id",
                str,
                OpenApiParameter.PATH,
                description="A Checkout Session id (`cs_...`) or PaymentIntent id (`pi_...`).",
            )
        ],
        responses={200: PaymentStatusSerializer},
        description="The payment's current status, read from Stripe.",
    )
    def get(self, request: Request, id: str) -> Response:
        if not PAYMENT_ID.fullmatch(id):
            raise ContractNotFound(
                f"There is no payment {id[:64]!r}: name a Checkout Session (cs_...) or a "
                "PaymentIntent (pi_...)."
            )
        payment_status = stripe_payment_status(object_id=id, gateway=get_gateway())
        kind = "checkout.session" if id.startswith("cs_") else "payment_intent"
        return Response({"id": id, "object": kind, "status": payment_status})


def _product(product_id: str) -> CatalogProduct:
    product = (
        CatalogProduct.objects.filter(interval="")
        .exclude(stripe_price_id="")
        .filter(Q(stripe_product_id=product_id) | Q(external_id=product_id))
        .first()
    )
    if product is None:
        raise ContractNotFound(f"There is no product {product_id[:64]!r}.")
    return product


def _customer(customer_id: str) -> str:
    known = ServiceCustomer.objects.filter(stripe_customer_id=customer_id).exists()
    if not known and not StripeCustomer.objects.filter(customer_id=customer_id).exists():
        raise ContractNotFound(f"There is no customer {customer_id[:64]!r}.")
    return customer_id


@csrf_exempt
def not_found(request: HttpRequest, *args: object) -> JsonResponse:
    """Any other path under /customers, /products or /payments/, whatever the method."""
    message = (
        "Not found. The service API has POST /customers, POST /products, "
        "POST /payments/checkout and GET /payments/{id}."
    )
    return JsonResponse({"error": message}, status=404)
