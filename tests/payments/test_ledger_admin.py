"""The ledger in the admin, read-only, and the management of the webhook endpoint."""

import pytest
from django.core.management import call_command

from payments.models import IdempotencyRecord, PaymentEvent, StripeCustomer
from tests.factories import PaymentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    return client


def test_a_payment_page_shows_its_audit_trail_and_cannot_be_changed(admin_client) -> None:
    payment = PaymentFactory.create()
    PaymentEvent.objects.create(payment=payment, to_status="succeeded", source="webhook")

    page = admin_client.get(f"/admin/payments/payment/{payment.pk}/change/")
    posted = admin_client.post(f"/admin/payments/payment/{payment.pk}/change/", {})

    assert page.status_code == 200
    assert b"webhook" in page.content
    assert posted.status_code == 403


def test_every_ledger_row_names_itself() -> None:
    payment = PaymentFactory.create(status="succeeded")
    event = PaymentEvent.objects.create(payment=payment, to_status="succeeded", source="api")
    customer = StripeCustomer.objects.create(user=payment.learner, customer_id="cus_1")
    record = IdempotencyRecord.objects.create(
        user=payment.learner, key="k1", endpoint="POST /x", request_fingerprint="f"
    )

    assert "succeeded" in str(payment)
    assert str(event).endswith("- -> succeeded")
    assert (str(customer), str(record)) == ("cus_1", "k1")


def test_registering_the_webhook_twice_keeps_one_endpoint(sandbox, capsys) -> None:
    call_command("stripe_webhook_register", base_url="http://127.0.0.1:9")
    call_command("stripe_webhook_register", base_url="http://127.0.0.1:9")

    assert "already registered" in capsys.readouterr().out
