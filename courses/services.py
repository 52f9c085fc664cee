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
