from django.urls import path
from rest_framework.routers import SimpleRouter

from payments.api.refunds import PaymentRefundsView
from payments.api.views import PaymentViewSet

router = SimpleRouter()
router.register("payments", PaymentViewSet, basename="payment")

urlpatterns = [
    path(
        "payments/<str:payment_id>/refunds/",
        PaymentRefundsView.as_view(),
        name="payment-refunds",
    ),
    *router.urls,
]
