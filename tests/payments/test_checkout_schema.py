"""The OpenAPI schema documents the Checkout and saved-card endpoints with their errors."""

import pytest

pytestmark = pytest.mark.django_db

DOCUMENTED = {
    ("/api/v1/checkout-sessions/", "post"): {
        "200",
        "201",
        "400",
        "401",
        "404",
        "409",
        "422",
        "503",
    },
    ("/api/v1/checkout-sessions/{id}/", "get"): {"200", "401", "404"},
    ("/api/v1/payment-methods/", "get"): {"200", "401"},
    ("/api/v1/payment-methods/setup/", "post"): {"201", "401", "409", "422", "503"},
    ("/api/v1/payment-methods/{id}/", "delete"): {"204", "401", "404", "503"},
    ("/api/v1/payment-methods/{id}/default/", "post"): {"200", "401", "404", "503"},
}


@pytest.fixture(scope="module")
def schema(django_db_blocker) -> dict:
    from rest_framework.test import APIClient

    with django_db_blocker.unblock():
        return APIClient().get("/api/schema/", {"format": "json"}).json()


@pytest.mark.parametrize(("path", "method"), sorted(DOCUMENTED))
def test_each_endpoint_documents_its_answers(schema, path, method) -> None:
    operation = schema["paths"][path][method]

    assert DOCUMENTED[(path, method)] <= set(operation["responses"])
    for status in set(operation["responses"]) - {"200", "201", "204"}:
        content = operation["responses"][status]["content"]["application/json"]
        assert content["schema"] == {"$ref": "#/components/schemas/Error"}


def test_card_and_session_ids_are_strings(schema) -> None:
    for path in ("/api/v1/checkout-sessions/{id}/", "/api/v1/payment-methods/{id}/"):
        (parameter,) = next(iter(schema["paths"][path].values()))["parameters"]
        assert parameter["schema"] == {"type": "string"}
