"""Under ASGI too, a body larger than its limit is refused after reading at most that much."""

import asyncio
import json
from collections.abc import Mapping
from typing import Any

from config.asgi import application

KIB = 1024


def run(path: str, chunks: list[bytes], method: str = "POST") -> tuple[list[Mapping], int]:
    """Serve one request whose body arrives in `chunks`; return what was sent and how many
    chunks the application asked for."""
    pending = [
        {"type": "http.request", "body": chunk, "more_body": index < len(chunks) - 1}
        for index, chunk in enumerate(chunks)
    ]
    asked = 0
    sent: list[Mapping[str, Any]] = []
    disconnected = asyncio.Event()

    async def receive() -> dict[str, Any]:
        nonlocal asked
        if pending:
            asked += 1
            return pending.pop(0)
        await disconnected.wait()
        return {"type": "http.disconnect"}

    async def send(message: Mapping[str, Any]) -> None:
        sent.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body"):
            disconnected.set()

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), (b"content-type", b"application/json")],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }
    asyncio.run(application(scope, receive, send))
    return sent, asked


def test_a_streamed_body_over_the_limit_is_refused_midway() -> None:
    chunks = [b"x" * 16 * KIB] * 3200  # 50 MiB

    sent, asked = run("/api/v1/auth/token/", chunks)

    start, body = sent[0], sent[1]
    assert start["status"] == 413
    assert json.loads(body["body"])["error"]["code"] == "request_too_large"
    assert asked * 16 * KIB <= 64 * KIB + 16 * KIB


def test_a_streamed_body_within_the_limit_is_served() -> None:
    sent, _ = run("/healthz", [b"", b""], method="GET")

    assert sent[0]["status"] == 200
