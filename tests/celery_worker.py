"""A real Celery worker process for tests: `celery -A config worker` on Redis and the test database.

Tests that use it need Redis (mark them `redis`) and committed data (`transactional_db`): the
worker is another process with its own database connections. While one runs, this process
publishes to Redis instead of running tasks eagerly. Usage:

    # `celery_worker` is a fixture of every test (tests/conftest.py).

    @pytest.mark.redis
    @pytest.mark.django_db(transaction=True)
    def test_something(celery_worker):
        worker = celery_worker(env={"EMAIL_PORT": "2525"})
        ...  # enqueue; wait for the outcome
        worker.kill_pool_process()  # SIGKILL the process running a task

Also used outside pytest by bench/receipts.py (`CeleryWorker`).
"""

import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[1]


def database_url(settings_dict: Mapping[str, Any]) -> str:
    """A DATABASE_URL naming the database this process is connected to (the test database)."""
    engine = settings_dict["ENGINE"]
    if engine.endswith("sqlite3"):
        return f"sqlite:///{Path(str(settings_dict['NAME'])).resolve()}"
    if engine.endswith("postgresql"):
        user = settings_dict.get("USER") or "postgres"
        password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
        host = settings_dict.get("HOST") or "127.0.0.1"
        port = settings_dict.get("PORT") or 5432
        return f"postgres://{user}{password}@{host}:{port}/{settings_dict['NAME']}"
    raise NotImplementedError(f"no worker support for {engine}")


def wait_for(condition: Callable[[], Any], timeout: float = 30.0, interval: float = 0.1) -> Any:
    """Poll until `condition()` is truthy and return it; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        outcome = condition()
        if outcome:
            return outcome
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)


class CeleryWorker:
    """One `celery worker` (prefork: a main process and `concurrency` children; solo: one
    process) and its log."""

    def __init__(
        self,
        *,
        database: str,
        redis: str,
        env: Mapping[str, str] | None = None,
        concurrency: int = 1,
        pool: str = "prefork",
        log_dir: Path | None = None,
    ) -> None:
        self.name = f"test-{uuid.uuid4().hex[:8]}@%h"
        self.concurrency = concurrency
        self.pool = pool
        log_dir = log_dir or Path(tempfile.mkdtemp(prefix="celery-worker-"))
        self.log_path = log_dir / "worker.log"
        self.env = {
            **os.environ,
            "DJANGO_ENV": os.environ.get("DJANGO_ENV", "test"),
            "DATABASE_URL": database,
            "DATABASE_CONN_MAX_AGE": "0",
            "REDIS_URL": redis,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60.0) -> "CeleryWorker":
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            f"--pool={self.pool}",
            f"--concurrency={self.concurrency}",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            self.name,
        ]
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        try:
            wait_for(lambda: self._ready_or_dead(), timeout=timeout, interval=0.2)
        except AssertionError:
            self.stop()
            raise AssertionError(f"worker did not start:\n{self.log()[-4000:]}") from None
        if self.process.poll() is not None:
            raise AssertionError(f"worker exited at start:\n{self.log()[-4000:]}")
        return self

    def _ready_or_dead(self) -> bool:
        assert self.process is not None
        return self.process.poll() is not None or " ready." in self.log()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def pool_pids(self) -> list[int]:
        """The pool's child processes (those that run tasks)."""
        children = Path(f"/proc/{self.pid}/task/{self.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def kill_pool_process(self) -> int:
        """SIGKILL the (single) pool process, as the kernel's OOM killer would; returns its pid.

        The main process sees the child die; with acks_late and reject_on_worker_lost the
        task's message goes back to the queue, and a new child receives it again.
        """
        (pid,) = self.pool_pids()
        os.kill(pid, signal.SIGKILL)
        return pid

    def kill(self) -> None:
        """SIGKILL the whole worker at once (main process and pool)."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self, timeout: float = 20.0) -> None:
        """Warm shutdown (SIGTERM: finish the current task), then SIGKILL if it lingers."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def rss_kib(self) -> dict[int, int]:
        """Resident memory of the main process and each pool process, in KiB."""
        sizes = {}
        for pid in [self.pid, *self.pool_pids()]:
            status = Path(f"/proc/{pid}/status")
            if status.exists():
                for line in status.read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        sizes[pid] = int(line.split()[1])
        return sizes


def flush_broker(redis_url: str) -> None:
    """Empty this suite's Redis database: no message or unacknowledged task from a past test."""
    import redis

    redis.Redis.from_url(redis_url).flushdb()


def _settings_the_worker_shares() -> dict[str, str]:
    """What this test changed that the worker must see too: the same Stripe (the test's
    sandbox), the same media folder and the same receipts switch as the web side."""
    return {
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "STRIPE_API_BASE": settings.STRIPE_API_BASE,
        "RECEIPTS_ON_PAYMENT_SUCCESS": str(settings.RECEIPTS_ON_PAYMENT_SUCCESS).lower(),
    }


@pytest.fixture
def celery_worker(transactional_db: None, tmp_path: Path) -> Iterator[Callable[..., CeleryWorker]]:
    """A factory starting real workers on this test's database; all stopped at the end."""
    if not settings.REDIS_URL:
        pytest.skip("needs Redis: set REDIS_URL (a real worker needs a broker)")
    flush_broker(settings.REDIS_URL)
    was_eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    workers: list[CeleryWorker] = []

    def start(env: Mapping[str, str] | None = None, concurrency: int = 1) -> CeleryWorker:
        worker = CeleryWorker(
            database=database_url(connection.settings_dict),
            redis=settings.REDIS_URL,
            env={**_settings_the_worker_shares(), **(env or {})},
            concurrency=concurrency,
            log_dir=tmp_path,
        )
        workers.append(worker)
        return worker.start()

    try:
        yield start
    finally:
        for worker in workers:
            worker.stop()
        celery_app.conf.task_always_eager = was_eager
        flush_broker(settings.REDIS_URL)
