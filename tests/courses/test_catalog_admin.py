"""Creating and repricing a course in the admin keeps Stripe's Product and Price in step."""

import pytest
import stripe
from django.core.management import call_command
from django.test import Client

from courses.models import Course
from stripe_sandbox.testing import TEST_SECRET_KEY
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client() -> Client:
    client = Client()
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    return client


def stripe_prices(sandbox, product_id: str) -> list:
    client = stripe.StripeClient(TEST_SECRET_KEY, base_addresses={"api": sandbox.url})
    return client.v1.prices.list(params={"product": product_id, "limit": 100}).data


def course_form(**changes: object) -> dict[str, object]:
    return {
        "slug": "django-payments",
        "title": "Django Payments",
        "description": "Ledgers.",
        "price_amount": 4900,
        "currency": "usd",
        "active": "on",
        **changes,
    }


def test_creating_a_course_creates_its_stripe_product_and_price(sandbox, admin_client) -> None:
    response = admin_client.post("/admin/courses/course/add/", course_form())

    course = Course.objects.get()
    assert response.status_code == 302
    assert course.stripe_product_id.startswith("prod_")
    prices = stripe_prices(sandbox, course.stripe_product_id)
    assert [(p.id, p.unit_amount, p.currency, p.active) for p in prices] == [
        (course.stripe_price_id, 4900, "usd", True)
    ]


def test_repricing_creates_a_new_price_and_archives_the_old_one(sandbox, admin_client) -> None:
    admin_client.post("/admin/courses/course/add/", course_form())
    course = Course.objects.get()
    old_price = course.stripe_price_id

    admin_client.post(f"/admin/courses/course/{course.pk}/change/", course_form(price_amount=5900))

    course.refresh_from_db()
    prices = {p.id: p for p in stripe_prices(sandbox, course.stripe_product_id)}
    assert course.stripe_price_id != old_price
    assert prices[course.stripe_price_id].unit_amount == 5900
    assert prices[course.stripe_price_id].active is True
    assert prices[old_price].active is False


def test_editing_the_title_keeps_the_price(sandbox, admin_client) -> None:
    admin_client.post("/admin/courses/course/add/", course_form())
    course = Course.objects.get()

    admin_client.post(f"/admin/courses/course/{course.pk}/change/", course_form(title="Renamed"))

    course.refresh_from_db()
    assert len(stripe_prices(sandbox, course.stripe_product_id)) == 1


def test_seed_demo_creates_courses_in_stripe_once(sandbox, settings) -> None:
    settings.DEBUG = True

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115

    courses = Course.objects.all()
    assert courses.count() == 4
    assert all(c.stripe_price_id for c in courses)
    client = stripe.StripeClient(TEST_SECRET_KEY, base_addresses={"api": sandbox.url})
    # The courses, and the seed contracts' one-time product and monthly subscription.
    assert len(client.v1.products.list(params={"limit": 100}).data) == 4 + 2


def test_seed_demo_refuses_to_run_outside_development(sandbox, settings) -> None:
    settings.DEBUG = False

    with pytest.raises(Exception, match="only runs in development"):
        call_command("seed_demo")


def test_a_reprice_that_stripe_missed_is_finished_by_the_next_save(sandbox, admin_client) -> None:
    admin_client.post("/admin/courses/course/add/", course_form())
    course = Course.objects.get()
    old_price = course.stripe_price_id
    sandbox.control(
        "POST",
        "/_sandbox/faults",
        {"method": "POST", "path": "/v1/prices", "count": 10, "status": 503},
    )

    failed = admin_client.post(
        f"/admin/courses/course/{course.pk}/change/", course_form(price_amount=5900), follow=True
    )
    sandbox.control("DELETE", "/_sandbox/faults")
    admin_client.post(f"/admin/courses/course/{course.pk}/change/", course_form(price_amount=5900))

    course.refresh_from_db()
    prices = {p.id: p for p in stripe_prices(sandbox, course.stripe_product_id)}
    assert b"Stripe was not updated" in failed.content
    assert prices[course.stripe_price_id].unit_amount == 5900
    assert prices[old_price].active is False
