"""Call the project's WSGI application with an environ built by hand.

Django's test client always sends a `Content-Length` and reads bodies from memory; this sends
what a WSGI server such as gunicorn hands over: a chunked body of unknown length
(`wsgi.input_terminated`) or a body whose reads are counted.
"""

import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_started
from django.db import close_old_connections


class CountingStream(io.RawIOBase):
    """`size` bytes of `fill` (generated as read, never held whole), counting what is read."""

    def __init__(self, size: int, fill: bytes = b"x") -> None:
        self.size = size
        self.remaining = size
        self.fill = fill
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        count = min(len(buffer), self.remaining)
        buffer[:count] = (self.fill * (count // len(self.fill) + 1))[:count]
        self.remaining -= count
        self.bytes_read += count
        return count


class BrokenStream(io.RawIOBase):
    """A body the server fails to read past `prefix`, as gunicorn's does: a `read()` that needs
    more raises `error` (a chunk size that is not hex, a chunk without its CRLF, a client gone
    mid-body), whatever it had read before."""

    def __init__(self, prefix: bytes, error: OSError) -> None:
        self.remaining = prefix
        self.error = error

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if size < 0 or size > len(self.remaining):
            raise self.error
        data, self.remaining = self.remaining[:size], self.remaining[size:]
        return data


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes


def call(
    method: str,
    path: str,
    *,
    body: io.RawIOBase | bytes = b"",
    content_length: int | str | None = None,
    chunked: bool = False,
    headers: dict[str, str] | None = None,
) -> RawResponse:
    """One request. `content_length` defaults to the body's length unless `chunked`."""
    stream = body if isinstance(body, io.RawIOBase) else io.BytesIO(body)
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": stream,
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    if chunked:
        environ["wsgi.input_terminated"] = True
        environ["HTTP_TRANSFER_ENCODING"] = "chunked"
    else:
        size = body.size if isinstance(body, CountingStream) else len(body)  # type: ignore[arg-type]
        environ["CONTENT_LENGTH"] = str(size if content_length is None else content_length)
    for name, value in (headers or {}).items():
        key = name.upper().replace("-", "_")
        environ[key if key == "CONTENT_TYPE" else f"HTTP_{key}"] = value
    captured: dict[str, object] = {}

    def start_response(
        status: str, response_headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], object]:
        captured["status"] = int(status.split()[0])
        captured["headers"] = dict(response_headers)
        return lambda data: None

    with _test_database_connection_kept():
        chunks = WSGIHandler()(environ, start_response)
        content = b"".join(chunks)
    return RawResponse(captured["status"], captured["headers"], content)  # type: ignore[arg-type]


@contextmanager
def _test_database_connection_kept() -> Iterator[None]:
    """Like Django's test client: a request must not close the test's transaction."""
    request_started.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
