"""`config.pagination`: a page size the API cannot honour is a 400, not silently the default."""

import base64
from urllib.parse import urlencode

import pytest
from django.urls import path
from rest_framework import generics
from rest_framework.permissions import AllowAny
from rest_framework.test import APIClient

from accounts.api.serializers import UserSerializer
from accounts.models import User
from config import pagination
from config import urls as project_urls
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


class NewestUsers(pagination.CursorPagination):
    ordering = ("-date_joined", "-id")
    page_size = 2
    max_page_size = 3
    page_size_query_param = "page_size"


class UserList(generics.ListAPIView):
    permission_classes = [AllowAny]
    authentication_classes: list[type] = []
    serializer_class = UserSerializer
    pagination_class = NewestUsers
    queryset = User.objects.all()


urlpatterns = [path("api/users/", UserList.as_view()), *project_urls.urlpatterns]


@pytest.fixture(autouse=True)
def _users() -> None:
    UserFactory.create_batch(4)


def page_length(response) -> int:
    assert response.status_code == 200, response.content
    return len(response.json()["results"])


@pytest.mark.parametrize(
    "page_size",
    ["x", "-5", "0", "null", "1.5", "9" * 5000, "\u0661"],  # the last: an Arabic-Indic 1
    ids=["x", "-5", "0", "null", "1.5", "5000-digits", "arabic-indic-1"],
)
def test_a_page_size_that_is_not_a_whole_number_from_1_is_a_400(page_size: str) -> None:
    response = APIClient().get("/api/users/", {"page_size": page_size})

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"page_size": ["Enter a whole number from 1."]}


@pytest.mark.parametrize(("page_size", "length"), [("", 2), ("1", 1), ("3", 3), ("500", 3)])
def test_a_page_size_is_honoured_up_to_the_maximum(page_size: str, length: int) -> None:
    assert page_length(APIClient().get("/api/users/", {"page_size": page_size})) == length


def cursor_at(position: str) -> str:
    """A cursor as a client may forge one: DRF's encoding of a position it never handed out."""
    return base64.b64encode(urlencode({"p": position}).encode()).decode()


def test_a_cursor_position_with_an_offset_postgresql_refuses_is_read_in_utc() -> None:
    """PostgreSQL refuses offsets beyond ±15:59 (Python accepts up to ±23:59): it was a 500."""
    response = APIClient().get("/api/users/", {"cursor": cursor_at("2999-01-01T00:00:00+20:00")})

    assert page_length(response) == 2


def test_a_cursor_position_outside_the_years_1_to_9999_in_utc_is_an_invalid_cursor() -> None:
    response = APIClient().get("/api/users/", {"cursor": cursor_at("9999-12-31T23:59:59-23:59")})

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
