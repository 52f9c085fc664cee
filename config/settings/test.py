"""The test suite: PostgreSQL and Redis when DATABASE_URL / REDIS_URL are set (CI), else SQLite."""

import os
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "test-only-insecure-secret-key-not-for-production-use")
os.environ.setdefault("STRIPE_SECRET_KEY", "sk_test_coursepaySandboxDevelopmentKey01")
os.environ.setdefault("STRIPE_PUBLISHABLE_KEY", "pk_test_coursepaySandboxDevelopmentKey01")
os.environ.setdefault("STRIPE_API_BASE", "http://127.0.0.1:12111")
os.environ.setdefault("THROTTLE_ANON_RATE", "100000/min")
os.environ.setdefault("THROTTLE_USER_RATE", "100000/min")
os.environ.setdefault("THROTTLE_AUTH_RATE", "100000/min")
os.environ.setdefault("THROTTLE_PAYMENTS_USER_RATE", "100000/min")
os.environ.setdefault("THROTTLE_PAYMENTS_IP_RATE", "100000/min")
os.environ.setdefault("THROTTLE_CONTRACT_EMBEDDED_RATE", "100000/min")
os.environ.setdefault("THROTTLE_CONTRACT_MOBILE_RATE", "100000/min")
os.environ.setdefault("THROTTLE_CONTRACT_SERVICE_RATE", "100000/min")

from config.settings.base import *  # noqa: F403
from config.settings.base import VAR_DIR, env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The suite runs tasks eagerly and keeps e-mail in memory; a real worker started by a test
# (tests/celery_worker.py) is told otherwise through the same variables.
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.locmem.EmailBackend")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "test-media")
# Off outside tests/receipts (its conftest turns it on): an eager receipt chain started by a
# webhook in a live-server thread outlives its test and races the database flush after it.
RECEIPTS_ON_PAYMENT_SUCCESS = env.bool("RECEIPTS_ON_PAYMENT_SUCCESS", default=False)
ADMINS = [("Payments team", "payments-team@coursepay.test")]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "receipts": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(Path(str(MEDIA_ROOT), "receipts"))},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# The tests talk to the sandbox on loopback with DEBUG off; W002 warns about exactly that.
SILENCED_SYSTEM_CHECKS = ["djstripe.W002"]

VAR_DIR.mkdir(exist_ok=True)
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    # A file, not memory: live-server tests (webhooks from the sandbox) need a connection per
    # thread, and an in-memory database would be shared across threads.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}  # noqa: F405
