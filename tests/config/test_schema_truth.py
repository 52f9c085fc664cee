"""The OpenAPI schema documents every error status an operation can answer, with the error shape."""

import pytest
from django.core.management import call_command
from django.urls import path
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from config.schema import ErrorSerializer, api_errors

ERROR_REF = "#/components/schemas/Error"


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def statuses(schema: dict, path: str, method: str) -> set[int]:
    return {int(code) for code in schema["paths"][path][method]["responses"]}


@pytest.mark.parametrize(
    ("path", "method", "expected"),
    [
        ("/api/v1/auth/token/", "post", {200, 400, 401, 413, 415, 429}),
        ("/api/v1/auth/register/", "post", {201, 400, 413, 415, 429}),
        ("/api/v1/auth/logout/", "post", {204, 401, 403, 413, 429}),
        ("/api/v1/me/", "get", {200, 401, 429}),
        ("/api/v1/courses/", "get", {200, 400, 404, 429}),
        ("/api/v1/courses/{slug}/", "get", {200, 404, 429}),
        ("/api/v1/enrollments/", "get", {200, 400, 401, 404, 429}),
    ],
)
def test_each_operation_documents_the_errors_it_can_answer(
    schema: dict, path: str, method: str, expected: set[int]
) -> None:
    assert statuses(schema, path, method) == expected


def test_every_error_response_carries_the_error_shape(schema: dict) -> None:
    for url, operations in schema["paths"].items():
        for method, operation in operations.items():
            for code, response in operation["responses"].items():
                if int(code) >= 400:
                    content = response["content"]["application/json"]["schema"]
                    assert content == {"$ref": ERROR_REF}, f"{method} {url} {code}"
                    assert response["description"], f"{method} {url} {code}"


def test_the_error_component_is_the_common_shape(schema: dict) -> None:
    components = schema["components"]["schemas"]
    detail = components["ErrorDetail"]

    assert set(components["Error"]["required"]) == {"error", "request_id"}
    assert set(detail["required"]) == {"code", "message", "retryable", "suggestion", "fields"}


def test_throttled_and_unavailable_answers_document_retry_after(schema: dict) -> None:
    response = schema["paths"]["/api/v1/me/"]["get"]["responses"]["429"]

    assert "Retry-After" in response["headers"]


def test_paths_are_canonical_one_per_operation(schema: dict) -> None:
    paths = list(schema["paths"])

    assert all(path.endswith(("/", ".pdf")) for path in paths)  # a file keeps its name
    assert len({path.rstrip("/") for path in paths}) == len(paths)
    assert not any(char in path for path in paths for char in "?^$\\")


def test_the_schema_generates_valid_and_without_warnings(tmp_path) -> None:
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yml"))


class ThingSerializer(serializers.Serializer):
    course = serializers.CharField()


@api_errors(503)
class PaymentLikeViewSet(viewsets.ViewSet):
    """A view declaring its domain errors on the class and on one action."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []
    throttle_classes: list[type] = []

    @api_errors(402, (409, "The course is already owned."))
    @extend_schema(
        request=ThingSerializer,
        responses={201: None, 503: OpenApiResponse(ErrorSerializer, description="Own words.")},
    )
    def create(self, request):
        return Response(status=201)

    def list(self, request):
        return Response([])


declared_patterns = [
    path("api/things/", PaymentLikeViewSet.as_view({"post": "create", "get": "list"})),
]


@pytest.fixture(scope="module")
def declared() -> dict:
    return SchemaGenerator(patterns=declared_patterns).get_schema(request=None, public=True)


def test_an_action_declares_its_domain_errors(declared: dict) -> None:
    responses = declared["paths"]["/api/things/"]["post"]["responses"]

    assert set(responses) == {"201", "400", "402", "409", "413", "415", "503"}
    assert responses["409"]["description"] == "The course is already owned."
    assert responses["402"]["content"]["application/json"]["schema"] == {"$ref": ERROR_REF}


def test_a_view_class_declares_errors_for_all_its_operations(declared: dict) -> None:
    assert set(declared["paths"]["/api/things/"]["get"]["responses"]) == {"200", "503"}


def test_a_status_the_view_documents_itself_is_kept(declared: dict) -> None:
    response = declared["paths"]["/api/things/"]["post"]["responses"]["503"]

    assert response["description"] == "Own words."
