from django.urls import path

from accounts.api.views import CredentialsViewSet, MeViewSet, SessionViewSet

# Declared once, with the slash; `config.slashes` serves the slashless spelling too.
urlpatterns = [
    path("auth/register/", CredentialsViewSet.as_view({"post": "register"}), name="auth-register"),
    path("auth/login/", CredentialsViewSet.as_view({"post": "login"}), name="auth-login"),
    path("auth/logout/", SessionViewSet.as_view({"post": "logout"}), name="auth-logout"),
    path("auth/token/", CredentialsViewSet.as_view({"post": "token"}), name="auth-token"),
    path("me/", MeViewSet.as_view({"get": "retrieve"}), name="me"),
]
