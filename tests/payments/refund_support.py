"""What the refund, dispute and admin tests share: paid purchases through the sandbox, staff
users with and without the refund permission, and a webhook-delivering live server."""

from django.contrib.auth.models import Permission
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import User
from courses.models import Course
from payments.models import Payment
from tests.factories import CourseFactory, UserFactory
from tests.payments.live_stripe import signed_post, stripe_api, wait_for

__all__ = [
    "buy",
    "sandbox_events",
    "signed_post",
    "staff_user",
    "stripe_api",
    "token_client",
    "wait_for",
]


def buy(
    learner: User, course: Course | None = None, payment_method: str = "pm_card_visa"
) -> Payment:
    """A real purchase through the API and the sandbox, confirmed at once."""
    course = course or CourseFactory.create()
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(learner)
    body = {"course": course.slug, "payment_method": payment_method}
    response = client.post("/api/v1/payments/", body, format="json")
    assert response.status_code == 201, response.json()
    return Payment.objects.get(pk=response.json()["id"])


def staff_user(*, can_refund: bool, superuser: bool = False) -> User:
    user = UserFactory.create(is_staff=True, is_superuser=superuser)
    perms = ["view_payment", "view_refund", "view_dispute"]
    if can_refund:
        perms.append("refund_payment")
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="payments", codename__in=perms)
    )
    return user


def token_client(user: User) -> APIClient:
    """A staff API client, authenticated as such clients are: with a token."""
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def sandbox_events(sandbox, *types: str) -> list[dict]:
    """The sandbox's events of these types, oldest first."""
    events = stripe_api(sandbox).v1.events.list(params={"limit": 100})
    return [e.to_dict() for e in reversed(events.data) if e.type in types]
