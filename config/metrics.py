"""Prometheus metrics: the series the app records, and the `/metrics` endpoint.

Request latency per view comes from django-prometheus's middleware
(`django_http_requests_latency_seconds_by_view_method`). The app adds:

- `coursepay_stripe_request_duration_seconds{operation}` and
  `coursepay_stripe_requests_total{operation, outcome}`: every HTTP attempt our gateway makes to
  Stripe (retries included), `operation` as `POST /v1/payment_intents/{id}/confirm`, `outcome`
  one of `OUTCOMES`.
- `coursepay_webhook_events_received_total{type, source}`, `..._processed_total{type}`,
  `..._failed_total{type}` (failed for good, after the inbox's last attempt),
  `coursepay_webhook_event_attempt_errors_total{type}` (attempts that will be retried),
  `coursepay_webhook_processing_lag_seconds` (received -> processed) and, read from the database
  at scrape time, `coursepay_webhook_oldest_pending_age_seconds` and
  `coursepay_webhook_events_pending`.
- `coursepay_celery_queue_length{queue}`: messages waiting in Redis, read at scrape time.
- `coursepay_receipts_sent_total`: receipt e-mails the SMTP server accepted.

Processes: each process group started by the Procfile (the gunicorn master and its workers, a
Celery worker and its pool) writes its series to `METRICS_DIR/<group>-<host>` (`METRICS_DIR` is
`var/metrics` by default) through prometheus_client's multiprocess mode, and `/metrics`, answered
by any web worker, adds up every group's files: one machine's web and workers show as one. A
group empties its directory when it starts (its counters start again at 0, which `rate()`
expects of a restart). Other processes (`manage.py`, the tests) keep their series in memory.

Protection: in production `/metrics` wants `Authorization: Bearer <METRICS_TOKEN>` or a client
address in `METRICS_ALLOWED_IPS`; with neither configured it answers 404. Development leaves it
open.
"""

import glob
import hmac
import logging
import os
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import REGISTRY, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

OUTCOMES = (
    "ok",  # 2xx
    "declined",  # 402: a card declined, a normal answer
    "client_error",  # other 4xx: a state conflict, or our bug
    "rate_limited",  # 429
    "server_error",  # 5xx
    "connection_error",  # no answer: refused, reset, timed out
    "out_of_budget",  # not sent: the request's time budget was spent
)
STRIPE_LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)
WEBHOOK_LAG_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0)

STRIPE_REQUEST_SECONDS = Histogram(
    "coursepay_stripe_request_duration_seconds",
    "Time of one HTTP attempt to Stripe, answered or not.",
    ["operation"],
    buckets=STRIPE_LATENCY_BUCKETS,
)
STRIPE_REQUESTS = Counter(
    "coursepay_stripe_requests",
    "HTTP attempts to Stripe, by operation and outcome.",
    ["operation", "outcome"],
)
WEBHOOK_RECEIVED = Counter(
    "coursepay_webhook_events_received",
    "Webhook events stored in the inbox (duplicates included); source: stripe or reconciliation.",
    ["type", "source"],
)
WEBHOOK_PROCESSED = Counter(
    "coursepay_webhook_events_processed", "Webhook events processed successfully.", ["type"]
)
WEBHOOK_FAILED = Counter(
    "coursepay_webhook_events_failed",
    "Webhook events failed for good (every attempt spent): a person must look.",
    ["type"],
)
WEBHOOK_ATTEMPT_ERRORS = Counter(
    "coursepay_webhook_event_attempt_errors",
    "Webhook processing attempts that failed and will be retried.",
    ["type"],
)
WEBHOOK_LAG_SECONDS = Histogram(
    "coursepay_webhook_processing_lag_seconds",
    "From an event's arrival in the inbox to its successful processing.",
    buckets=WEBHOOK_LAG_BUCKETS,
)
RECEIPTS_SENT = Counter("coursepay_receipts_sent", "Receipt e-mails accepted by the SMTP server.")

_STRIPE_WORDS = frozenset(
    {
        "v1",
        "attach",
        "cancel",
        "capture",
        "charges",
        "checkout",
        "close",
        "confirm",
        "customers",
        "detach",
        "disputes",
        "ephemeral_keys",
        "events",
        "expire",
        "invoices",
        "payment_intents",
        "payment_methods",
        "prices",
        "products",
        "refunds",
        "search",
        "sessions",
        "setup_intents",
        "subscriptions",
        "webhook_endpoints",
    }
)
"""The words of the Stripe paths we call. Any other segment is an id, or what a client sent as
one (`pi_abc` is no Stripe id, yet a service may ask for it): it never becomes a label value, so
the number of series stays bounded whatever ids arrive. A path we start calling with a new word
shows `{id}` in its place until the word is added here."""


