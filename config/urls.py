from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import include, path, re_path
from django.views import defaults

from config import api_docs, exceptions, health, metrics, slashes
from payments.api.stripe_webhook import stripe_webhook
from payments.contracts import urls as contracts

api_v1 = [
    path("", include("accounts.api.urls")),
    path("", include("courses.api.urls")),
    path("", include("receipts.urls")),
    path("", include("payments.api.urls")),
]

# The catch-all redirects any method to add a slash; CommonMiddleware does it for GET and HEAD.
admin.site.final_catch_all_view = False

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", api_docs.SchemaView.as_view(), name="schema"),
    path("api/docs/", api_docs.SwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", api_docs.RedocView.as_view(url_name="schema"), name="redoc"),
    path("stripe/webhook/<uuid:uuid>/", stripe_webhook, name="stripe-webhook"),
    # The seed documents' exact paths (payments/contracts/).
    path("api/checkout/", include(contracts.embedded_checkout_urls)),
    path("api/stripe/", include(contracts.mobile_urls)),
    path("", include(contracts.service_api_urls)),
    # Last: any other /api/ path is a JSON 404, in development too.
    re_path(r"^api/", exceptions.api_not_found, name=slashes.API_NOT_FOUND),
    # The learner's pages: `/`, `/courses/`, `/checkout/`, `/account/`.
    path("", include("store.urls")),
]


def _is_api(request: HttpRequest) -> bool:
    """The native API and the seed contracts' paths: the service API lives at the site root."""
    return request.path.startswith(slashes.API_PREFIX)


def handler400(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's own refusals (too many parameters, a host not allowed...) outside DEBUG."""
    if _is_api(request):
        return exceptions.json_error(
            status=400, code="bad_request", message="The request is malformed."
        )
    return defaults.bad_request(request, exception)


def handler404(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return exceptions.json_not_found(request, exception)
    return defaults.page_not_found(request, exception)


def handler500(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return exceptions.json_server_error(request)
    return defaults.server_error(request)
