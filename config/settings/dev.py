"""Local development: runs with no environment at all (SQLite, eager Celery, the sandbox)."""

import os

# Development-only defaults, set before base reads the environment. None of them is a real
# secret: the Stripe key only opens the local sandbox (dj-stripe wants 24+ characters after
# `sk_test_`), and the Django key signs nothing outside this machine.
os.environ.setdefault("DJANGO_DEBUG", "true")
os.environ.setdefault("SECRET_KEY", "dev-only-insecure-secret-key-not-for-production-use")
os.environ.setdefault("STRIPE_SECRET_KEY", "sk_test_coursepaySandboxDevelopmentKey01")
os.environ.setdefault("STRIPE_PUBLISHABLE_KEY", "pk_test_coursepaySandboxDevelopmentKey01")
os.environ.setdefault("STRIPE_API_BASE", "http://127.0.0.1:12111")
os.environ.setdefault("METRICS_PUBLIC", "true")

from config.settings.base import *  # noqa: F403

# Any origin may call the API in development (the seed documents' "`*` for development").
CORS_ALLOW_ALL_ORIGINS = env.bool("CORS_ALLOW_ALL_ORIGINS", default=True)  # noqa: F405
