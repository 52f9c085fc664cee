"""HTML to PDF with WeasyPrint: the only module that imports it.

What a render may load is closed: the URL fetcher serves our own receipt assets (the stylesheet's
fonts) from memory and refuses everything else, whatever the HTML says: no `file:`, no network,
no `data:`. Templates escape what users wrote, so their text can name a URL but never load one.

Speed (bench/receipts.py): the fonts are small subsets shipped with the app, and each thread
keeps one FontConfiguration and the parsed stylesheets, so a render pays neither fontconfig
set-up, CSS parsing nor the subsetting of 700 KB system fonts again.
"""

import logging
import mimetypes
import threading
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

ASSETS_DIR = Path(__file__).resolve().parent / "static" / "receipts"
ASSET_BASE_URL = "https://receipt-assets.invalid/"
"""Relative URLs in receipt CSS resolve here; `.invalid` never resolves, and nothing else loads."""
STYLESHEETS = ("fonts.css", "receipt.css")

# fontTools, WeasyPrint's fallback subsetter, logs every table it subsets at DEBUG while
# WeasyPrint captures its log (and re-logs the warnings itself): keep that out of ours.
logging.getLogger("fontTools").propagate = False


class AssetRefused(ValueError):
    """A render asked for something other than our own receipt assets."""


@cache
def _asset_bytes(relative: str) -> bytes:
    return (ASSETS_DIR / relative).read_bytes()


def _asset_path(url: str) -> str:
    if not url.startswith(ASSET_BASE_URL):
        raise AssetRefused(f"not a receipt asset: {url[:80]!r}")
    relative = PurePosixPath(url.removeprefix(ASSET_BASE_URL).split("?", 1)[0].split("#", 1)[0])
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        raise AssetRefused(f"not a receipt asset: {url[:80]!r}")
    if not (ASSETS_DIR / relative).is_file():
        raise AssetRefused(f"no such receipt asset: {str(relative)[:80]!r}")
    return str(relative)


def asset_url_fetcher(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """WeasyPrint's `url_fetcher`: our receipt assets from memory, and nothing else."""
    relative = _asset_path(url)
    mime_type, _ = mimetypes.guess_type(relative)
    return {"string": _asset_bytes(relative), "mime_type": mime_type, "redirected_url": url}


class _Renderer(threading.local):
    """Per thread: WeasyPrint's font configuration is not safe to share between threads."""

    def __init__(self) -> None:
        self.font_config = FontConfiguration()
        self.stylesheets = [
            CSS(
                string=_asset_bytes(name).decode(),
                base_url=ASSET_BASE_URL,
                url_fetcher=asset_url_fetcher,
                font_config=self.font_config,
            )
            for name in STYLESHEETS
        ]


_renderer: _Renderer | None = None
_renderer_lock = threading.Lock()


def _thread_renderer() -> _Renderer:
    global _renderer
    if _renderer is None:
        with _renderer_lock:
            if _renderer is None:
                _renderer = _Renderer()
    return _renderer


def html_to_pdf(html: str) -> bytes:
    """One PDF from a rendered receipt template (fonts embedded, text selectable)."""
    renderer = _thread_renderer()
    document = HTML(string=html, base_url=ASSET_BASE_URL, url_fetcher=asset_url_fetcher)
    pdf = document.write_pdf(stylesheets=renderer.stylesheets, font_config=renderer.font_config)
    assert isinstance(pdf, bytes)
    return pdf


def warm_up() -> None:
    """Load fonts and stylesheets once (a worker calls it at start, before its first task)."""
    html_to_pdf("<!doctype html><p>Receipt R-0000-000000 1,234.00 USD <span class=mono>pi_</span>")
