"""The sandbox as a function from HTTP request to HTTP response, independent of any server.

Pipeline of a Stripe API request: Request-Id -> route -> auth -> decode and validate parameters
-> idempotency reservation -> handler under the store lock -> `expand[]` -> JSON. The control
API (`/_sandbox/...`, JSON bodies, no key) skips auth, validation and idempotency; pages (hosted
checkout, stripe.js) answer HTML or JavaScript. Injected faults (`faults`) act first, before
anything takes the store lock.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from stripe._api_version import _ApiVersion

from stripe_sandbox import errors, validation, wire
from stripe_sandbox.clock import Clock
from stripe_sandbox.control import router as control_router
from stripe_sandbox.events import EventLog, RequestInfo
from stripe_sandbox.expand import expand
from stripe_sandbox.faults import FaultTable
from stripe_sandbox.idempotency import IdempotencyKeys, StoredResponse
from stripe_sandbox.pages import router as page_router
from stripe_sandbox.persistence import Persister
from stripe_sandbox.resources.account import ACCOUNT
from stripe_sandbox.resources.wiring import router as api_router
from stripe_sandbox.routing import Call, Context, Page, Route, Router
from stripe_sandbox.store import Store, random_token
from stripe_sandbox.timers import Timers
from stripe_sandbox.webhooks import DEFAULT_RETRY_SCHEDULE, WebhookDispatcher

logger = logging.getLogger(__name__)

API_VERSION = _ApiVersion.CURRENT
"""The SDK's pinned version: what events carry and what answers without `Stripe-Version` use."""
_UNKNOWN_ERROR = errors.StripeError(500, "An unknown error occurred.", error_type="api_error")
SECRET_KEY_PREFIX = "sk_test_"
API_VERSION_FORMAT = re.compile(r"\d{4}-\d{2}-\d{2}(\.[a-z]+)?(; ?[a-z_]+=v\d+)*")
"""`2023-10-16` (what mobile SDKs ask for) or a named release such as `2026-08-26.dahlia`,
optionally with preview flags (`; checkout_server_update_beta=v1`)."""
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, DELETE, OPTIONS",
    "Access-Control-Allow-Headers": "Authorization, Content-Type, Idempotency-Key, Stripe-Version",
    "Access-Control-Max-Age": "600",
}
"""The stripe.js stand-in runs on the merchant's origin and calls the sandbox from there, as
Stripe.js calls api.stripe.com."""


class Headers(Protocol):
    """Case-insensitive header lookup, as `http.server` hands them over."""

    def get(self, name: str, default: None = None, /) -> str | None: ...


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str
    query: str
    headers: Headers
    body: bytes = b""


@dataclass
class HttpResponse:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    drop_connection: bool = False
    """Close the connection instead of sending this response (an injected lost answer)."""


