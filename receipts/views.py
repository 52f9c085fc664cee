"""The learner's receipt PDF, streamed from storage to its owner only."""

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.request import Request
from rest_framework.views import APIView

from receipts.selectors import receipt_get_for_owner


class ErrorsAsJson(BaseContentNegotiation):
    """The success is a PDF whatever the client accepts; errors are the API's JSON shape."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class ReceiptPdfView(APIView):
    content_negotiation_class = ErrorsAsJson

    @extend_schema(
        operation_id="payments_receipt_pdf",
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The PDF."),
        },
    )
    def get(self, request: Request, payment_id: str) -> FileResponse:
        """The payment's receipt as a PDF named after its number (owner only)."""
        receipt = receipt_get_for_owner(user=request.user, payment_id=payment_id)  # type: ignore[arg-type]
        if receipt is None:
            raise NotFound("No receipt for this payment.")
        response = FileResponse(
            receipt.pdf.open("rb"),
            as_attachment=True,
            filename=receipt.filename,
            content_type="application/pdf",
        )
        response["Cache-Control"] = "private, no-store"
        return response
