from django.urls import re_path

from accounts.api.views import CredentialsViewSet, MeViewSet, SessionViewSet

# The frontends call these without a trailing slash; both forms are accepted.
urlpatterns = [
    re_path(
        r"^auth/register/?$", CredentialsViewSet.as_view({"post": "register"}), name="auth-register"
    ),
    re_path(r"^auth/login/?$", CredentialsViewSet.as_view({"post": "login"}), name="auth-login"),
    re_path(r"^auth/logout/?$", SessionViewSet.as_view({"post": "logout"}), name="auth-logout"),
    re_path(r"^auth/token/?$", CredentialsViewSet.as_view({"post": "token"}), name="auth-token"),
    re_path(r"^me/?$", MeViewSet.as_view({"get": "retrieve"}), name="me"),
]
