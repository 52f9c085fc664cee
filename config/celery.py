"""The Celery app: Redis is the broker when `REDIS_URL` is set; without it tasks run eagerly."""

from celery import Celery

from config.environment import use_settings_module

use_settings_module()

app = Celery("coursepay")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
