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
CONTRACT_ERROR_REF = "#/components/schemas/ContractError"


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
            # The seed documents' contracts promise their own shape: {"error": "..."}.
            contract = any(tag.startswith("Seed ") for tag in operation.get("tags", []))
            expected = CONTRACT_ERROR_REF if contract else ERROR_REF
            for code, response in operation["responses"].items():
                if int(code) >= 400:
                    content = response["content"]["application/json"]["schema"]
                    assert content == {"$ref": expected}, f"{method} {url} {code}"
                    assert response["description"], f"{method} {url} {code}"


def test_the_contract_error_is_one_message(schema: dict) -> None:
    contract_error = schema["components"]["schemas"]["ContractError"]

    assert contract_error["required"] == ["error"]
    assert contract_error["properties"]["error"]["type"] == "string"


@pytest.mark.parametrize(
    ("path", "method", "tag"),
    [
        ("/api/checkout/embedded-session", "post", "Seed 004: embedded checkout"),
        ("/api/checkout/session-status", "get", "Seed 004: embedded checkout"),
        ("/api/stripe/create-payment-intent", "post", "Seed 001: mobile PaymentSheet"),
        ("/api/stripe/create-customer", "post", "Seed 001: mobile PaymentSheet"),
        ("/api/stripe/create-subscription", "post", "Seed 001: mobile PaymentSheet"),
        ("/customers", "post", "Seed 002: service API"),
        ("/products", "post", "Seed 002: service API"),
        ("/payments/checkout", "post", "Seed 002: service API"),
        ("/payments/{id}", "get", "Seed 002: service API"),
    ],
)
def test_each_contract_operation_is_under_its_documents_tag(
    schema: dict, path: str, method: str, tag: str
) -> None:
    assert schema["paths"][path][method]["tags"] == [tag]


def test_the_service_api_documents_its_key_header(schema: dict) -> None:
    operation = schema["paths"]["/customers"]["post"]

    assert operation["security"] == [{"serviceApiKey": []}]
    assert schema["components"]["securitySchemes"]["serviceApiKey"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
    }
    assert "401" in operation["responses"]


def test_the_error_component_is_the_common_shape(schema: dict) -> None:
    components = schema["components"]["schemas"]
    detail = components["ErrorDetail"]

    assert set(components["Error"]["required"]) == {"error", "request_id"}
    assert set(detail["required"]) == {"code", "message", "retryable", "suggestion", "fields"}


def test_throttled_and_unavailable_answers_document_retry_after(schema: dict) -> None:
    response = schema["paths"]["/api/v1/me/"]["get"]["responses"]["429"]

    assert "Retry-After" in response["headers"]


def test_no_component_is_described_by_an_implementation_class(schema: dict) -> None:
    """A serializer without a docstring inherits its base class's: the schema then told API
    clients how our serializers cache their fields."""
    leaked = {
        name
        for name, component in schema["components"]["schemas"].items()
        if "ModelSerializer" in component.get("description", "")
    }

    assert leaked == set()


def test_paths_are_canonical_one_per_operation(schema: dict) -> None:
    paths = list(schema["paths"])

    native = [path for path in paths if path.startswith("/api/v1/")]
    # A file keeps its name; the seed contracts keep their documents' spelling (no slash).
    assert all(path.endswith(("/", ".pdf")) for path in native)
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
