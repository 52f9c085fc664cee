"""`/api/v1/payment-methods/`: the learner's saved cards."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle

from config.schema import api_errors
from payments import selectors
from payments.api.idempotency import idempotent
from payments.api.throttles import PaymentCreateIPThrottle, PaymentCreateUserThrottle
from payments.api.views import IDEMPOTENCY_KEY
from payments.gateway import get_gateway
from payments.models import SavedCard
from payments.services.payment_methods import (
    saved_card_make_default,
    saved_card_remove,
    saved_card_setup_start,
)

CARD_ID = OpenApiParameter(
    "id", str, OpenApiParameter.PATH, description="The saved card's id (`pm_...`)."
)


class SavedCardSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="stripe_id", read_only=True, help_text="pm_...")
    default = serializers.BooleanField(source="is_default", read_only=True)

    class Meta:
        model = SavedCard
        fields = ("id", "brand", "last4", "exp_month", "exp_year", "default")
        read_only_fields = fields


class CardSetupSerializer(serializers.Serializer):
    setup_intent = serializers.CharField(source="id")
    client_secret = serializers.CharField(help_text="For Stripe.js `confirmSetup`.")


class PaymentMethodViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Cards the learner saved (through a SetupIntent, or by paying with `save_payment_method`).

    A card appears once Stripe reports it saved (its webhooks); an id that is not one of the
    learner's saved cards answers 404 without reaching Stripe.
    """

    serializer_class = SavedCardSerializer
    throttle_classes = [UserRateThrottle, PaymentCreateUserThrottle, PaymentCreateIPThrottle]
    queryset = SavedCard.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        return selectors.saved_card_list_for_user(user=self.request.user)  # type: ignore[arg-type]

    @extend_schema(responses={200: SavedCardSerializer(many=True)})
    def list(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().list(request, *args, **kwargs)

    @api_errors(409, 422, 503)
    @extend_schema(
        request=None,
        responses={201: CardSetupSerializer},
        parameters=[IDEMPOTENCY_KEY],
        description="Open a SetupIntent on the learner's Stripe Customer: confirm it with "
        "Stripe.js and the card joins the list.",
    )
    def setup_card(self, request: Request) -> Response:
        def start() -> Response:
            state = saved_card_setup_start(
                learner=request.user,  # type: ignore[arg-type]
                gateway=get_gateway(),
            )
            return Response(CardSetupSerializer(state).data, status=status.HTTP_201_CREATED)

        return idempotent(request, start)

    @api_errors(503)
    @extend_schema(
        parameters=[CARD_ID],
        responses={204: None},
        description="Detach the card at Stripe and remove it from the list.",
    )
    def destroy(self, request: Request, pk: str) -> Response:
        saved_card_remove(learner=request.user, card_id=pk, gateway=get_gateway())  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)

    @api_errors(503)
    @extend_schema(
        request=None,
        parameters=[CARD_ID],
        responses={200: SavedCardSerializer},
        description="Make the card the default for future payments (the Stripe Customer's "
        "`invoice_settings.default_payment_method`).",
    )
    def make_default(self, request: Request, pk: str) -> Response:
        card = saved_card_make_default(
            learner=request.user,  # type: ignore[arg-type]
            card_id=pk,
            gateway=get_gateway(),
        )
        return Response(SavedCardSerializer(card).data)
