"""Account use cases: Django's password validators apply; e-mail addresses are case-insensitive."""

from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from rest_framework.authtoken.models import Token

from accounts.errors import EmailTaken, InvalidCredentials
from accounts.models import User


def user_register(*, email: str, password: str, name: str = "") -> User:
    email = User.objects.normalize_email(email).lower()
    if User.objects.filter(email__iexact=email).exists():
        raise EmailTaken()
    try:
        validate_password(password, user=User(email=email, name=name))
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    try:
        with transaction.atomic():
            return User.objects.create_user(email=email, password=password, name=name)
    except IntegrityError as exc:  # a concurrent registration with the same address won
        raise EmailTaken() from exc


def user_authenticate(*, request: HttpRequest | None, email: str, password: str) -> User:
    user = authenticate(request, email=email.lower(), password=password)
    if not isinstance(user, User):
        raise InvalidCredentials()
    return user


def user_token(*, user: User) -> str:
    token, _ = Token.objects.get_or_create(user=user)
    return token.key
