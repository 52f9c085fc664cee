"""`Idempotency-Key` for our own money-moving POSTs, with Stripe's semantics.

The first response to a (user, key) is stored and replayed for the same request with
`Idempotent-Replayed: true`; the same key with another body or endpoint answers 422; a duplicate
that arrives while the first is still running answers 409 and does nothing. Responses that mean
"try again" (409, 429, 5xx) are not stored, so a retry with the same key runs again. Records are
ignored, then replaced, after `TTL`.

It is an HTTP concern, so it lives with the views; domain errors raised while running are
rendered by the caller's `render_error`, so an endpoint with another error contract (the seed
documents' `{"error": "..."}`) stores and replays its answers in its own shape.
"""

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response

from config.errors import AppError
from config.exceptions import api_exception_handler
from payments.errors import IdempotencyKeyInUse, IdempotencyKeyReused, InvalidIdempotencyKey
from payments.models import IdempotencyRecord

HEADER = "Idempotency-Key"
TTL = timedelta(hours=24)
ABANDONED_AFTER = timedelta(minutes=2)
"""An in-flight record this old belongs to a worker that died mid-request: a retry takes over."""
NOT_STORED_STATUSES = {409, 429}


ErrorRenderer = Callable[[AppError], Response]


def render_api_error(error: AppError) -> Response:
    """The native API's error shape."""
    return api_exception_handler(error, {})


def idempotent(
    request: Request, run: Callable[[], Response], *, render_error: ErrorRenderer = render_api_error
) -> Response:
    """Run `run()` at most once per idempotency key (when the client sent one)."""
    key = request.headers.get(HEADER)
    if key is None:
        return run()
    user_id = request.user.pk
    assert user_id is not None  # money-moving endpoints require authentication
    # The trailing slash is optional on every route: both spellings are one endpoint.
    endpoint = f"{request.method} {request.path.rstrip('/')}"
    try:
        if not 0 < len(key) <= 255 or not key.isprintable():
            raise InvalidIdempotencyKey()
        record, replay = _claim(user_id, key, endpoint, _fingerprint(request))
    except AppError as error:
        return render_error(error)
    if replay is not None:
        return replay
    try:
        response = run()
    except AppError as error:  # a decline, a conflict...: an answer like any other
        response = render_error(error)
    except BaseException:  # invalid input or a crash: nothing to replay, the key stays free
        record.delete()
        raise
    if response.status_code >= 500 or response.status_code in NOT_STORED_STATUSES:
        record.delete()
    else:
        record.response_status = response.status_code
        record.response_body = response.data
        record.save(update_fields=["response_status", "response_body"])
    return response


def _fingerprint(request: Request) -> str:
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def _claim(
    user_id: int, key: str, endpoint: str, fingerprint: str
) -> tuple[IdempotencyRecord, Response | None]:
    for _ in range(2):  # a second pass after replacing an expired record
        try:
            return _record_create(user_id, key, endpoint, fingerprint), None
        except IntegrityError:
            existing = IdempotencyRecord.objects.filter(user_id=user_id, key=key).first()
            if existing is None:
                continue  # the holder just gave it up
            now = timezone.now()
            abandoned = (
                existing.response_status is None and existing.created < now - ABANDONED_AFTER
            )
            if existing.created < now - TTL or abandoned:
                # Conditional: of two retries taking over, only one deletes and claims.
                IdempotencyRecord.objects.filter(pk=existing.pk, created=existing.created).delete()
                continue
            if (existing.endpoint, existing.request_fingerprint) != (endpoint, fingerprint):
                raise IdempotencyKeyReused() from None
            if existing.response_status is None:
                raise IdempotencyKeyInUse() from None
            replay = Response(existing.response_body, status=existing.response_status)
            replay["Idempotent-Replayed"] = "true"
            return existing, replay
    raise IdempotencyKeyInUse()


def _record_create(user_id: int, key: str, endpoint: str, fingerprint: str) -> IdempotencyRecord:
    """The claim, committed at once: a duplicate running alongside must see it. Outside a
    transaction the one INSERT is its own (no BEGIN/COMMIT round trips); inside one, a savepoint
    keeps a duplicate key's error from breaking the caller's transaction."""
    if transaction.get_connection().in_atomic_block:
        with transaction.atomic():
            return IdempotencyRecord.objects.create(
                user_id=user_id, key=key, endpoint=endpoint, request_fingerprint=fingerprint
            )
    return IdempotencyRecord.objects.create(
        user_id=user_id, key=key, endpoint=endpoint, request_fingerprint=fingerprint
    )
