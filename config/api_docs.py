"""The schema and documentation views: GET and HEAD only, and errors in the common JSON shape.

drf-spectacular's own views answer every method and render errors with their page renderer: an
OPTIONS on the Swagger page crashed its template (a 500), and errors on the schema came as YAML.
"""

from collections.abc import Sequence

from drf_spectacular import views
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response


class _JsonErrors:
    http_method_names: Sequence[str] = ("get", "head")

    def handle_exception(self, exc: Exception) -> Response:
        response = super().handle_exception(exc)  # type: ignore[misc]
        self.request.accepted_renderer = JSONRenderer()  # type: ignore[attr-defined]
        self.request.accepted_media_type = JSONRenderer.media_type  # type: ignore[attr-defined]
        return response


class SchemaView(_JsonErrors, views.SpectacularAPIView):
    pass


class SwaggerView(_JsonErrors, views.SpectacularSwaggerView):
    pass


class RedocView(_JsonErrors, views.SpectacularRedocView):
    pass
