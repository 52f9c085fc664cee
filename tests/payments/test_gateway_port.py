"""The gateway is chosen in one place, by a setting; services speak only to the port."""

import pytest

from courses.models import Enrollment
from payments.errors import PaymentDeclined
from payments.models import Payment
from payments.services.purchase import payment_start
from tests.factories import CourseFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_setting_picks_the_gateway_the_api_uses(fake_gateway, learner_client, learner) -> None:
    course = CourseFactory.create()

    response = learner_client.post(
        "/api/v1/payments/",
        {"course": course.slug, "payment_method": "pm_card_visa"},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["stripe_payment_intent_id"].startswith("pi_fake")
    assert fake_gateway.calls == ["customer_create", "payment_intent_create"]
    assert Enrollment.objects.filter(learner=learner, course=course).exists()


def test_a_decline_then_another_card_confirms_the_intent_the_decline_left(fake_gateway) -> None:
    learner, course = UserFactory.create(), CourseFactory.create()

    with pytest.raises(PaymentDeclined):
        payment_start(
            learner=learner,
            course_slug=course.slug,
            payment_method="pm_card_chargeDeclined",
            gateway=fake_gateway,
        )
    started = payment_start(
        learner=learner,
        course_slug=course.slug,
        payment_method="pm_card_visa",
        gateway=fake_gateway,
    )

    assert started.payment.status == "succeeded"
    assert started.payment.failed_attempts == 1
    assert fake_gateway.calls[-1] == "payment_intent_confirm"
    assert Payment.objects.count() == 1
    assert started.payment.stripe_charge_id.startswith("ch_fake")
