from django.urls import re_path

from accounts.api.views import AuthViewSet, MeViewSet

# The frontends call these without a trailing slash; both forms are accepted.
urlpatterns = [
    re_path(r"^auth/register/?$", AuthViewSet.as_view({"post": "register"}), name="auth-register"),
    re_path(r"^auth/login/?$", AuthViewSet.as_view({"post": "login"}), name="auth-login"),
    re_path(r"^auth/logout/?$", AuthViewSet.as_view({"post": "logout"}), name="auth-logout"),
    re_path(r"^auth/token/?$", AuthViewSet.as_view({"post": "token"}), name="auth-token"),
    re_path(r"^me/?$", MeViewSet.as_view({"get": "retrieve"}), name="me"),
]
