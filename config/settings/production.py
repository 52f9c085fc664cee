"""Production: refuses to start without its secrets, and passes `manage.py check --deploy`.

Required: SECRET_KEY, DATABASE_URL, STRIPE_SECRET_KEY, REDIS_URL (each also as NAME_FILE).
Redis is required here because throttling counters must be shared by every worker and Celery
must not render PDFs inside web requests.
"""

import os

from django.core.exceptions import ImproperlyConfigured

for _required in ("SECRET_KEY", "DATABASE_URL", "STRIPE_SECRET_KEY", "REDIS_URL"):
    if not (os.environ.get(_required) or os.environ.get(f"{_required}_FILE")):
        raise ImproperlyConfigured(
            f"Production needs the {_required} environment variable (or {_required}_FILE)."
        )

from config.settings.base import *  # noqa: E402, F403
from config.settings.base import env  # noqa: E402

DEBUG = False
LOG_FORMAT = env.str("LOG_FORMAT", default="json")
LOGGING["handlers"]["console"]["formatter"] = LOG_FORMAT  # noqa: F405

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# Load balancers probe over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]  # and Prometheus scrapes
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Cross-origin callers only from the origins listed (CORS_ALLOWED_ORIGINS), never "*".
CORS_ALLOW_ALL_ORIGINS = False
