from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle

from config.pagination import CursorPagination
from config.schema import api_errors
from payments import selectors
from payments.api.filters import PaymentFilter
from payments.api.idempotency import idempotent
from payments.api.serializers import (
    PaymentCreateSerializer,
    PaymentDetailSerializer,
    PaymentSerializer,
    PaymentStartedSerializer,
)
from payments.api.throttles import (
    OneCacheTripThrottling,
    PaymentCreateIPThrottle,
    PaymentCreateUserThrottle,
)
from payments.gateway import get_gateway
from payments.models import Payment
from payments.services.outcomes import payment_refresh_if_stale
from payments.services.purchase import payment_start


class NewestFirst(CursorPagination):
    ordering = ("-created", "-id")
    page_size = 20
    max_page_size = 100
    page_size_query_param = "page_size"


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    location=OpenApiParameter.HEADER,
    required=False,
    description="Makes the request safe to retry: the same key and body replay the first answer.",
)


class PaymentViewSet(OneCacheTripThrottling, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The learner's own payments; `create` buys a course with a Stripe PaymentIntent."""

    pagination_class = NewestFirst
    filterset_class = PaymentFilter
    throttle_classes = [UserRateThrottle, PaymentCreateUserThrottle, PaymentCreateIPThrottle]

    queryset = Payment.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        payments = selectors.payment_list_for_user(user=self.request.user)  # type: ignore[arg-type]
        return payments.only(*PaymentSerializer.columns())  # what a row shows, not all 60

    def get_serializer_class(self):
        return PaymentSerializer

    @extend_schema(responses=PaymentDetailSerializer)
    def retrieve(self, request: Request, pk: str) -> Response:
        payment = payment_refresh_if_stale(payment=self._own_payment(pk), gateway=get_gateway())
        return Response(PaymentDetailSerializer(payment).data)

    @api_errors(402, 404, 409, 422, 503)
    @extend_schema(
        request=PaymentCreateSerializer,
        responses={201: PaymentStartedSerializer, 200: PaymentStartedSerializer},
        parameters=[IDEMPOTENCY_KEY],
    )
    def create(self, request: Request) -> Response:
        return idempotent(request, lambda: self._start(request))

    def _start(self, request: Request) -> Response:
        serializer = PaymentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        started = payment_start(
            learner=request.user,  # type: ignore[arg-type]
            course_slug=serializer.validated_data["course"],
            payment_method=serializer.validated_data["payment_method"],
            save_payment_method=serializer.validated_data["save_payment_method"],
            gateway=get_gateway(),
        )
        code = status.HTTP_201_CREATED if started.created else status.HTTP_200_OK
        return Response(PaymentStartedSerializer(started.payment).data, status=code)

    def _own_payment(self, pk: str) -> Payment:
        user = self.request.user
        payment = selectors.payment_get_for_user(user=user, payment_id=pk)  # type: ignore[arg-type]
        if payment is None:
            raise NotFound("No such payment.")
        return payment
