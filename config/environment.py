"""Which settings module runs: `DJANGO_ENV` (dev, test, production) picks it, dev by default."""

import os
import shutil
import socket
from pathlib import Path

ENVIRONMENTS = ("dev", "test", "production")


def use_settings_module() -> None:
    env = os.environ.get("DJANGO_ENV", "dev")
    if env not in ENVIRONMENTS:
        raise SystemExit(f"DJANGO_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", f"config.settings.{env}")


def use_metrics_directory(group: str) -> None:
    """Give this process group its own empty directory under `METRICS_DIR` (`var/metrics` by
    default) for prometheus_client's multiprocess mode (see `config.metrics`). Call it in the
    group's first process (gunicorn's master, the Celery worker's main process), before
    prometheus_client is imported: the children inherit it."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return
    root = os.environ.setdefault("METRICS_DIR", str(Path(__file__).parent.parent / "var/metrics"))
    directory = Path(root, f"{group}-{socket.gethostname()}")
    shutil.rmtree(directory, ignore_errors=True)  # a past run's counters start again at 0
    directory.mkdir(parents=True, exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)
