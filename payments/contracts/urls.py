"""The seed contracts' paths, exactly as their documents spell them (no trailing slash; the
other spelling is served too, by `config.slashes`)."""

from django.urls import path, re_path

from config import slashes
from payments.contracts import embedded_checkout, mobile, service_api

embedded_checkout_urls = [
    path(
        "embedded-session",
        embedded_checkout.EmbeddedSessionView.as_view(),
        name="contract-embedded-session",
    ),
    path(
        "session-status",
        embedded_checkout.SessionStatusView.as_view(),
        name="contract-session-status",
    ),
]

service_api_urls = [
    path("customers", service_api.CustomersView.as_view(), name="service-customers"),
    path("products", service_api.ProductsView.as_view(), name="service-products"),
    path("payments/checkout", service_api.CheckoutView.as_view(), name="service-checkout"),
    re_path(
        r"^payments/(?P<id>[A-Za-z0-9_]{1,255})$",
        service_api.PaymentStatusView.as_view(),
        name="service-payment-status",
    ),
    # Nothing else lives under these paths: an unknown one (whatever characters it has) is a
    # JSON 404 in the contract's shape.
    re_path(
        r"^(customers|products|payments)(/[\s\S]*)?$",  # any character, a newline too
        service_api.not_found,
        name=slashes.API_NOT_FOUND,
    ),
]

mobile_urls = [
    path(
        "create-payment-intent",
        mobile.CreatePaymentIntentView.as_view(),
        name="mobile-create-payment-intent",
    ),
    path("create-customer", mobile.CreateCustomerView.as_view(), name="mobile-create-customer"),
    path(
        "create-subscription",
        mobile.CreateSubscriptionView.as_view(),
        name="mobile-create-subscription",
    ),
]
