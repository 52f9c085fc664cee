"""The Celery app: Redis is the broker when `REDIS_URL` is set; without it tasks run eagerly."""

import sys
from pathlib import Path

from celery import Celery

from config.environment import use_metrics_directory, use_settings_module

use_settings_module()
if Path(sys.argv[0]).name in ("celery", "__main__.py") and "worker" in sys.argv[1:]:
    use_metrics_directory("worker")  # the pool's processes inherit it (config.metrics)

app = Celery("coursepay")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
