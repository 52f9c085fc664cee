import pytest
from rest_framework.test import APIClient

from tests.factories import CourseFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_learner_sees_the_courses_they_bought(sandbox, learner_client) -> None:
    bought, _ = CourseFactory.create(), CourseFactory.create()
    learner_client.post(
        "/api/v1/payments/",
        {"course": bought.slug, "payment_method": "pm_card_visa"},
        format="json",
    )
    stranger = APIClient()
    stranger.force_authenticate(UserFactory.create())

    mine = learner_client.get("/api/v1/enrollments/").json()["results"]
    theirs = stranger.get("/api/v1/enrollments/").json()["results"]

    assert [(e["course"]["slug"], e["status"]) for e in mine] == [(bought.slug, "active")]
    assert theirs == []