def stripe_operation(method: str, url: str) -> str:
    """`POST /v1/payment_intents/{id}/confirm` for any intent: ids never become label values."""
    path = "/" + url.split("://", 1)[-1].split("/", 1)[-1].split("?", 1)[0]
    segments = [part if part in _STRIPE_WORDS else "{id}" for part in path.split("/")[1:6]]
    return f"{method.upper()} /{'/'.join(segments)}"


def stripe_outcome(status: int) -> str:
    if status < 400:
        return "ok"
    if status == 402:
        return "declined"
    if status == 429:
        return "rate_limited"
    return "server_error" if status >= 500 else "client_error"


def stripe_request_record(*, operation: str, outcome: str, seconds: float) -> None:
    STRIPE_REQUESTS.labels(operation=operation, outcome=outcome).inc()
    if outcome != "out_of_budget":
        STRIPE_REQUEST_SECONDS.labels(operation=operation).observe(seconds)


# Multiprocess mode (`config.environment.use_metrics_directory` picks the directory) -----------


class _FilesCollector(Collector):
    """The multiprocess files matching `pattern`, added up as one process would count."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern

    def collect(self) -> Iterable[Metric]:
        return MultiProcessCollector.merge(glob.glob(self.pattern), accumulate=True)


class _ScrapeTimeCollector(Collector):
    """Values read when Prometheus asks: the Celery queue and the inbox's backlog."""

    def collect(self) -> Iterator[Metric]:
        yield from _queue_lengths()
        yield from _inbox_backlog()


def _queue_lengths() -> Iterator[Metric]:
    if not settings.REDIS_URL:
        return  # no broker: Celery runs the tasks in the web process
    import redis

    family = GaugeMetricFamily(
        "coursepay_celery_queue_length", "Celery messages waiting in Redis.", labels=["queue"]
    )
    queue = getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", "celery")
    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1
        )
        # kombu keeps one list per priority step: `celery`, `celery\x06\x163`, ...
        keys = [queue, *(f"{queue}\x06\x16{step}" for step in range(1, 10))]
        with client.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.llen(key)
            waiting = sum(pipe.execute())
    except redis.RedisError:
        logger.warning("Metrics: Redis unreachable, no queue length")
        return
    family.add_metric([queue], waiting)
    yield family


def _inbox_backlog() -> Iterator[Metric]:
    from django.db.models import Count, Min
    from django.utils import timezone

    from payments.models import InboxEvent

    backlog = InboxEvent.objects.filter(status=InboxEvent.Status.PENDING).aggregate(
        oldest=Min("received_at"), count=Count("id")
    )
    age = (timezone.now() - backlog["oldest"]).total_seconds() if backlog["oldest"] else 0.0
    yield GaugeMetricFamily(
        "coursepay_webhook_oldest_pending_age_seconds",
        "Age of the oldest webhook event not processed yet (0 when none waits).",
        value=max(age, 0.0),
    )
    yield GaugeMetricFamily(
        "coursepay_webhook_events_pending",
        "Webhook events waiting to be processed (retries included).",
        value=backlog["count"],
    )


def metrics_text() -> tuple[bytes, str]:
    """The exposition: every recorded series, and those read at scrape time."""
    registry = CollectorRegistry(auto_describe=False)
    root, own = os.environ.get("METRICS_DIR"), os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if own:  # every group's files under METRICS_DIR, or this group's alone
        directory = os.path.join(root, "*") if root else own
        registry.register(_FilesCollector(os.path.join(directory, "*.db")))
    else:
        registry.register(_ProcessRegistry())
    registry.register(_ScrapeTimeCollector())
    return generate_latest(registry), CONTENT_TYPE_LATEST


class _ProcessRegistry(Collector):
    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()


def _allowed(request: HttpRequest) -> bool:
    if settings.METRICS_PUBLIC:
        return True
    token = settings.METRICS_TOKEN
    scheme, _, offered = request.headers.get("Authorization", "").partition(" ")
    if (
        token
        and scheme.lower() == "bearer"
        and hmac.compare_digest(offered.encode(), token.encode())
    ):
        return True
    return request.META.get("REMOTE_ADDR", "") in settings.METRICS_ALLOWED_IPS


@never_cache
@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus' scrape target. Refused as an unknown page: a scanner learns nothing."""
    if not _allowed(request):
        raise Http404()
    body, content_type = metrics_text()
    return HttpResponse(body, content_type=content_type)
