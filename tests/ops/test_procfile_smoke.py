"""The production process set, as the Procfile starts it, buys a course end to end.

web (gunicorn), worker and beat (Celery) run as separate processes with `DJANGO_ENV=production`
on PostgreSQL and Redis, tasks not eager, the Stripe sandbox as Stripe and an SMTP sink as the
mail server. A learner logs in and buys over HTTP; the client confirms with "Stripe" as Stripe.js
would; the webhook reaches web, the worker processes it (payment succeeded, course granted) and
e-mails the receipt. `release` is not run here: the test database already has its tables (CI
applies the migrations on PostgreSQL in `.ci/run`) and collectstatic takes minutes (the Docker
image runs it at build time).
"""

import json
import os
import re
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.management import call_command
from django.db import connection

from courses.models import Enrollment
from payments.models import InboxEvent, Payment
from tests.celery_worker import database_url, flush_broker, wait_for
from tests.factories import CourseFactory, UserFactory
from tests.payments.live_stripe import stripe_api
from tests.receipts.support import SmtpSink, free_port

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "smoke-test-password-0123"
METRICS_TOKEN = "smoke-metrics-token-0123456789abcdef"

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]


def procfile() -> dict[str, str]:
    """Process type -> command, as honcho and Heroku read the Procfile."""
    processes = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, command = line.split(":", 1)
            processes[name.strip()] = command.strip()
    return processes


class ProcessSet:
    """Some of the Procfile's processes, each in its own session with its own log."""

    def __init__(self, env: Mapping[str, str], log_dir: Path) -> None:
        self.env = dict(env)
        self.log_dir = log_dir
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str) -> None:
        log = (self.log_dir / f"{name}.log").open("wb")
        self.processes[name] = subprocess.Popen(
            ["/bin/sh", "-c", procfile()[name]],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()

    def log(self, name: str) -> str:
        return (self.log_dir / f"{name}.log").read_text(errors="replace")

    def logs(self) -> str:
        return "\n".join(f"--- {name}\n{self.log(name)[-3000:]}" for name in self.processes)

    def alive(self, name: str) -> bool:
        return self.processes[name].poll() is None

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


@pytest.fixture(scope="module")
def smoke_smtp() -> Iterator[SmtpSink]:
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture(scope="module")
def production(
    sandbox_server, smoke_smtp: SmtpSink, django_db_setup, tmp_path_factory
) -> Iterator[tuple[ProcessSet, str]]:
    """web, worker and beat started once from the Procfile in production mode, on the test
    database; web's base URL. Each test brings its own data (`transactional_db`)."""
    flush_broker(settings.REDIS_URL)
    tmp_path = tmp_path_factory.mktemp("procfile")
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DJANGO_SETTINGS_MODULE", "PROMETHEUS_MULTIPROC_DIR")
    }
    env.update(
        {
            "PATH": f"{Path(sys.executable).parent}:{env.get('PATH', '/usr/bin:/bin')}",
            "DJANGO_ENV": "production",
            "SECRET_KEY": "smoke-" + uuid.uuid4().hex * 2,
            "DATABASE_URL": database_url(connection.settings_dict),
            "DATABASE_CONN_MAX_AGE": "0",
            "REDIS_URL": settings.REDIS_URL,
            "STRIPE_SECRET_KEY": settings.STRIPE_SECRET_KEY,
            "STRIPE_API_BASE": sandbox_server.url,
            "PORT": str(port),
            "GUNICORN_BIND_HOST": "127.0.0.1",
            "WEB_CONCURRENCY": "2",
            "GUNICORN_THREADS": "2",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SITE_URL": f"http://127.0.0.1:{port}",
            "SECURE_SSL_REDIRECT": "false",  # no TLS proxy in front here
            "MEDIA_ROOT": str(tmp_path / "media"),
            "METRICS_DIR": str(tmp_path / "metrics"),
            "METRICS_TOKEN": METRICS_TOKEN,
            "CELERY_BEAT_SCHEDULE_FILE": str(tmp_path / "celerybeat-schedule"),
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
            **smoke_smtp.worker_env,
        }
    )
    processes = ProcessSet(env, tmp_path)
    app = f"http://127.0.0.1:{port}"
    try:
        for name in ("web", "worker", "beat"):
            processes.start(name)
        try:
            wait_for(lambda: _answers(f"{app}/healthz"), timeout=40, interval=0.2)
            wait_for(lambda: " ready." in processes.log("worker"), timeout=40, interval=0.2)
            wait_for(lambda: "beat: Starting" in processes.log("beat"), timeout=40, interval=0.2)
        except AssertionError:
            raise AssertionError(f"the process set did not start:\n{processes.logs()}") from None
        yield processes, app
    finally:
        processes.stop()
        flush_broker(settings.REDIS_URL)


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def test_the_procfile_names_the_production_process_set() -> None:
    processes = procfile()

    assert processes["web"] == "gunicorn -c config/gunicorn.py config.wsgi"
    assert processes["worker"].startswith("celery -A config worker")
    assert processes["beat"].startswith("celery -A config beat")
    assert processes["release"] == (
        "python manage.py migrate --no-input && python manage.py collectstatic --no-input"
    )


