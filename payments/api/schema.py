"""The common error shape, for the OpenAPI schema's error responses."""

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable and machine-readable.")
    message = serializers.CharField(help_text="For people.")
    retryable = serializers.BooleanField()
    suggestion = serializers.CharField(allow_blank=True)

    def get_fields(self) -> dict[str, serializers.Field]:
        # `fields` names a Serializer attribute, so this one is added here rather than declared.
        fields = super().get_fields()
        fields["fields"] = serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            help_text="Field name -> its messages (validation errors only).",
        )
        return fields


class ErrorResponseSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()
    request_id = serializers.CharField()


MEANINGS = {
    400: "Invalid input.",
    401: "Not logged in.",
    404: "Not found, or not yours.",
    409: "Conflicts with the state of the purchase (owned already, or still processing).",
    422: "The Idempotency-Key was used for another request.",
    503: "Stripe is unavailable; retry with the same Idempotency-Key.",
}


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    return {
        status: OpenApiResponse(ErrorResponseSerializer, description=MEANINGS[status])
        for status in statuses
    }
