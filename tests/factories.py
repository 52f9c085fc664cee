from typing import Any

import factory

from accounts.models import User
from courses.models import Course
from payments.models import Payment
from payments.rollups import rollup_add

DEFAULT_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"learner{n}@example.com")
    name = factory.Faker("name")
    password = DEFAULT_PASSWORD

    @classmethod
    def _create(cls, model_class: type[User], *args: Any, **kwargs: Any) -> User:
        return model_class.objects.create_user(*args, **kwargs)


class CourseFactory(factory.django.DjangoModelFactory[Course]):
    class Meta:
        model = Course

    slug = factory.Sequence(lambda n: f"course-{n}")
    title = factory.Sequence(lambda n: f"Course {n}")
    description = "Learn things."
    price_amount = 4900
    currency = "usd"


class PaymentFactory(factory.django.DjangoModelFactory[Payment]):
    class Meta:
        model = Payment

    learner = factory.SubFactory(UserFactory)
    course = factory.SubFactory(CourseFactory)
    amount = factory.SelfAttribute("course.price_amount")
    currency = factory.SelfAttribute("course.currency")
    status = "succeeded"
    stripe_payment_intent_id = factory.Sequence(lambda n: f"pi_test{n:020d}")

    @classmethod
    def _create(cls, model_class: type[Payment], *args: Any, **kwargs: Any) -> Payment:
        """A payment as the ledger holds it: counted in the running totals, as
        `payments.transitions.payment_open` counts every real one."""
        payment = super()._create(model_class, *args, **kwargs)
        rollup_add(payment)
        return payment
