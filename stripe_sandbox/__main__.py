"""`python -m stripe_sandbox --host 127.0.0.1 --port 12111 [--data PATH]`."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from stripe_sandbox.app import Sandbox
from stripe_sandbox.server import SandboxServer
from stripe_sandbox.webhooks import DEFAULT_RETRY_SCHEDULE

DEFAULT_PORT = 12111


def _schedule(text: str) -> tuple[float, ...]:
    try:
        delays = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a list of seconds: {text!r}") from exc
    if any(delay < 0 for delay in delays):
        raise argparse.ArgumentTypeError("delays cannot be negative")
    return delays


def parse_arguments(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m stripe_sandbox", description="A local, stateful Stripe API."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument(
        "--data",
        type=Path,
        help="SQLite file keeping the state across restarts (default: memory)",
    )
    parser.add_argument(
        "--webhook-retry-schedule",
        type=_schedule,
        default=DEFAULT_RETRY_SCHEDULE,
        metavar="SECONDS",
        help="comma-separated delays before each webhook retry (default: %(default)s)",
    )
    return parser.parse_args(argv)


def _exit_on_sigterm(signum: int, frame: object) -> None:
    sys.exit(0)


def main(argv: Sequence[str] | None = None) -> None:
    arguments = parse_arguments(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    sandbox = Sandbox(retry_schedule=arguments.webhook_retry_schedule, data_path=arguments.data)
    sandbox.start()
    server = SandboxServer(sandbox, (arguments.host, arguments.port))
    logging.getLogger("stripe_sandbox").info(
        "Stripe sandbox on %s (account %s)", server.base_url, sandbox.store.account_id
    )
    # SIGTERM (a supervisor, `make` stopping) shuts down like Ctrl-C: the state is saved.
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        sandbox.stop()


if __name__ == "__main__":
    main()
