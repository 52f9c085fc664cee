from rest_framework import mixins, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from courses import selectors
from courses.api.serializers import CourseSerializer, EnrollmentSerializer
from courses.models import Enrollment


class CourseViewSet(viewsets.ReadOnlyModelViewSet):
    """The catalog: public, newest prices only, paginated."""

    serializer_class = CourseSerializer
    permission_classes = [AllowAny]
    authentication_classes: list[type] = []
    throttle_classes = [AnonRateThrottle, UserRateThrottle]
    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"  # what a SlugField holds: anything else is a 404

    def get_queryset(self):
        return selectors.course_list_for_sale()


class EnrollmentViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The courses the learner owns (and the ones a refund took back, marked `revoked`)."""

    serializer_class = EnrollmentSerializer

    queryset = Enrollment.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.enrollment_list_for_user(user=self.request.user)  # type: ignore[arg-type]
