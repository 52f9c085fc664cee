"""The payment history's filters: any offset, any year, empty values ignored, never a 5xx."""

from datetime import UTC, datetime

import pytest
from rest_framework.test import APIClient

from payments.models import Payment
from tests.factories import PaymentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def new_years_payment(learner) -> Payment:
    payment = PaymentFactory.create(learner=learner)
    Payment.objects.filter(pk=payment.pk).update(created=datetime(2024, 1, 1, 12, tzinfo=UTC))
    return payment


def listed(client: APIClient, **query: str) -> list[str]:
    response = client.get("/api/v1/payments/", query)
    assert response.status_code == 200, response.content
    return [p["id"] for p in response.json()["results"]]


@pytest.mark.parametrize(
    ("after", "included"),
    [
        ("2024-01-01T00:00:00+16:00", True),  # 2023-12-31T08:00Z: beyond PostgreSQL's ±15:59
        ("2024-01-02T05:00:00+16:00", False),  # 2024-01-01T13:00Z
        ("2024-01-01T00:00:00-23:59", False),  # 2024-01-01T23:59Z
        ("2024-01-01T12:00:00Z", True),
        ("2024-01-01", True),
    ],
)
def test_created_after_accepts_any_offset_python_can_hold(
    learner_client: APIClient, new_years_payment: Payment, after: str, included: bool
) -> None:
    ids = listed(learner_client, created_after=after)

    assert (str(new_years_payment.pk) in ids) is included


@pytest.mark.parametrize(
    "moment",
    [
        "0001-01-01T00:00:00+01:00",  # before year 1 in UTC
        "9999-12-31T23:59:59-01:00",  # after year 9999 in UTC
        "2024-01-01T00:00:00+24:00",
        "2024-13-01",
        "yesterday",
    ],
)
@pytest.mark.parametrize("name", ["created_after", "created_before"])
def test_an_instant_that_cannot_exist_is_a_400(
    learner_client: APIClient, name: str, moment: str
) -> None:
    response = learner_client.get("/api/v1/payments/", {name: moment})

    assert response.status_code == 400
    assert name in response.json()["error"]["fields"]


def test_the_extreme_years_that_exist_are_accepted(
    learner_client: APIClient, new_years_payment: Payment
) -> None:
    ids = listed(
        learner_client,
        created_after="0001-01-01T00:00:00Z",
        created_before="9999-12-31T23:59:59+01:00",
    )

    assert ids == [str(new_years_payment.pk)]


@pytest.mark.parametrize("name", ["status", "created_after", "created_before"])
def test_an_empty_filter_value_is_ignored(
    learner_client: APIClient, new_years_payment: Payment, name: str
) -> None:
    assert listed(learner_client, **{name: ""}) == [str(new_years_payment.pk)]


def test_an_unknown_status_is_a_400(learner_client: APIClient) -> None:
    response = learner_client.get("/api/v1/payments/", {"status": "paid"})

    assert response.status_code == 400
    assert "status" in response.json()["error"]["fields"]


def test_a_filter_next_to_the_paginators_parameters_still_filters(learner, learner_client) -> None:
    PaymentFactory.create(learner=learner, status="succeeded")
    PaymentFactory.create(learner=learner, status="failed")

    body = learner_client.get("/api/v1/payments/?page_size=5&status=failed").json()
    refused = learner_client.get("/api/v1/payments/?page_size=5&created_after=yesterday")

    assert [p["status"] for p in body["results"]] == ["failed"]
    assert refused.status_code == 400


def test_a_page_named_only_by_the_paginators_parameters_is_unfiltered(
    learner, learner_client
) -> None:
    PaymentFactory.create(learner=learner, status="succeeded")
    PaymentFactory.create(learner=learner, status="failed")

    first = learner_client.get("/api/v1/payments/?page_size=1").json()
    second = learner_client.get(first["next"]).json()

    assert {p["status"] for p in first["results"] + second["results"]} == {"succeeded", "failed"}
