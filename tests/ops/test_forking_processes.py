"""What gunicorn's master and Celery's worker hold before they fork their workers from it: the
whole app loaded (a worker's first request imported every view), no connection open (every
worker would share it), and every object frozen (a worker's full garbage collections scanned
the whole inherited app, 0.2-0.4 s each)."""

import json
import subprocess
import sys
from pathlib import Path

from tests.config.test_production_settings import PRODUCTION_ENV

ROOT = Path(__file__).resolve().parents[2]
WSGI_APP_LOADED = """
import json, os, sys
import config.wsgi
from django.db import connections
links = [f"/proc/self/fd/{fd}" for fd in os.listdir("/proc/self/fd")]
open_sockets = [l for l in links if os.path.exists(l) and os.readlink(l).startswith("socket:")]
print(json.dumps({
    "views_loaded": all(name in sys.modules for name in ("payments.api.views", "store.views")),
    "database_connected": any(c.connection is not None for c in connections.all()),
    "open_sockets": len(open_sockets),
}))
"""
GUNICORN_MASTER_FORKS = """
import gc, runpy
hooks = runpy.run_path("config/gunicorn.py")
before = gc.get_freeze_count()
hooks["pre_fork"](None, None)
print(before, gc.get_freeze_count())
"""
CELERY_WORKER_STARTS = """
import gc
from celery import signals
import config.celery
before = gc.get_freeze_count()
signals.worker_init.send(sender=None)
print(before, gc.get_freeze_count())
"""


def python(code: str, env: dict[str, str]) -> str:
    """Runs `code` in a new interpreter at the project's root; its last line of output."""
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.splitlines()[-1]


def test_the_wsgi_app_loads_every_view_and_opens_no_connection() -> None:
    assert json.loads(python(WSGI_APP_LOADED, PRODUCTION_ENV)) == {
        "views_loaded": True,
        "database_connected": False,
        "open_sockets": 0,
    }


def test_gunicorns_master_freezes_its_objects_before_forking_a_worker(tmp_path: Path) -> None:
    before, after = map(int, python(GUNICORN_MASTER_FORKS, {"METRICS_DIR": str(tmp_path)}).split())

    assert (before, after > 1000) == (0, True)


def test_a_celery_worker_freezes_the_loaded_app_before_its_pool_forks() -> None:
    before, after = map(int, python(CELERY_WORKER_STARTS, {}).split())

    assert (before, after > 1000) == (0, True)
