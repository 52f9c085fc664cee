"""Run the sandbox in-process on a free port, for tests (ours and the Django app's)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.request import Request, urlopen

from stripe_sandbox.app import Sandbox
from stripe_sandbox.server import SandboxServer

TEST_SECRET_KEY = "sk_test_" + "sandbox0" * 3
"""Shaped as dj-stripe demands: `sk_test_` and 24 alphanumerics."""

TEST_RETRY_SCHEDULE: tuple[float, ...] = (0.2, 0.4, 0.8)


@dataclass
class RunningSandbox:
    sandbox: Sandbox
    server: SandboxServer

    @property
    def url(self) -> str:
        return self.server.base_url

    def control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """Call the control API (`/_sandbox/...`, JSON), e.g. to inject a fault."""
        data = json.dumps(body).encode() if body is not None else None
        request = Request(  # noqa: S310 (http to our own loopback server)
            f"{self.url}{path}",
            data=data,
            headers={"Content-Type": "application/json"},
            method=method,
        )
        with urlopen(request, timeout=10) as response:  # noqa: S310
            payload = response.read()
        return json.loads(payload) if payload else None

    def reset(self) -> None:
        self.sandbox.reset()
        self.sandbox.before_handler = None

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.sandbox.stop()


def start_sandbox(
    *,
    host: str = "127.0.0.1",
    retry_schedule: Sequence[float] = TEST_RETRY_SCHEDULE,
    data_path: Path | None = None,
) -> RunningSandbox:
    """Start on a free port (the OS picks it) in a background thread; call `stop()` after."""
    sandbox = Sandbox(retry_schedule=retry_schedule, webhook_timeout=5.0, data_path=data_path)
    sandbox.start()
    server = SandboxServer(sandbox, (host, 0))
    server.serve_in_background()
    return RunningSandbox(sandbox, server)


@contextmanager
def running_sandbox(
    *, retry_schedule: Sequence[float] = TEST_RETRY_SCHEDULE, data_path: Path | None = None
) -> Iterator[RunningSandbox]:
    running = start_sandbox(retry_schedule=retry_schedule, data_path=data_path)
    try:
        yield running
    finally:
        running.stop()
