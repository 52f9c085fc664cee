"""The Celery app's process-level set-up."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import gc
from celery import signals
import config.celery
before = gc.get_freeze_count()
signals.worker_init.send(sender=None)
print(before, gc.get_freeze_count())
"""


def test_a_worker_freezes_the_loaded_app_before_its_pool_forks() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr[-2000:]
    before, after = map(int, result.stdout.split())
    assert (before, after > 1000) == (0, True)
