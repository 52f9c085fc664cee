from django.db.models import QuerySet

from accounts.models import User
from courses.models import Course, Enrollment


def course_list_for_sale() -> QuerySet[Course]:
    return Course.objects.filter(active=True)


def enrollment_list_for_user(*, user: User) -> QuerySet[Enrollment]:
    return Enrollment.objects.filter(learner=user).select_related("course", "payment")
