"""Stripe's webhook endpoint: verify, store, answer. Processing happens later (`payments.inbox`).

Nothing of an unsigned or wrongly signed request is stored; a duplicate delivery is answered 200
like the first, and stored once.
"""

import logging
import uuid

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from config.exceptions import error_body
from payments.inbox import InvalidDelivery, UnknownEndpoint, inbox_receive

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest, uuid: uuid.UUID) -> JsonResponse:
    signature = request.headers.get("Stripe-Signature")
    if not signature:
        return _refused(400, "missing_signature", "The Stripe-Signature header is required.")
    try:
        inbox_receive(endpoint_uuid=uuid, payload=request.body, signature=signature)
    except UnknownEndpoint:
        return _refused(404, "not_found", "No such webhook endpoint.")
    except InvalidDelivery:
        logger.warning("Refused a webhook delivery: bad signature, stale or not an event")
        return _refused(400, "invalid_signature", "Not an event signed for this endpoint.")
    return JsonResponse({"received": True})


def _refused(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(error_body(code=code, message=message), status=status)
