"""Fixtures for headless-Chromium tests: a sandbox, a tiny merchant site on loopback, and a
browser page. Chromium is Debian's (`/usr/bin/chromium`); the tests skip without it."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000
"""Upper bound on any single browser wait; each flow takes well under a second."""


def chromium_launched(*, allow_sync_orm: bool = False) -> Iterator[Browser]:
    """Debian's Chromium, headless, for as long as the generator runs (skip without it).

    `allow_sync_orm`: Playwright's sync API runs an event loop in the test's thread, which
    Django takes for an async context; tests that read the ORM meanwhile (synchronously, all
    the same) have Django told to allow it."""
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (Debian package `chromium`)")
    if allow_sync_orm:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            launched = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=TIMEOUT_MS
            )
            yield launched
            launched.close()
    finally:
        if allow_sync_orm:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@dataclass
class MerchantSite:
    """A merchant's pages on their own origin: `pages[path] = html` (query strings ignored)."""

    url: str
    pages: dict[str, str] = field(default_factory=dict)


@pytest.fixture
def merchant() -> Iterator[MerchantSite]:
    site: MerchantSite

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            page = site.pages.get(self.path.split("?", 1)[0])
            body = (page or "not found").encode()
            self.send_response(200 if page is not None else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    site = MerchantSite(url=f"http://127.0.0.1:{server.server_address[1]}")
    site.pages["/success"] = "<h1 id='success'>Thanks!</h1>"
    site.pages["/cancel"] = "<h1 id='cancelled'>Cancelled</h1>"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield site
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    yield from chromium_launched()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    opened = context.new_page()
    yield opened
    context.close()
