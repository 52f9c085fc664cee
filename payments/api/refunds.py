"""The staff API for refunds: `POST/GET /api/v1/payments/{id}/refunds`.

Staff clients (token auth) with the `payments.refund_payment` permission refund a payment in
full or in part, under the same rules as the back office; learners get 403 (they see their
refunds in their payment's detail).
"""

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from payments.api.idempotency import idempotent
from payments.api.serializers import RefundCreateSerializer, RefundSerializer
from payments.api.views import IDEMPOTENCY_KEY
from payments.gateway import get_gateway
from payments.models import Refund
from payments.selectors import refund_list_for_payment
from payments.services.refunds import RefundAsk, refund_request

REFUND_PERMISSION = "payments.refund_payment"


class CanRefund(permissions.BasePermission):
    """Staff holding `payments.refund_payment` (reading too: the list is for the same people)."""

    message = "Only staff allowed to refund payments may use this endpoint."

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        return bool(user.is_authenticated and user.is_staff and user.has_perm(REFUND_PERMISSION))


class PaymentRefundsView(APIView):
    permission_classes = [permissions.IsAuthenticated, CanRefund]

    @extend_schema(responses=RefundSerializer(many=True))
    def get(self, request: Request, payment_id: str) -> Response:
        refunds = refund_list_for_payment(payment_id=payment_id)
        if refunds is None:
            raise NotFound("No such payment.")
        return Response(RefundSerializer(refunds, many=True).data)

    @extend_schema(
        request=RefundCreateSerializer,
        responses={201: RefundSerializer},
        parameters=[IDEMPOTENCY_KEY],
    )
    def post(self, request: Request, payment_id: str) -> Response:
        return idempotent(request, lambda: self._refund(request, payment_id))

    def _refund(self, request: Request, payment_id: str) -> Response:
        serializer = RefundCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reason, note = serializer.validated_reason()
        refund = refund_request(
            ask=RefundAsk(
                payment_id=payment_id,
                amount=serializer.validated_data.get("amount"),
                reason=reason,
                note=note,
                origin=Refund.Origin.API,
                requested_by=request.user,  # type: ignore[arg-type]
            ),
            gateway=get_gateway(),
        )
        return Response(RefundSerializer(refund).data, status=status.HTTP_201_CREATED)
