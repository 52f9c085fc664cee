"""GET /api/v1/payments/{id}/receipt.pdf: the owner's PDF; 404 for everyone and everything else."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from receipts import services
from tests.factories import PaymentFactory, UserFactory
from tests.receipts.support import pdf_text

pytestmark = pytest.mark.django_db


def receipt_pdf_url(payment_id) -> str:
    return f"/api/v1/payments/{payment_id}/receipt.pdf"


def rendered_receipt_of(learner):
    payment = PaymentFactory.create(learner=learner)
    receipt = services.receipt_issue(payment_id=payment.pk)
    return services.receipt_render_pdf(receipt_id=receipt.pk)


def test_the_owner_downloads_the_pdf_named_after_the_receipt_number(learner, learner_client):
    receipt = rendered_receipt_of(learner)

    response = learner_client.get(receipt_pdf_url(receipt.payment_id))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="{receipt.number}.pdf"' in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    assert receipt.number in pdf_text(b"".join(response.streaming_content))


def test_a_client_accepting_only_pdf_gets_it(learner, learner_client):
    receipt = rendered_receipt_of(learner)

    url = receipt_pdf_url(receipt.payment_id)

    response = learner_client.get(url, HTTP_ACCEPT="application/pdf")

    assert response.status_code == 200


def test_another_learner_gets_404_for_my_receipt(learner):
    receipt = rendered_receipt_of(learner)
    intruder = APIClient()
    intruder.force_authenticate(UserFactory.create())

    response = intruder.get(receipt_pdf_url(receipt.payment_id))

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert receipt.number not in response.content.decode()


def test_an_anonymous_client_is_asked_to_authenticate(learner, api_client):
    receipt = rendered_receipt_of(learner)

    response = api_client.get(receipt_pdf_url(receipt.payment_id))

    assert response.status_code == 401


@pytest.mark.parametrize("payment_id", ["not-a-uuid", str(uuid.uuid4()), "1' OR '1'='1", "x" * 300])
def test_a_malformed_or_unknown_id_is_404_in_the_error_shape(learner_client, payment_id):
    response = learner_client.get(receipt_pdf_url(payment_id))

    assert response.status_code == 404
    assert set(response.json()) == {"error", "request_id"}


def test_a_nul_in_the_id_is_refused_at_the_edge_in_the_error_shape(learner_client):
    response = learner_client.get(receipt_pdf_url("%00"))

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"


def test_a_payment_whose_receipt_is_not_issued_yet_is_404(learner, learner_client):
    payment = PaymentFactory.create(learner=learner)

    assert learner_client.get(receipt_pdf_url(payment.pk)).status_code == 404
    assert learner_client.get(f"/api/v1/payments/{payment.pk}/").json()["receipt_url"] is None


def test_a_receipt_issued_but_not_rendered_yet_is_404_and_has_no_url(learner, learner_client):
    payment = PaymentFactory.create(learner=learner)
    receipt = services.receipt_issue(payment_id=payment.pk)

    detail = learner_client.get(f"/api/v1/payments/{payment.pk}/").json()

    assert learner_client.get(receipt_pdf_url(payment.pk)).status_code == 404
    assert (detail["receipt_number"], detail["receipt_url"]) == (receipt.number, None)


def test_the_payment_list_costs_the_same_queries_with_one_or_many_receipts(learner, learner_client):
    rendered_receipt_of(learner)
    with CaptureQueriesContext(connection) as one:
        learner_client.get("/api/v1/payments/")
    for _ in range(4):
        rendered_receipt_of(learner)

    with CaptureQueriesContext(connection) as many:
        body = learner_client.get("/api/v1/payments/").json()

    assert len(body["results"]) == 5
    assert all(item["receipt_number"] and item["receipt_url"] for item in body["results"])
    assert all(item["course"] and item["course_title"] for item in body["results"])
    assert len(many) == len(one)
