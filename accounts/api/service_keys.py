"""`X-API-Key`: how internal services authenticate to the service API (seed 002).

A request without the header is anonymous (the view's permission then answers 401); a request
with a key that is unknown, revoked or expired is refused with 401 at once. Keys are compared
by their hash (`ServiceAPIKey`); the key itself is never logged.
"""

from typing import Any

from django.contrib.auth.models import AnonymousUser
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions
from rest_framework.request import Request
from rest_framework.views import APIView
from rest_framework_api_key.models import AbstractAPIKey

from accounts.models import ServiceAPIKey

HEADER = "X-API-Key"
MAX_KEY_LENGTH = 200


class ServiceKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[AnonymousUser, ServiceAPIKey] | None:
        key = request.headers.get(HEADER)
        if key is None:
            return None
        key = key.strip()
        found: AbstractAPIKey | None = None
        if key and len(key) <= MAX_KEY_LENGTH and "." in key:
            try:
                found = ServiceAPIKey.objects.get_from_key(key)
            except ServiceAPIKey.DoesNotExist:
                found = None
        if found is None or found.has_expired or found.revoked:
            raise exceptions.AuthenticationFailed("The API key is invalid or revoked.")
        assert isinstance(found, ServiceAPIKey)
        return AnonymousUser(), found

    def authenticate_header(self, request: Request) -> str:
        return f'ApiKey header="{HEADER}"'


class HasServiceKey(permissions.BasePermission):
    message = f"An API key is required in the {HEADER} header."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return isinstance(request.auth, ServiceAPIKey)


class ServiceKeyScheme(OpenApiAuthenticationExtension):
    target_class = ServiceKeyAuthentication
    name = "serviceApiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "apiKey", "in": "header", "name": HEADER}