def test_a_purchase_is_settled_by_the_worker_and_its_receipt_e_mailed(
    production: tuple[ProcessSet, str], sandbox, smoke_smtp: SmtpSink
) -> None:
    processes, app = production
    learner = UserFactory.create()
    hasher = PBKDF2PasswordHasher()  # production's; the suite's own (MD5) is not installed there
    learner.password = hasher.encode(PASSWORD, hasher.salt())
    learner.save(update_fields=["password"])
    course = CourseFactory.create(price_amount=4900, currency="usd")
    call_command("stripe_webhook_register", base_url=app, verbosity=0)
    http = requests.Session()
    login = http.post(
        f"{app}/api/v1/auth/token", json={"email": learner.email, "password": PASSWORD}, timeout=10
    )
    assert login.status_code == 200, login.text
    http.headers["Authorization"] = f"Token {login.json()['token']}"
    request_id = f"smoke-{uuid.uuid4().hex}"

    started = http.post(
        f"{app}/api/v1/payments/",
        json={"course": course.slug},
        headers={"Idempotency-Key": uuid.uuid4().hex, "X-Request-ID": request_id},
        timeout=10,
    )
    assert started.status_code == 201, started.text
    assert started.json()["status"] == "pending"
    intent_id = started.json()["stripe_payment_intent_id"]
    stripe_api(sandbox).v1.payment_intents.confirm(
        intent_id, params={"payment_method": "pm_card_visa"}
    )

    try:
        wait_for(lambda: len(smoke_smtp.accepted) == 1, timeout=40, interval=0.2)
    except AssertionError:
        raise AssertionError(f"no receipt e-mail:\n{processes.logs()}") from None
    payment = Payment.objects.get(pk=started.json()["id"])
    assert payment.status == "succeeded"
    assert Enrollment.objects.get(learner=learner, course=course).status == "active"
    succeeded = InboxEvent.objects.get(event_type="payment_intent.succeeded", object_id=intent_id)
    assert succeeded.status == "processed"
    (message,) = smoke_smtp.accepted
    assert message["To"] == learner.email
    worker_log = processes.log("worker")
    assert re.search(r"Task payments\.inbox_process_lane\[[^]]+\] succeeded", worker_log)
    assert re.search(r"Task receipts\.email\[[^]]+\] succeeded", worker_log)
    assert all(processes.alive(name) for name in ("web", "worker", "beat")), processes.logs()


def test_the_access_log_is_json_with_the_request_id_and_no_query_string(
    production: tuple[ProcessSet, str],
) -> None:
    processes, app = production
    request_id = f"smoke-{uuid.uuid4().hex}"

    requests.get(
        f"{app}/healthz?payment_intent_client_secret=pi_1_secret_2",
        headers={"X-Request-ID": request_id},
        timeout=10,
    )

    def logged() -> dict[str, object] | None:
        for line in processes.log("web").splitlines():
            if request_id in line:
                return json.loads(line)
        return None

    entry = wait_for(logged, timeout=10)
    assert entry["request_id"] == request_id
    assert (entry["method"], entry["path"], entry["status"]) == ("GET", "/healthz", 200)
    assert "secret" not in processes.log("web")


def test_metrics_add_up_web_and_worker_and_need_the_token(
    production: tuple[ProcessSet, str],
) -> None:
    processes, app = production
    InboxEvent.objects.create(
        event_id="evt_smoke",
        event_type="charge.updated",
        object_id="ch_smoke",
        payload={"id": "evt_smoke", "type": "charge.updated", "data": {"object": {}}},
    )

    hidden = requests.get(f"{app}/metrics", timeout=10)
    shown = requests.get(
        f"{app}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=10
    )

    assert hidden.status_code == 404
    assert shown.status_code == 200
    assert "coursepay_webhook_events_pending 1.0" in shown.text
    assert "django_http_requests_latency_seconds_by_view_method" in shown.text
    groups = sorted(p.name.split("-", 1)[0] for p in Path(processes.env["METRICS_DIR"]).iterdir())
    assert groups == ["web", "worker"]