class Sandbox:
    """One Stripe account's worth of state and the request pipeline over it."""

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        retry_schedule: Sequence[float] = DEFAULT_RETRY_SCHEDULE,
        webhook_timeout: float = 10.0,
        data_path: Path | None = None,
    ) -> None:
        self.clock = clock or Clock()
        self.store = Store(ACCOUNT.new_id())
        self.idempotency = IdempotencyKeys(self.clock)
        self.dispatcher = WebhookDispatcher(
            self.store, retry_schedule=retry_schedule, timeout=webhook_timeout
        )
        self.events = EventLog(self.store, self.clock, self.dispatcher, API_VERSION)
        self.timers = Timers(self.store, self.clock)
        self.context = Context(self.store, self.clock, self.events, self.timers)
        """All a request handler sees of the sandbox."""
        self.router = Router()
        self.router.include(control_router)
        self.router.include(page_router)
        self.router.include(api_router)
        self.faults = FaultTable()
        self.persister = Persister(self.store, data_path) if data_path else None
        self.before_handler: Callable[[Call], None] | None = None
        """Runs once a request holds its idempotency key, before the handler and outside the
        store lock: lets a test hold a request in flight."""

    def start(self) -> None:
        if self.persister:
            self.persister.load()
            self.persister.start()
        self.dispatcher.start()
        self.timers.start()

    def stop(self) -> None:
        self.timers.stop()
        self.dispatcher.stop()
        if self.persister:
            self.persister.stop()

    def reset(self) -> None:
        """Back to an empty account: objects, events, keys, queued deliveries, clock, faults
        and webhook chaos. Returns once the deliveries in flight are answered (bounded), so no
        webhook of the state before reaches a receiver afterwards. Called without the store
        lock: a delivery in flight takes it to finish."""
        self.faults.clear()
        self.timers.reset()
        self.dispatcher.reset()
        with self.store.lock:
            self.timers.reset()
            self.store.reset()
            self.idempotency.reset()
            self.clock.reset()

    def handle(self, request: HttpRequest) -> HttpResponse:
        request_id = "req_" + random_token(14)
        if request.method == "OPTIONS":
            response = HttpResponse(204, b"")
        else:
            fault = self.faults.take(request.method, request.path)
            if fault is not None and fault.latency_ms:
                time.sleep(fault.latency_ms / 1000)
            if fault is not None and fault.timeout_ms is not None:
                time.sleep(fault.timeout_ms / 1000)
                response = HttpResponse(0, b"", drop_connection=True)
            elif fault is not None and fault.status:
                response = _error_response(fault.error())
            else:
                response = self._route(request, request_id)
                response.drop_connection = fault is not None and fault.drop_response
        response.headers["Request-Id"] = request_id
        response.headers.update(CORS_HEADERS)
        return response

    def _route(self, request: HttpRequest, request_id: str) -> HttpResponse:
        try:
            route, path_params = self.router.match(request.method, request.path)
            if route.is_page:
                return self._run_page(route, path_params, request)
            if route.is_control:
                return self._run_control(route, path_params, request)
            return self._run_api(route, path_params, request, request_id)
        except errors.StripeError as exc:
            return _error_response(exc)
        except Exception:
            logger.exception("request failed: %s %s", request.method, request.path)
            return _error_response(_UNKNOWN_ERROR)

    def _run_page(self, route: Route, path: dict[str, str], request: HttpRequest) -> HttpResponse:
        params = dict(wire.decode_form(request.query))
        call = Call(self.context, params, path, RequestInfo(None), _base_url(request))
        with self.store.lock:
            page: Page = route.handler(call)
        headers = {"Content-Type": page.content_type, "Cache-Control": "no-store"}
        headers.update(page.headers)
        return HttpResponse(page.status, page.body.encode(), headers)

    def _run_control(
        self, route: Route, path: dict[str, str], request: HttpRequest
    ) -> HttpResponse:
        params = wire.decode_json_object(request.body) if request.method == "POST" else {}
        call = Call(
            self.context, params, path, RequestInfo(None), _base_url(request), controls=self
        )
        if not route.locked:
            return _json_response(200, route.handler(call))
        with self.store.lock:
            self.store.begin_changes()
            try:
                result = route.handler(call)
            finally:
                self._note_changes(route)
            return _json_response(200, result)

    def _run_api(
        self, route: Route, path: dict[str, str], request: HttpRequest, request_id: str
    ) -> HttpResponse:
        self._authenticate(request.headers)
        raw = wire.decode_form(request.query)
        if request.method == "POST":
            raw.update(wire.decode_form(request.body.decode("utf-8", errors="replace")))
        assert route.params is not None
        params = validation.validate(route.params, raw)
        version_header = request.headers.get("Stripe-Version") or None
        if version_header is not None and not API_VERSION_FORMAT.fullmatch(version_header):
            raise errors.invalid_request(f"Invalid Stripe API version: {version_header[:64]}")
        version = version_header or API_VERSION
        key = request.headers.get("Idempotency-Key") if request.method == "POST" else None
        call = Call(
            self.context,
            params,
            path,
            RequestInfo(request_id, key),
            _base_url(request),
            version,
            version_header,
        )
        if key is None:
            response = self._execute(route, call)
        else:
            fingerprint = f"{request.method} {request.path}\n" + json.dumps(raw, sort_keys=True)
            stored = self.idempotency.begin(key, fingerprint)
            if stored is not None:
                replay = HttpResponse(stored.status, stored.body, dict(stored.headers))
                replay.headers["Idempotent-Replayed"] = "true"
                return replay
            try:
                response = self._execute(route, call)
            except BaseException:
                self.idempotency.abandon(key)
                raise
            response.headers["Idempotency-Key"] = key
            response.headers["Original-Request"] = request_id
            self.idempotency.finish(
                key, StoredResponse(response.status, response.body, dict(response.headers))
            )
        response.headers["Stripe-Version"] = version
        return response

    def _execute(self, route: Route, call: Call) -> HttpResponse:
        """Run a handler; from here on every outcome, errors included, is the response."""
        if self.before_handler:
            self.before_handler(call)
        try:
            with self.store.lock:
                self.store.begin_changes()
                try:
                    result = route.handler(call)
                finally:
                    self._note_changes(route)
                rendered = expand(
                    result, call.params.get("expand", []), self.store, self.router.includers
                )
                return _json_response(200, rendered)
        except errors.StripeError as exc:
            return _error_response(exc)
        except Exception:
            logger.exception("handler failed: %s %s", route.method, route.template)
            return _error_response(_UNKNOWN_ERROR)

    def _note_changes(self, route: Route) -> None:
        """Handlers change objects in place: what a write request was handed counts as
        changed, even when it answers an error (a decline records the attempt first)."""
        self.store.end_changes(wrote=route.method != "GET")

    def _authenticate(self, headers: Headers) -> None:
        key = _api_key(headers.get("Authorization") or "")
        if not key:
            raise errors.authentication(
                "You did not provide an API key. You need to provide your API key in the "
                "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer "
                "YOUR_SECRET_KEY')."
            )
        if not key.startswith(SECRET_KEY_PREFIX) or len(key) == len(SECRET_KEY_PREFIX):
            raise errors.authentication(f"Invalid API Key provided: {_redact(key)}")
        account = headers.get("Stripe-Account")
        if account and account != self.store.account_id:
            raise errors.StripeError(
                403,
                f"The provided key '{_redact(key)}' does not have access to account "
                f"'{account}' (or that account does not exist). Application access may have "
                "been revoked.",
                code="account_invalid",
            )


def _api_key(authorization: str) -> str:
    scheme, _, credentials = authorization.strip().partition(" ")
    if scheme.lower() == "bearer":
        return credentials.strip()
    if scheme.lower() == "basic":
        try:
            username, _, _ = base64.b64decode(credentials).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return ""
        return username
    return ""


def _base_url(request: HttpRequest) -> str:
    return f"http://{request.headers.get('Host') or 'localhost'}"


def _redact(key: str) -> str:
    return key[:8] + "*" * max(0, len(key) - 12) + key[-4:] if len(key) > 12 else key


def _json_response(status: int, body: Any) -> HttpResponse:
    return HttpResponse(status, wire.encode_json(body))


def _error_response(exc: errors.StripeError) -> HttpResponse:
    response = _json_response(exc.status, exc.body())
    response.headers.update(exc.headers)
    return response
