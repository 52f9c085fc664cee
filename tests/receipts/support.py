"""Helpers for receipt tests: an SMTP server that can fail or stall, and reading PDFs."""

import asyncio
import io
import socket
import threading
from collections import deque
from email import message_from_bytes
from email.message import Message
from typing import Any

import stripe
from aiosmtpd.controller import Controller
from pypdf import PdfReader

from stripe_sandbox.testing import TEST_SECRET_KEY


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class SmtpSink:
    """An SMTP server on loopback. `accepted` holds the messages it answered 250 to.

    `fail_next(code)` answers the next DATA with that reply; `stall_next()` holds the next DATA
    without answering until `release()` (a sender killed meanwhile never got its 250).
    """

    def __init__(self) -> None:
        self.accepted: list[Message] = []
        self.dropped = 0
        self._replies: deque[str] = deque()
        self._stall = False
        self.stalled = threading.Event()
        self._release = threading.Event()
        self._lock = threading.Lock()
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    def start(self) -> "SmtpSink":
        self.controller.start()
        return self

    def stop(self) -> None:
        self._release.set()
        self.controller.stop()

    def fail_next(self, *replies: str) -> None:
        self._replies.extend(replies)

    def stall_next(self) -> None:
        self._stall = True

    def release(self) -> None:
        self._release.set()

    @property
    def settings(self) -> dict[str, Any]:
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": self.port,
            "EMAIL_USE_TLS": False,
            "EMAIL_HOST_USER": "",
            "EMAIL_HOST_PASSWORD": "",
        }

    @property
    def worker_env(self) -> dict[str, str]:
        return {key: str(value) for key, value in self.settings.items()}

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self._replies:
            return self._replies.popleft()
        if self._stall:
            self._stall = False
            self.stalled.set()
            try:
                while not self._release.is_set():
                    await asyncio.sleep(0.05)
            except asyncio.CancelledError:
                self.dropped += 1  # the client went away before any answer
                raise
            transport = getattr(server, "transport", None)
            if transport is None or transport.is_closing():
                self.dropped += 1
                return "451 4.3.0 sender gone"
        with self._lock:
            self.accepted.append(message_from_bytes(envelope.original_content))
        return "250 2.0.0 OK"


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def pdf_fonts(content: bytes) -> list[dict[str, Any]]:
    """Each font of each page: its name and whether its program is embedded."""
    reader = PdfReader(io.BytesIO(content))
    fonts = []
    for page in reader.pages:
        resources: Any = page["/Resources"]
        for reference in resources["/Font"].values():
            font: Any = reference.get_object()
            descendant = (
                font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            )
            descriptor = descendant["/FontDescriptor"].get_object()
            fonts.append(
                {
                    "name": str(font["/BaseFont"]),
                    "embedded": any(
                        key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")
                    ),
                }
            )
    return fonts


def pdf_attachment(message: Message) -> tuple[str, bytes]:
    (part,) = [p for p in message.walk() if p.get_content_type() == "application/pdf"]
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return str(part.get_filename()), payload


def bodies(message: Message) -> dict[str, str]:
    found = {}
    for part in message.walk():
        if part.get_content_type() in ("text/plain", "text/html") and not part.get_filename():
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            found[part.get_content_type()] = payload.decode(part.get_content_charset() or "utf-8")
    return found


def succeeded_deliveries(sandbox: Any) -> int:
    """How many deliveries of `payment_intent.succeeded` our endpoint answered 2xx (duplicates
    included), as the sandbox's delivery log has them."""
    client = stripe.StripeClient(TEST_SECRET_KEY, base_addresses={"api": sandbox.url})
    events = client.v1.events.list(params={"type": "payment_intent.succeeded", "limit": 100})
    ids = {event.id for event in events.data}
    attempts = sandbox.control("GET", "/_sandbox/deliveries")["data"]
    return sum(1 for a in attempts if a["event_id"] in ids and a["succeeded"])
