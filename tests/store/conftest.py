"""Fixtures of the store's browser tests: one Chromium for the session, a context per journey
that refuses (and records) every request to an origin other than ours and the sandbox's, and
collects console errors; each page visited is checked at 375 px and 1280 px wide."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Route,
    expect,
)

from tests.payments.live_stripe import _live_webhooks  # noqa: F401
from tests.sandbox.browser.conftest import TIMEOUT_MS, chromium_launched

UNLABELLED_CONTROLS = """() => [...document.querySelectorAll("input, select, textarea")]
  .filter((el) => el.type !== "hidden" && el.offsetParent !== null)
  .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute("aria-label"))
  .map((el) => el.outerHTML)"""
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
WIDTHS = (375, 1280)


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def is_a_decline_answer(message: ConsoleMessage, sandbox_url: str) -> bool:
    """Chromium logs every 4xx a script fetches; Stripe answers a declined card with a 402 (and
    Stripe.js fetches it, as the stand-in does). That one line is the decline, not a fault."""
    return "responded with a status of 402" in message.text and origin(
        message.location.get("url", "")
    ) == origin(sandbox_url)


@pytest.fixture(scope="module")
def chromium(django_db_setup) -> Iterator[Browser]:
    """One Chromium for all the journeys (they live in one module). Not for the session:
    Playwright's sync API keeps an event loop running in the test's thread, where later tests'
    `asyncio.run` would fail."""
    yield from chromium_launched(allow_sync_orm=True)


@dataclass
class Journey:
    """A learner's browser: one context and page for a whole journey."""

    url: str
    page: Page
    context: BrowserContext
    allowed: set[str]
    foreign_requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def go(self, path: str) -> None:
        self.page.goto(self.url + path)

    def nav(self, link: str) -> None:
        self.page.get_by_role("navigation", name="Main").get_by_role("link", name=link).click()

    def check_widths(self) -> None:
        """The page fits 375 px and 1280 px without sideways scrolling, and every control on it
        has a label."""
        assert self.page.evaluate(UNLABELLED_CONTROLS) == [], self.page.url
        for width in WIDTHS:
            self.page.set_viewport_size({"width": width, "height": 900})
            overflow = self.page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{self.page.url} is {overflow}px too wide at {width}px"
        self.page.set_viewport_size({"width": WIDTHS[-1], "height": 900})

    def screenshot(self, name: str) -> None:
        """Both widths, full page, under var/screenshots/ (after checking they fit)."""
        self.check_widths()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for width in WIDTHS:
            self.page.set_viewport_size({"width": width, "height": 900})
            self.page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
        self.page.set_viewport_size({"width": WIDTHS[-1], "height": 900})

    def assert_clean(self) -> None:
        """Nothing was asked of another origin, and the console logged no error."""
        assert self.foreign_requests == []
        assert self.console_errors == []

    def expect_message(self, text: str) -> None:
        expect(self.page.locator(".messages")).to_contain_text(text)


@pytest.fixture
def store(sandbox, live_webhooks, settings) -> str:
    """Our site on a live server, paid through the sandbox, which delivers its webhooks."""
    settings.CHECKOUT_REDIRECT_ORIGINS = [live_webhooks.url]
    settings.STRIPE_JS_URL = ""
    return str(live_webhooks.url)


@pytest.fixture
def journey(chromium: Browser, store: str, sandbox) -> Iterator[Journey]:
    context = chromium.new_context(viewport={"width": WIDTHS[-1], "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    browsing = Journey(
        url=store,
        page=context.new_page(),
        context=context,
        allowed={origin(store), origin(sandbox.url)},
    )

    def guard(route: Route) -> None:
        url = route.request.url
        if url.startswith(("data:", "blob:")) or origin(url) in browsing.allowed:
            route.continue_()
        else:
            browsing.foreign_requests.append(url)
            route.abort()

    def console(message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        if is_a_decline_answer(message, sandbox.url):
            return
        browsing.console_errors.append(f"{message.text} at {message.location}")

    context.route("**/*", guard)
    browsing.page.on("console", console)
    browsing.page.on("pageerror", lambda error: browsing.console_errors.append(str(error)))
    yield browsing
    context.close()
