"""Responses carrying a client secret are never stored by a cache."""

import pytest
from django.http import HttpResponse, JsonResponse
from django.urls import path
from rest_framework.test import APIClient

from config import urls as project_urls
from tests.factories import CourseFactory

pytestmark = pytest.mark.django_db


def nested_secret(request):
    return JsonResponse({"data": [{"intent": {"client_secret": "pi_1_secret_2"}}]})


def page_with_secret(request):
    return HttpResponse('<script>stripe.confirm({clientSecret: "pi_1_secret_2"})</script>')


def contract_style(request):
    return JsonResponse({"clientSecret": "cs_1_secret_2"}, headers={"Cache-Control": "max-age=60"})


urlpatterns = [
    path("api/checkout/nested/", nested_secret),
    path("checkout/page/", page_with_secret),
    path("api/stripe/contract/", contract_style),
    *project_urls.urlpatterns,
]


def test_a_started_purchase_is_not_stored(sandbox, learner_client: APIClient) -> None:
    course = CourseFactory.create()

    response = learner_client.post("/api/v1/payments/", {"course": course.slug}, format="json")

    assert response.status_code == 201
    assert response.json()["client_secret"]
    assert response["Cache-Control"] == "no-store"


def test_a_replayed_purchase_is_not_stored_either(sandbox, learner_client: APIClient) -> None:
    course = CourseFactory.create()
    buy = {"course": course.slug}
    learner_client.post("/api/v1/payments/", buy, format="json", HTTP_IDEMPOTENCY_KEY="k1")

    replay = learner_client.post("/api/v1/payments/", buy, format="json", HTTP_IDEMPOTENCY_KEY="k1")

    assert replay["Idempotent-Replayed"] == "true"
    assert replay["Cache-Control"] == "no-store"


@pytest.mark.urls(__name__)
@pytest.mark.parametrize(
    "path", ["/api/checkout/nested/", "/checkout/page/", "/api/stripe/contract/"]
)
def test_a_secret_at_any_depth_in_any_page_is_not_stored(client, path: str) -> None:
    response = client.get(path)

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


def test_a_response_without_a_secret_keeps_its_caching(client) -> None:
    CourseFactory.create()

    response = client.get("/api/v1/courses/")

    assert "no-store" not in response.get("Cache-Control", "")
