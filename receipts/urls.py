from django.urls import path

from receipts.views import ReceiptPdfView

urlpatterns = [
    path("payments/<str:payment_id>/receipt.pdf", ReceiptPdfView.as_view(), name="receipt-pdf"),
]
