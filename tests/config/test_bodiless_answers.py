"""No answer to HEAD carries a body, whichever layer made it; its headers are the GET's.

Django's test client drops these bodies itself, so these tests call the WSGI application as
gunicorn does (`raw_wsgi`): gunicorn sends whatever body the application hands it, and on a
kept-alive connection a client reads that body as the start of the next answer.
"""

import json

import pytest
from rest_framework.authtoken.models import Token

from receipts import services
from tests.config import raw_wsgi
from tests.factories import CourseFactory, PaymentFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_head_answer_has_the_gets_headers_and_no_body() -> None:
    CourseFactory.create()
    got = raw_wsgi.call("GET", "/api/v1/courses/")

    head = raw_wsgi.call("HEAD", "/api/v1/courses/")

    assert (got.status, head.status) == (200, 200)
    assert head.body == b""
    assert head.headers["Content-Length"] == got.headers["Content-Length"] == str(len(got.body))


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/v1/nowhere", 404),  # handler404, JSON
        ("/nowhere", 404),  # handler404, a page
        ("/api/v1/payments/", 401),  # DRF
        ("/products", 401),  # a seed contract's shape
        ("/account/login/", 200),  # a store page
    ],
)
def test_errors_and_pages_answer_head_without_a_body(path: str, status: int) -> None:
    response = raw_wsgi.call("HEAD", path)

    assert response.status == status
    assert response.body == b""
    assert int(response.headers["Content-Length"]) > 0


def test_a_refusal_made_before_any_view_answers_head_without_a_body() -> None:
    """The body guard's 413 has no Content-Length: gunicorn sent its body with no framing."""
    response = raw_wsgi.call("HEAD", "/api/v1/courses/", body=b"x" * (64 * 1024 + 1))

    assert response.status == 413
    assert response.body == b""


def test_a_receipt_pdf_answers_head_with_its_size_and_without_the_file() -> None:
    learner = UserFactory.create()
    payment = PaymentFactory.create(learner=learner)
    receipt = services.receipt_render_pdf(
        receipt_id=services.receipt_issue(payment_id=payment.pk).pk
    )
    token = Token.objects.create(user=learner)
    path = f"/api/v1/payments/{payment.pk}/receipt.pdf"
    auth = {"Authorization": f"Token {token.key}"}

    got = raw_wsgi.call("GET", path, headers=auth)
    head = raw_wsgi.call("HEAD", path, headers=auth)

    assert (got.status, head.status) == (200, 200)
    assert got.body.startswith(b"%PDF")
    assert head.body == b""
    assert head.headers["Content-Length"] == str(len(got.body)) == str(receipt.pdf.size)


def test_a_get_keeps_its_body() -> None:
    response = raw_wsgi.call("GET", "/healthz")

    assert json.loads(response.body) == {"status": "ok"}


def test_a_no_content_answer_carries_no_content_length() -> None:
    """RFC 9110, 8.6: never on a 204; CommonMiddleware had set `Content-Length: 0`."""
    learner = UserFactory.create()
    token = Token.objects.create(user=learner)

    response = raw_wsgi.call(
        "POST", "/api/v1/auth/logout/", headers={"Authorization": f"Token {token.key}"}
    )

    assert response.status == 204
    assert response.body == b""
    assert "Content-Length" not in response.headers
