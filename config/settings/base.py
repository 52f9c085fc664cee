"""Settings shared by every environment. Every value comes from the environment.

A secret may instead be given as a path in `NAME_FILE` (Docker/Kubernetes secrets); `FileAwareEnv`
reads it. The defaults here are for local development only: SQLite under `var/`, eager Celery,
e-mail written to files, and Stripe pointed at the local sandbox.
"""

from pathlib import Path
from typing import Any

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.FileAwareEnv()

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY")
ALLOWED_HOSTS: list[str] = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS: list[str] = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "rest_framework.authtoken",
    "rest_framework_api_key",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "djstripe",
    "django_prometheus",
    "config",
    "accounts",
    "courses",
    "payments",
    "receipts",
    "store",
]

# The edge first: every answer, refusals included, carries the request id, CORS headers and
# no-store when it holds a secret; oversized and NUL-bearing requests stop before anything reads
# them; `config.redirects` never redirects an unsafe method; `/api/` paths resolve with or
# without their trailing slash; no HEAD answer carries a body (`config.bodiless`).
MIDDLEWARE = [
    # Outermost: drops the body of whatever any layer below answers to HEAD.
    "config.bodiless.BodilessAnswersMiddleware",
    # Times everything below it, refusals included (request latency per view: config.metrics).
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "config.request_id.RequestIdMiddleware",
    "config.cache_control.NoStoreSecretsMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    # The seed contracts' `{"error": "..."}` for the refusals of the middleware below it.
    "payments.contracts.middleware.ContractErrorShapeMiddleware",
    "config.request_guard.RequestGuardMiddleware",
    "config.redirects.HttpsForUnsafeMethodsMiddleware",
    "config.deadline.DeadlineMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.slashes.OptionalSlashMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.redirects.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

# Request bodies larger than these answer 413 before they are read (`config.request_guard`).
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=64 * 1024)
WEBHOOK_MAX_BODY_BYTES = env.int("WEBHOOK_MAX_BODY_BYTES", default=1024 * 1024)
ADMIN_MAX_BODY_BYTES = env.int("ADMIN_MAX_BODY_BYTES", default=2_621_440)  # Django's form limit

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Webhooks arrive while a request writes: writers queue instead of failing "locked".
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "store:login"
LOGIN_REDIRECT_URL = "store:catalog"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "static")
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
# Receipt PDFs are private: kept in their own storage, never served from MEDIA_URL, only
# streamed by the owner-checked download view. Any Django storage backend will do in production
# (its own settings configure it); the default is files under MEDIA_ROOT/receipts.
RECEIPTS_STORAGE_BACKEND = env.str(
    "RECEIPTS_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage"
)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "receipts": {
        "BACKEND": RECEIPTS_STORAGE_BACKEND,
        "OPTIONS": {"location": str(Path(str(MEDIA_ROOT), "receipts"))}
        if RECEIPTS_STORAGE_BACKEND.endswith("FileSystemStorage")
        else {},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Redis is optional in development: without it the cache is per-process, Celery runs eagerly.
REDIS_URL: str = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "config.cache.SharedClientRedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery. Tasks are acknowledged after they finish (a killed worker's task is delivered again)
# and must therefore be idempotent. Redis redelivers an unacknowledged message after the
# visibility timeout, so every retry delay (and countdown) must stay below it: a system check
# (receipts.checks) refuses a configuration that breaks this.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    # How often a worker looks for messages whose worker died (kombu's defaults: every
    # 10 s x 10, so about 100 s after the visibility timeout at worst).
    "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=10),
    "unacked_restore_throttle": env.int("CELERY_UNACKED_RESTORE_THROTTLE", default=10),
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
# A pool process whose resident memory passes this (KiB) is replaced after its current task.
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env.int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", default=150_000)

# Receipts: who sells (printed on every receipt), and how their tasks retry. Delays grow
# exponentially from BASE with full jitter, capped at MAX (below the visibility timeout).
RECEIPTS_ON_PAYMENT_SUCCESS = True  # start the receipt chain when a payment first succeeds
RECEIPT_SELLER_NAME = env.str("RECEIPT_SELLER_NAME", default="Coursepay Ltd")
RECEIPT_SELLER_ADDRESS: list[str] = env.list(
    "RECEIPT_SELLER_ADDRESS", default=["1 Example Street", "London EC1A 1AA", "United Kingdom"]
)
RECEIPT_SELLER_TAX_ID = env.str("RECEIPT_SELLER_TAX_ID", default="")
RECEIPT_RETRY_BASE_SECONDS = env.int("RECEIPT_RETRY_BASE_SECONDS", default=5)
RECEIPT_RETRY_MAX_SECONDS = env.int("RECEIPT_RETRY_MAX_SECONDS", default=900)
RECEIPT_MAX_RETRIES = env.int("RECEIPT_MAX_RETRIES", default=8)
RECEIPT_RESEND_INTERVAL_MINUTES = env.int("RECEIPT_RESEND_INTERVAL_MINUTES", default=10)
CELERY_BEAT_SCHEDULE = {
    "receipts-issue-missing": {"task": "receipts.issue_missing", "schedule": 600.0},
    # Webhook events nobody picked up (a lost enqueue, a retry that is due) are enqueued again.
    "webhook-inbox-sweep": {"task": "payments.inbox_sweep", "schedule": 60.0},
    "stripe-reconcile": {
        "task": "payments.stripe_reconcile",
        "schedule": env.float("RECONCILE_INTERVAL_SECONDS", default=600.0),
    },
}
# A webhook event that fails is retried after BASE, 2xBASE... seconds, at most MAX (below the
# broker's visibility timeout), then left failed for a person after 10 attempts.
WEBHOOK_RETRY_BASE_SECONDS = env.float("WEBHOOK_RETRY_BASE_SECONDS", default=5.0)
WEBHOOK_RETRY_MAX_SECONDS = env.float("WEBHOOK_RETRY_MAX_SECONDS", default=1800.0)
# Reconciliation looks back this far (Stripe retries deliveries for three days) and makes at most
# this many Stripe calls a run (a page of 100 objects each).
RECONCILE_WINDOW_HOURS = env.int("RECONCILE_WINDOW_HOURS", default=72)
RECONCILE_MAX_CALLS = env.int("RECONCILE_MAX_CALLS", default=50)

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = env.path("EMAIL_FILE_PATH", default=VAR_DIR / "mail")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
# Bounds how long a receipt e-mail holds its row lock while the SMTP server answers.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Coursepay <receipts@coursepay.local>")

# Stripe. dj-stripe reads STRIPE_SECRET_KEY, STRIPE_API_VERSION and (when set) STRIPE_API_HOST.
# One API version is pinned and sent on every request, by dj-stripe and by our gateway alike.
STRIPE_LIVE_MODE = env.bool("STRIPE_LIVE_MODE", default=False)
STRIPE_SECRET_KEY: str = env.str("STRIPE_SECRET_KEY")
STRIPE_PUBLISHABLE_KEY: str = env.str("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_API_VERSION: str = env.str("STRIPE_API_VERSION", default="2026-08-26.dahlia")
# Empty means Stripe itself; the sandbox (`python -m stripe_sandbox`) in development.
STRIPE_API_BASE: str = env.str("STRIPE_API_BASE", default="")
if STRIPE_API_BASE:
    STRIPE_API_HOST = STRIPE_API_BASE
# Where the learner's pages load Stripe.js from. Empty means: the sandbox's stand-in
# (`{STRIPE_API_BASE}/v3/`) while STRIPE_API_BASE points at one, else https://js.stripe.com/v3/.
STRIPE_JS_URL: str = env.str("STRIPE_JS_URL", default="")
# Each attempt waits at most STRIPE_TIMEOUT_SECONDS and is retried (same idempotency key) up to
# STRIPE_MAX_NETWORK_RETRIES times, but a web request's calls and retries all share one budget,
# so it answers within STRIPE_REQUEST_BUDGET_SECONDS (plus its own work) however Stripe behaves.
# The default keeps the seeds' 3-second promise with 0.5 s left for our own work (database,
# rendering, a loaded machine): a budget equal to the promise answered in 3.2 s on a busy CI host.
STRIPE_TIMEOUT_SECONDS = env.float("STRIPE_TIMEOUT_SECONDS", default=2.0)
STRIPE_MAX_NETWORK_RETRIES = env.int("STRIPE_MAX_NETWORK_RETRIES", default=2)
STRIPE_REQUEST_BUDGET_SECONDS = env.float("STRIPE_REQUEST_BUDGET_SECONDS", default=2.5)
PAYMENTS_GATEWAY = env.str("PAYMENTS_GATEWAY", default="payments.stripe_gateway.StripeGateway")
# A read of an unsettled payment that Stripe has not told us about for this long asks Stripe once
# (a lost webhook must not leave a paying learner without the course).
PAYMENT_REFRESH_AFTER_SECONDS = env.int("PAYMENT_REFRESH_AFTER_SECONDS", default=10)
# Stripe Checkout sends learners back to these pages; a client may name its own only on an origin
# listed in CHECKOUT_REDIRECT_ORIGINS (scheme://host[:port], exactly). `{CHECKOUT_SESSION_ID}` is
# appended to the success and return URLs when missing (see payments/redirects.py).
SITE_URL: str = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
CHECKOUT_REDIRECT_ORIGINS: list[str] = env.list("CHECKOUT_REDIRECT_ORIGINS", default=[SITE_URL])
CHECKOUT_SUCCESS_URL: str = env.str(
    "CHECKOUT_SUCCESS_URL",
    default=f"{SITE_URL}/checkout/success?session_id={{CHECKOUT_SESSION_ID}}",
)
CHECKOUT_CANCEL_URL: str = env.str("CHECKOUT_CANCEL_URL", default=f"{SITE_URL}/checkout/canceled")
CHECKOUT_RETURN_URL: str = env.str(
    "CHECKOUT_RETURN_URL", default=f"{SITE_URL}/checkout/return?session_id={{CHECKOUT_SESSION_ID}}"
)

# The seed contracts (payments/contracts/, README "Contract endpoints").
# Seed 004: embedded Checkout of one one-time product, returning to FRONTEND_URL + the path.
FRONTEND_URL: str = env.str("FRONTEND_URL", default=SITE_URL).rstrip("/")
EMBEDDED_CHECKOUT_RETURN_PATH: str = env.str("EMBEDDED_CHECKOUT_RETURN_PATH", default="/hero-me")
EMBEDDED_CHECKOUT_PRODUCT = {
    "external_id": env.str("EMBEDDED_CHECKOUT_PRODUCT_ID", default="hero-me-feelings"),
    "name": env.str(
        "EMBEDDED_CHECKOUT_PRODUCT_NAME", default="Hero Me Feelings - Personalized AAC Board"
    ),
    "description": env.str(
        "EMBEDDED_CHECKOUT_PRODUCT_DESCRIPTION",
        default="AI-powered personalized feelings board with 24+ custom images",
    ),
    "amount": env.int("EMBEDDED_CHECKOUT_PRODUCT_AMOUNT", default=200),
    "currency": env.str("EMBEDDED_CHECKOUT_PRODUCT_CURRENCY", default="usd"),
}
# Seed 001: the mobile PaymentSheet. Amounts in minor units within these bounds, currencies
# from this list; ephemeral keys for the API version the mobile SDK is built for.
MOBILE_PAYMENT_MIN_AMOUNT = env.int("MOBILE_PAYMENT_MIN_AMOUNT", default=50)
MOBILE_PAYMENT_MAX_AMOUNT = env.int("MOBILE_PAYMENT_MAX_AMOUNT", default=1_000_000)
MOBILE_PAYMENT_CURRENCIES: list[str] = env.list(
    "MOBILE_PAYMENT_CURRENCIES", default=["usd", "eur", "gbp"]
)
MOBILE_EPHEMERAL_KEY_API_VERSION: str = env.str(
    "MOBILE_EPHEMERAL_KEY_API_VERSION", default="2023-10-16"
)
# Seed 002: the service API's hosted Checkout sends the customer back to these pages.
SERVICE_CHECKOUT_SUCCESS_URL: str = env.str(
    "SERVICE_CHECKOUT_SUCCESS_URL",
    default=f"{FRONTEND_URL}/payments/success?session_id={{CHECKOUT_SESSION_ID}}",
)
SERVICE_CHECKOUT_CANCEL_URL: str = env.str(
    "SERVICE_CHECKOUT_CANCEL_URL", default=f"{FRONTEND_URL}/payments/canceled"
)

# Refunds: staff may refund within this many days of the payment (a superuser may override,
# confirming it); pending refunds Stripe has not settled for this long are re-read there.
REFUND_WINDOW_DAYS = env.int("REFUND_WINDOW_DAYS", default=30)
REFUND_RECHECK_AFTER_SECONDS = env.int("REFUND_RECHECK_AFTER_SECONDS", default=300)
CELERY_BEAT_SCHEDULE["refunds-recheck-pending"] = {
    "task": "payments.tasks.refunds_recheck_pending",
    "schedule": float(REFUND_RECHECK_AFTER_SECONDS),
}
# Where the back office links Stripe objects; "/test" is added for test-mode keys.
STRIPE_DASHBOARD_URL = env.str("STRIPE_DASHBOARD_URL", default="https://dashboard.stripe.com")
# Who `mail_admins` writes to (refund failures, disputes): comma-separated e-mail addresses.
ADMINS = [(address, address) for address in env.list("ADMINS", default=[])]
SERVER_EMAIL = env.str("SERVER_EMAIL", default="Coursepay <ops@coursepay.local>")
DJSTRIPE_FOREIGN_KEY_TO_FIELD = "id"
DJSTRIPE_WEBHOOK_VALIDATION = "verify_signature"
DJSTRIPE_USE_NATIVE_JSONFIELD = True

# Browsers may call the API (and the seed contracts' paths) from these origins only
# (scheme://host[:port]); `CORS_ALLOW_ALL_ORIGINS` ("*") is for development (dev.py), never
# production. Methods and headers are those the seed documents' frontends send.
CORS_ALLOWED_ORIGINS: list[str] = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_ALLOW_ALL_ORIGINS = False
CORS_URLS_REGEX = r"^/(api/|customers|products|payments/)"
CORS_ALLOW_METHODS = ("GET", "OPTIONS", "POST")
CORS_ALLOW_HEADERS = (
    "accept",
    "authorization",
    "content-type",
    "idempotency-key",
    "x-api-key",
    "x-csrftoken",
    "x-request-id",
)
CORS_EXPOSE_HEADERS = ("x-request-id", "idempotent-replayed", "retry-after")

API_RENDERERS = ["rest_framework.renderers.JSONRenderer"]
if DEBUG:
    API_RENDERERS.append("rest_framework.renderers.BrowsableAPIRenderer")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: its WWW-Authenticate header makes anonymous requests a 401, not a 403.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["config.parsers.JSONObjectParser"],
    "DEFAULT_RENDERER_CLASSES": API_RENDERERS,
    "DEFAULT_FILTER_BACKENDS": ["config.filtering.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "config.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "config.schema.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("THROTTLE_ANON_RATE", default="60/min"),
        "user": env.str("THROTTLE_USER_RATE", default="600/min"),
        "auth": env.str("THROTTLE_AUTH_RATE", default="10/min"),
        "payments_user": env.str("THROTTLE_PAYMENTS_USER_RATE", default="20/min"),
        "payments_ip": env.str("THROTTLE_PAYMENTS_IP_RATE", default="60/min"),
        # The seed contracts (payments/contracts/), per caller: a guest's IP, a learner, a key.
        "contract_embedded_checkout": env.str("THROTTLE_CONTRACT_EMBEDDED_RATE", default="30/min"),
        "contract_mobile": env.str("THROTTLE_CONTRACT_MOBILE_RATE", default="30/min"),
        "contract_service_api": env.str("THROTTLE_CONTRACT_SERVICE_RATE", default="300/min"),
    },
    "EXCEPTION_HANDLER": "config.exceptions.api_exception_handler",
    # How many proxies in front of us append to X-Forwarded-For. 0 trusts none of it, so a
    # client cannot pick its own throttling identity; behind one load balancer, set 1.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Coursepay API",
    "DESCRIPTION": "Buy courses with Stripe, read payment history, download receipts.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "PaymentStatusEnum": "payments.models.PaymentStatus",
        "EnrollmentStatusEnum": "courses.models.Enrollment.Status",
        "CheckoutSessionStatusEnum": "payments.models.CheckoutSession.Status",
        "CheckoutUiModeEnum": "payments.models.CheckoutSession.UiMode",
    },
}

# `/metrics` (config.metrics): open when METRICS_PUBLIC (development), else only with
# `Authorization: Bearer <METRICS_TOKEN>` or from an address of METRICS_ALLOWED_IPS.
METRICS_PUBLIC = env.bool("METRICS_PUBLIC", default=False)
METRICS_TOKEN: str = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_IPS: list[str] = env.list("METRICS_ALLOWED_IPS", default=[])
PROMETHEUS_EXPORT_MIGRATIONS = False

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("LOG_FORMAT", default="text")  # "json" for one JSON object a line
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.request_id.RequestIdLogFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "django.db.backends": {"level": "WARNING"},
        # The SDK logs every request and answer at INFO: noise, and time, on every purchase.
        # Failures reach our own loggers (payments.stripe_gateway) and the metrics.
        "stripe": {"level": env.str("STRIPE_LOG_LEVEL", default="WARNING")},
    },
}
