"""The app's URLs plus dj-stripe's stock webhook view, so that one run measures both."""

from django.urls import include, path

from config.urls import handler404, handler500
from config.urls import urlpatterns as app_urlpatterns

urlpatterns = [*app_urlpatterns, path("djstripe/", include("djstripe.urls", namespace="djstripe"))]

__all__ = ["handler404", "handler500", "urlpatterns"]
