"""Rendering: the receipt's PDF, stored once through the storage API with its SHA-256."""

import hashlib
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from config.money import format_money
from receipts.errors import StoredPdfCorrupt
from receipts.models import Receipt, Stage
from receipts.services.failures import receipt_failure_clear

CARD_BRANDS = {
    "amex": "American Express",
    "diners": "Diners Club",
    "discover": "Discover",
    "eftpos_au": "eftpos Australia",
    "jcb": "JCB",
    "mastercard": "Mastercard",
    "unionpay": "UnionPay",
    "visa": "Visa",
}


@dataclass(frozen=True)
class Line:
    description: str
    quantity: int
    unit_display: str
    amount_display: str


def receipt_context(receipt: Receipt) -> dict[str, Any]:
    """What the receipt's PDF and e-mail show: the frozen receipt, money formatted."""
    return {
        "receipt": receipt,
        "seller": {
            "name": settings.RECEIPT_SELLER_NAME,
            "address": settings.RECEIPT_SELLER_ADDRESS,
            "tax_id": settings.RECEIPT_SELLER_TAX_ID,
        },
        "lines": [
            Line(
                description=line.description,
                quantity=line.quantity,
                unit_display=format_money(line.unit_amount, receipt.currency),
                amount_display=format_money(line.amount, receipt.currency),
            )
            for line in receipt.lines.all()
        ],
        "card_brand_display": CARD_BRANDS.get(receipt.card_brand, receipt.card_brand.title()),
    }


def receipt_html(receipt: Receipt) -> str:
    return render_to_string("receipts/receipt.html", receipt_context(receipt))


def receipt_render_pdf(*, receipt_id: int) -> Receipt:
    """The receipt with its PDF stored: rendered now unless it already is. Idempotent.

    The render (the slow part) holds no lock; storing does: under the receipt's row lock, an
    attempt that finds a PDF already stored keeps that one. The file name is fixed by the
    number, so a file left by an attempt killed between storing and committing is replaced.
    """
    receipt = Receipt.objects.get(pk=receipt_id)
    if receipt.is_rendered:
        return receipt
    from receipts import pdf  # loads WeasyPrint: only processes that render pay for it

    content = pdf.html_to_pdf(receipt_html(receipt))
    with transaction.atomic():
        receipt = Receipt.objects.select_for_update().get(pk=receipt_id)
        if receipt.is_rendered:
            return receipt
        name = f"{receipt.year}/{receipt.filename}"
        storage = receipt.pdf.storage
        if storage.exists(name):
            storage.delete(name)
        receipt.pdf.save(name, ContentFile(content), save=False)
        receipt.pdf_sha256 = hashlib.sha256(content).hexdigest()
        receipt.rendered_at = timezone.now()
        receipt.save(update_fields=["pdf", "pdf_sha256", "rendered_at", "updated"])
    receipt_failure_clear(receipt_id=receipt.pk, stage=Stage.RENDER)
    return receipt


def receipt_pdf_bytes(receipt: Receipt) -> bytes:
    """The stored PDF, checked against its SHA-256."""
    with receipt.pdf.open("rb") as stored:
        content = stored.read()
    if hashlib.sha256(content).hexdigest() != receipt.pdf_sha256:
        raise StoredPdfCorrupt(f"{receipt.pdf.name} does not match its SHA-256")
    return content
