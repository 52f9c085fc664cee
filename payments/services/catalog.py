"""Catalog use cases: keep Stripe's Product and Price in step with a course."""

from courses.models import Course
from payments.gateway import PaymentGateway


def course_sync_to_stripe(*, course: Course, gateway: PaymentGateway) -> Course:
    """Bring the course's Stripe Product and Price in step with the catalog.

    Stripe prices are immutable, so a new catalog price gets a new Price and the old one is
    archived. What the current Price charges is kept on the course, so a sync that failed half
    way is simply run again by the next save. Each Stripe id is stored as soon as Stripe gives
    it, and the idempotency keys name the course and the version being synced (its `updated`
    time), so a retry of the same save never creates a duplicate.
    """
    metadata = {"coursepay_course": course.slug}
    if not course.stripe_product_id:
        course.stripe_product_id = gateway.product_create(
            name=course.title,
            description=course.description,
            metadata=metadata,
            idempotency_key=f"coursepay-course-{course.pk}-product",
        )
        Course.objects.filter(pk=course.pk).update(stripe_product_id=course.stripe_product_id)
    else:
        gateway.product_update(
            product_id=course.stripe_product_id,
            name=course.title,
            description=course.description,
            active=course.active,
        )
    if _price_in_step(course):
        return course
    old_price_id = course.stripe_price_id
    version = int(course.updated.timestamp() * 1000)
    course.stripe_price_id = gateway.price_create(
        product_id=course.stripe_product_id,
        unit_amount=course.price_amount,
        currency=course.currency,
        metadata=metadata,
        idempotency_key=f"coursepay-course-{course.pk}-price-{version}",
    )
    course.stripe_price_amount, course.stripe_price_currency = course.price_amount, course.currency
    Course.objects.filter(pk=course.pk).update(
        stripe_price_id=course.stripe_price_id,
        stripe_price_amount=course.stripe_price_amount,
        stripe_price_currency=course.stripe_price_currency,
    )
    if old_price_id and old_price_id != course.stripe_price_id:
        gateway.price_archive(price_id=old_price_id)
    return course


def _price_in_step(course: Course) -> bool:
    synced = (course.stripe_price_amount, course.stripe_price_currency)
    return bool(course.stripe_price_id) and synced == (course.price_amount, course.currency)


def course_stripe_price_for_sale(course: Course) -> str:
    """The course's Stripe Price id when that Price charges the catalog price, else ""."""
    return course.stripe_price_id if _price_in_step(course) else ""
