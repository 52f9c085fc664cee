"""Development's browsable API (HTML for browsers) goes through the same edge as JSON clients."""

import pytest
from django.test import override_settings
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.test import APIClient
from rest_framework.views import APIView

from tests.factories import CourseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _browsable_api(monkeypatch: pytest.MonkeyPatch):
    """What `DJANGO_DEBUG=true` configures, for the views that use the default renderers."""
    monkeypatch.setattr(APIView, "renderer_classes", [JSONRenderer, BrowsableAPIRenderer])
    with override_settings(DEBUG=True):
        yield


def test_a_purchase_page_holding_the_secret_is_not_stored(sandbox, learner_client) -> None:
    course = CourseFactory.create()

    response = learner_client.post(
        "/api/v1/payments/", {"course": course.slug}, format="json", HTTP_ACCEPT="text/html"
    )

    assert response.status_code == 201
    assert response["Content-Type"].startswith("text/html")
    assert b"client_secret" in response.content
    assert response["Cache-Control"] == "no-store"


def test_deep_nesting_is_refused_before_the_page_renders(api_client: APIClient) -> None:
    response = api_client.post(
        "/api/v1/auth/token/",
        data="[" * 1000,
        content_type="application/json",
        HTTP_ACCEPT="text/html",
    )

    assert response.status_code == 400
    assert b"parse_error" in response.content


def test_an_oversized_body_is_refused_before_the_page_renders(api_client: APIClient) -> None:
    response = api_client.post(
        "/api/v1/auth/token/",
        data="x" * 70_000,
        content_type="application/json",
        HTTP_ACCEPT="text/html",
    )

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"


def test_an_unknown_api_path_is_still_json(api_client: APIClient) -> None:
    response = api_client.get("/api/v1/nothing-here/", HTTP_ACCEPT="text/html")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_page_without_its_slash_is_not_a_redirect(api_client: APIClient) -> None:
    CourseFactory.create()

    response = api_client.get("/api/v1/courses", HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
