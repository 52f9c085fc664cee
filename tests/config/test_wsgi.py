"""The WSGI application arrives with its URLconf loaded, so gunicorn's workers fork warm."""

import json
import subprocess
import sys
from pathlib import Path

from tests.config.test_production_settings import PRODUCTION_ENV

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import json, os, socket, sys
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


def test_loading_the_wsgi_application_imports_every_view_and_opens_no_connection() -> None:
    """In production gunicorn loads the app in its master and forks the workers from it: the
    views must be imported there (a worker's first request paid for it), and no connection may
    be open (it would be shared by every forked worker)."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", **PRODUCTION_ENV},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout.splitlines()[-1]) == {
        "views_loaded": True,
        "database_connected": False,
        "open_sockets": 0,
    }
