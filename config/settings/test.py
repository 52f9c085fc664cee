"""The test suite: PostgreSQL and Redis when DATABASE_URL / REDIS_URL are set (CI), else SQLite."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-insecure-secret-key-not-for-production-use")
os.environ.setdefault("STRIPE_SECRET_KEY", "sk_test_coursepaySandboxDevelopmentKey01")
os.environ.setdefault("STRIPE_PUBLISHABLE_KEY", "pk_test_coursepaySandboxDevelopmentKey01")
os.environ.setdefault("STRIPE_API_BASE", "http://127.0.0.1:12111")
os.environ.setdefault("THROTTLE_ANON_RATE", "100000/min")
os.environ.setdefault("THROTTLE_USER_RATE", "100000/min")
os.environ.setdefault("THROTTLE_AUTH_RATE", "100000/min")
os.environ.setdefault("THROTTLE_PAYMENTS_USER_RATE", "100000/min")
os.environ.setdefault("THROTTLE_PAYMENTS_IP_RATE", "100000/min")

from config.settings.base import *  # noqa: F403
from config.settings.base import VAR_DIR

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
ADMINS = [("Payments team", "payments-team@coursepay.test")]
MEDIA_ROOT = VAR_DIR / "test-media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# The tests talk to the sandbox on loopback with DEBUG off; W002 warns about exactly that.
SILENCED_SYSTEM_CHECKS = ["djstripe.W002"]

VAR_DIR.mkdir(exist_ok=True)
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    # A file, not memory: live-server tests (webhooks from the sandbox) need a connection per
    # thread, and an in-memory database would be shared across threads.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}  # noqa: F405
