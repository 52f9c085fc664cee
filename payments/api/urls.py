from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from payments.api.checkout import CheckoutSessionViewSet
from payments.api.payment_methods import PaymentMethodViewSet
from payments.api.refunds import PaymentRefundsView
from payments.api.views import PaymentViewSet

router = SimpleRouter()
router.register("payments", PaymentViewSet, basename="payment")

# Routes end with a slash; `config.slashes` serves the other spelling too. Stripe ids are
# letters, digits and underscores: anything else names nothing (404) and never reaches a query.
STRIPE_ID = r"[A-Za-z0-9_]{1,255}"
checkout = [
    re_path(
        r"^checkout-sessions/$",
        CheckoutSessionViewSet.as_view({"post": "create"}),
        name="checkout-session-list",
    ),
    re_path(
        rf"^checkout-sessions/(?P<id>{STRIPE_ID})/$",
        CheckoutSessionViewSet.as_view({"get": "retrieve"}),
        name="checkout-session-detail",
    ),
]
payment_methods = [
    re_path(
        r"^payment-methods/$",
        PaymentMethodViewSet.as_view({"get": "list"}),
        name="payment-method-list",
    ),
    re_path(
        r"^payment-methods/setup/$",
        PaymentMethodViewSet.as_view({"post": "setup_card"}),
        name="payment-method-setup",
    ),
    re_path(
        rf"^payment-methods/(?P<pk>{STRIPE_ID})/default/$",
        PaymentMethodViewSet.as_view({"post": "make_default"}),
        name="payment-method-default",
    ),
    re_path(
        rf"^payment-methods/(?P<pk>{STRIPE_ID})/$",
        PaymentMethodViewSet.as_view({"delete": "destroy"}),
        name="payment-method-detail",
    ),
]

refunds = [
    path(
        "payments/<str:payment_id>/refunds/",
        PaymentRefundsView.as_view(),
        name="payment-refunds",
    ),
]

urlpatterns = refunds + router.urls + checkout + payment_methods
