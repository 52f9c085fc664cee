"""The Celery app: Redis is the broker when `REDIS_URL` is set; without it tasks run eagerly."""

import gc
import sys
from pathlib import Path
from typing import Any

from celery import Celery, signals

from config.environment import use_metrics_directory, use_settings_module

use_settings_module()
if Path(sys.argv[0]).name in ("celery", "__main__.py") and "worker" in sys.argv[1:]:
    use_metrics_directory("worker")  # the pool's processes inherit it (config.metrics)

app = Celery("coursepay")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_init.connect
def freeze_the_loaded_app(**_: Any) -> None:
    """Sent in the worker's main process once the app and its tasks are loaded, before the
    prefork pool forks its children: as gunicorn's master does (`config/gunicorn.py`), freeze
    what the children inherit, so that their full garbage collections scan only their own
    objects instead of pausing a task for the whole app's worth of them."""
    gc.freeze()
