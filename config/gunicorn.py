"""Gunicorn's configuration for the web process: `gunicorn -c config/gunicorn.py config.wsgi`.

Everything comes from the environment (12-factor) with defaults sized for one machine:

- `PORT` (8000) and `GUNICORN_BIND_HOST` (0.0.0.0): where to listen. `GUNICORN_BIND` overrides both.
- `WEB_CONCURRENCY`: worker processes, by default 2 x CPUs + 1, at most `MAX_DEFAULT_WORKERS`.
- `GUNICORN_THREADS` (4): threads per worker (gthread). A purchase spends most of its time
  waiting for Stripe, so threads multiply what one process holds in memory.
- `GUNICORN_TIMEOUT` (30): a worker silent this long is killed and replaced. A request that calls
  Stripe answers within `STRIPE_REQUEST_BUDGET_SECONDS` (2.5 s) plus its own work, so 30 s is only
  ever reached by a stuck process, never by a slow Stripe.
- `GUNICORN_MAX_REQUESTS` (2000): a worker is replaced after this many requests (jittered), which
  bounds the memory any leak can take.

The access log is one line a request in the application's log format (`LOG_FORMAT`: JSON in
production, text elsewhere) with the request id, and never the query string (Stripe's return URLs
carry `payment_intent_client_secret` there), a header value or a body.

Metrics: prometheus_client's multiprocess mode (a directory under `METRICS_DIR`, `var/metrics` by
default, private to this machine's processes) lets `/metrics`, answered by any one worker, add up
the series of every worker and of the Celery workers writing under the same `METRICS_DIR`: see
`config.metrics`.
"""

import gc
import json
import multiprocessing
import os
import sys
import time
from pathlib import Path
from typing import Any

from gunicorn.glogging import Logger

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from config.environment import use_metrics_directory

use_metrics_directory("web")  # before the app, and prometheus_client, are loaded

MAX_DEFAULT_WORKERS = 12
"""Above this, more processes mostly mean more PostgreSQL connections, not more throughput."""


def _default_workers() -> int:
    return min(2 * multiprocessing.cpu_count() + 1, MAX_DEFAULT_WORKERS)


bind = os.environ.get(
    "GUNICORN_BIND",
    f"{os.environ.get('GUNICORN_BIND_HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}",  # noqa: S104
)
workers = int(os.environ.get("WEB_CONCURRENCY") or _default_workers())
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
# The app is loaded once, in the master, and the workers fork from it: they start at once and
# share its memory. Django opens no connection at import, so none is shared across the fork.
preload_app = True
# Request line and header limits as gunicorn's defaults; bodies are bounded by the app
# (API_MAX_BODY_BYTES and friends answer 413).
limit_request_line = 4094
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
proc_name = "coursepay-web"
# Worker heartbeats on a RAM disk when there is one (Docker's /tmp may be an overlay).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108


def _log_format() -> str:
    default = "json" if os.environ.get("DJANGO_ENV") == "production" else "text"
    return os.environ.get("LOG_FORMAT", default)


class AppFormatAccessLogger(Logger):
    """Gunicorn's logger with its access line in the app's format (see the module docstring)."""

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        if not self.cfg.accesslog:
            return
        headers = dict((name.lower(), value) for name, value in resp.headers)
        entry = {
            "time": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
            "level": "INFO",
            "logger": "gunicorn.access",
            "request_id": headers.get("x-request-id", "-"),
            "method": environ.get("REQUEST_METHOD", "-"),
            "path": environ.get("PATH_INFO", "-")[:500],
            "status": _status_code(resp),
            "bytes": getattr(resp, "sent", None) or _int(headers.get("content-length")),
            "duration_ms": round(request_time.total_seconds() * 1000, 1),
            "remote_addr": environ.get("REMOTE_ADDR", "-"),
        }
        if _log_format() == "json":
            line = json.dumps(entry)
        else:
            line = (
                "{time} {level} {logger} [{request_id}] {method} {path} {status} {bytes} "
                "{duration_ms}ms".format(**entry)
            )
        try:
            self.access_log.info(line)
        except Exception:  # a log write must never fail a request
            self.exception("Could not write the access log")


logger_class = AppFormatAccessLogger


def _int(text: str | None) -> int:
    return int(text) if text and text.isdigit() else 0


def _status_code(resp: Any) -> int:
    """The answer's status. A request gunicorn refuses itself (a malformed `Content-Length`,
    both `Content-Length` and `Transfer-Encoding`...) is logged with a Response whose
    `start_response` never ran: it has `status` ("400 Bad Request") and no `status_code`.
    Reading that raised in gunicorn's error handler, before its 400 was written: the client's
    connection was dropped with no answer at all."""
    code = getattr(resp, "status_code", None)
    return code if isinstance(code, int) else _int(str(resp.status).split(" ", 1)[0])


def pre_fork(server: Any, worker: Any) -> None:
    """Freezes the master's objects (the app it loaded: Django, every view, the SDKs) before a
    worker forks from it, so that the worker's full garbage collections scan only the objects
    it made itself. They scanned the whole app and held every thread of the worker for
    0.2-0.4 s each, the slowest requests of bench/history.py; frozen, 45 ms at most. It also
    keeps the collector from writing to the memory pages the workers share with the master."""
    gc.freeze()


def child_exit(server: Any, worker: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
