"""Access use cases. `courses` knows nothing of payments: callers pass ids."""

import uuid

from courses.models import Enrollment


def enrollment_grant(*, learner_id: int, course_id: int, payment_id: uuid.UUID) -> Enrollment:
    """Give the learner the course a payment bought.

    Called once per payment, by the payment's move to succeeded under its row lock; the
    one-to-one on `payment` backs that up.
    """
    return Enrollment.objects.create(
        payment_id=payment_id, learner_id=learner_id, course_id=course_id
    )


def enrollment_revoke(*, payment_id: uuid.UUID) -> Enrollment | None:
    """Take away the course a payment bought (a full refund, a lost dispute). Idempotent."""
    return _enrollment_set(payment_id, Enrollment.Status.REVOKED, frm=_NOT_REVOKED)


def enrollment_suspend(*, payment_id: uuid.UUID) -> Enrollment | None:
    """Hold access while the payment is disputed. Only an active enrollment is suspended."""
    return _enrollment_set(payment_id, Enrollment.Status.SUSPENDED, frm=(Enrollment.Status.ACTIVE,))


def enrollment_restore(*, payment_id: uuid.UUID, from_status: str) -> Enrollment | None:
    """Give access back: after a won dispute (`from_status` suspended) or a full refund that
    failed (revoked). An enrollment in any other status is left as it is.

    When the learner holds another active enrollment for the course (bought again meanwhile),
    this one is revoked instead: one active enrollment per course is the rule.
    """
    enrollment = Enrollment.objects.select_for_update().filter(payment_id=payment_id).first()
    if enrollment is None or enrollment.status != from_status:
        return enrollment
    another = Enrollment.objects.filter(
        learner_id=enrollment.learner_id,
        course_id=enrollment.course_id,
        status=Enrollment.Status.ACTIVE,
    ).exists()
    enrollment.status = Enrollment.Status.REVOKED if another else Enrollment.Status.ACTIVE
    enrollment.save(update_fields=["status", "updated"])
    return enrollment


_NOT_REVOKED = (Enrollment.Status.ACTIVE, Enrollment.Status.SUSPENDED)


def _enrollment_set(
    payment_id: uuid.UUID, status: str, *, frm: tuple[str, ...]
) -> Enrollment | None:
    enrollment = Enrollment.objects.select_for_update().filter(payment_id=payment_id).first()
    if enrollment is not None and enrollment.status in frm:
        enrollment.status = status
        enrollment.save(update_fields=["status", "updated"])
    return enrollment
