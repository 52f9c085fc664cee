from rest_framework.routers import SimpleRouter

from courses.api.views import CourseViewSet, EnrollmentViewSet

router = SimpleRouter()
router.register("courses", CourseViewSet, basename="course")
router.register("enrollments", EnrollmentViewSet, basename="enrollment")

urlpatterns = router.urls
