"""The web process's gunicorn configuration (`config/gunicorn.py`), hook by hook."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import gc, runpy
config = runpy.run_path("config/gunicorn.py")
before = gc.get_freeze_count()
config["pre_fork"](None, None)
print(before, gc.get_freeze_count())
"""


def test_the_master_freezes_its_objects_before_forking_a_worker(tmp_path: Path) -> None:
    """A worker's full garbage collections then leave the app it inherited alone."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "METRICS_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr[-2000:]
    before, after = map(int, result.stdout.split())
    assert (before, after > 1000) == (0, True)
