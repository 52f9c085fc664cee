"""Django's ASGI handler, reading at most the path's body limit.

Django's own handler reads a whole body, chunked or not, into a temporary file before any
middleware runs, so `config.request_guard` would see a 50 MB upload only once it was on disk.
This one stops receiving past the limit and answers 413 in the common error shape. (The WSGI
deployment, gunicorn, is bounded by `config.request_guard` itself.)
"""

import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from django.core.handlers.asgi import ASGIHandler

from config.exceptions import error_body
from config.request_guard import SEND_LESS, TOO_LARGE, body_limit, too_large_message
from config.request_id import HEADER, _current, accepted_request_id

Message = Mapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class _BodyTooLarge(Exception):
    pass


class BoundedASGIHandler(ASGIHandler):
    async def handle(
        self,
        scope: dict[str, Any],
        receive: Receive,
        send: Send,
    ) -> None:
        limit = body_limit(scope.get("path", ""))
        received = 0

        async def bounded_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _BodyTooLarge
            return message

        try:
            await super().handle(scope, bounded_receive, send)
        except _BodyTooLarge:
            await _send_too_large(scope, send, limit)


async def _send_too_large(scope: dict[str, Any], send: Send, limit: int) -> None:
    headers = dict(scope.get("headers", []))
    request_id = accepted_request_id(headers.get(HEADER.lower().encode(), b"").decode("latin-1"))
    token = _current.set(request_id)
    try:
        error = error_body(code=TOO_LARGE, message=too_large_message(limit), suggestion=SEND_LESS)
        body = json.dumps(error).encode()
    finally:
        _current.reset(token)
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (HEADER.lower().encode(), request_id.encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
