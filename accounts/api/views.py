from django.contrib.auth import login, logout
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle

from accounts import services
from accounts.api.serializers import (
    CredentialsSerializer,
    RegisterSerializer,
    TokenSerializer,
    UserSerializer,
)
from config.schema import api_errors


class CredentialsViewSet(viewsets.ViewSet):
    """Sign-up and sign-in. `login` opens a session (browsers); `token` returns an API token.

    The credentials in the body are the authentication here: no other authenticator runs, so a
    stale session cookie or token cannot turn a sign-in into a CSRF or 401 failure.
    """

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    throttle_scope = "auth"
    throttle_classes = [AnonRateThrottle, ScopedRateThrottle]

    @extend_schema(request=RegisterSerializer, responses={201: UserSerializer})
    def register(self, request: Request) -> Response:
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_register(**serializer.validated_data)
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)

    @api_errors((401, "The e-mail address or password is incorrect."))
    @extend_schema(request=CredentialsSerializer, responses={200: UserSerializer})
    def login(self, request: Request) -> Response:
        serializer = CredentialsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_authenticate(request=request._request, **serializer.validated_data)
        login(request._request, user)  # rotates the session key and the CSRF token
        return Response(UserSerializer(user).data)

    @api_errors((401, "The e-mail address or password is incorrect."))
    @extend_schema(request=CredentialsSerializer, responses={200: TokenSerializer})
    def token(self, request: Request) -> Response:
        serializer = CredentialsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_authenticate(request=request._request, **serializer.validated_data)
        key = services.user_token(user=user)
        return Response(TokenSerializer({"token": key, "user": user}).data)


class SessionViewSet(viewsets.ViewSet):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def logout(self, request: Request) -> Response:
        if isinstance(request.auth, Token):
            request.auth.delete()
        logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeViewSet(viewsets.ViewSet):
    @extend_schema(responses={200: UserSerializer})
    def retrieve(self, request: Request) -> Response:
        return Response(UserSerializer(request.user).data)
