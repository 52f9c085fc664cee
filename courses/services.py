"""Catalog use cases: keep Stripe's Product and Price in step with a course, grant access."""

from courses.models import Course, Enrollment
from payments.gateway import PaymentGateway
from payments.models import Payment


def course_sync_to_stripe(*, course: Course, gateway: PaymentGateway, repriced: bool) -> Course:
    """Create the course's Stripe Product on first sync, and a Stripe Price when it is repriced.

    Stripe prices are immutable, so repricing creates a Price and archives the old one. The
    idempotency keys name the course and the version of it being synced (its `updated` time), so
    a retry of the same save never creates a duplicate.
    """
    metadata = {"coursepay_course": course.slug}
    if not course.stripe_product_id:
        course.stripe_product_id = gateway.product_create(
            name=course.title,
            description=course.description,
            metadata=metadata,
            idempotency_key=f"coursepay-course-{course.pk}-product",
        )
    else:
        gateway.product_update(
            product_id=course.stripe_product_id,
            name=course.title,
            description=course.description,
            active=course.active,
        )
    if course.stripe_price_id and not repriced:
        return course
    old_price_id = course.stripe_price_id
    version = int(course.updated.timestamp() * 1000)
    price_key = f"coursepay-course-{course.pk}-price-{version}"
    new_price_id = gateway.price_create(
        product_id=course.stripe_product_id,
        unit_amount=course.price_amount,
        currency=course.currency,
        metadata=metadata,
        idempotency_key=price_key,
    )
    if old_price_id and old_price_id != new_price_id:
        gateway.price_archive(price_id=old_price_id)
    course.stripe_price_id = new_price_id
    Course.objects.filter(pk=course.pk).update(
        stripe_product_id=course.stripe_product_id, stripe_price_id=new_price_id
    )
    return course


def enrollment_grant(*, payment: Payment) -> Enrollment:
    """Give the learner the course a payment bought.

    Called once per payment, by the transition to succeeded, under the payment's row lock
    (see `payments.services`); the one-to-one on `payment` backs that up.
    """
    return Enrollment.objects.create(
        payment=payment, learner_id=payment.learner_id, course_id=payment.course_id
    )
