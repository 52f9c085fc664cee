from rest_framework import serializers

from courses.models import Course, Enrollment


class CourseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Course
        fields = ("slug", "title", "description", "price_amount", "currency")
        read_only_fields = fields


class EnrollmentSerializer(serializers.ModelSerializer):
    course = CourseSerializer(read_only=True)
    payment = serializers.UUIDField(source="payment_id", read_only=True)

    class Meta:
        model = Enrollment
        fields = ("course", "status", "payment", "created")
        read_only_fields = fields
