"""deploy/: the compose file, the Dockerfile and the alert rules say what the Procfile says.

No container engine runs here: these tests read the files (YAML structure, commands, secrets),
they do not build the image.
"""

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from tests.celery_worker import wait_for
from tests.ops.test_procfile_smoke import procfile
from tests.receipts.support import free_port

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SECRETS = ("SECRET_KEY", "DATABASE_URL", "STRIPE_SECRET_KEY", "METRICS_TOKEN")
APP_SERVICES = ("release", "web", "worker", "beat")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def test_compose_runs_the_procfile_processes_beside_postgres_and_redis(compose) -> None:
    services = compose["services"]
    processes = procfile()

    assert set(services) == {"postgres", "redis", *APP_SERVICES}
    for name in ("web", "worker", "beat"):
        assert " ".join(services[name]["command"]) == processes[name].replace(
            "${CELERY_BEAT_SCHEDULE_FILE:-/tmp/coursepay-celerybeat-schedule}",
            "/tmp/coursepay-celerybeat-schedule",
        )
    assert services["release"]["command"][-1] == processes["release"]


def test_compose_gives_every_secret_as_a_file_never_as_a_value(compose) -> None:
    declared = set(compose["secrets"])
    for name in APP_SERVICES:
        service = compose["services"][name]
        environment = service["environment"]
        assert environment["DJANGO_ENV"] == "production"
        for secret in SECRETS:
            assert secret not in environment
            path = environment[f"{secret}_FILE"]
            assert path.startswith("/run/secrets/")
            assert path.removeprefix("/run/secrets/") in service["secrets"]
        assert set(service["secrets"]) <= declared
    assert compose["services"]["postgres"]["environment"]["POSTGRES_PASSWORD_FILE"]
    assert all(entry["file"].startswith("./secrets/") for entry in compose["secrets"].values())


def test_compose_runs_the_release_once_before_the_processes(compose) -> None:
    services = compose["services"]

    assert services["release"]["restart"] == "no"
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["release"] == {
            "condition": "service_completed_successfully"
        }
        assert services[name]["depends_on"]["postgres"] == {"condition": "service_healthy"}


def test_compose_shares_receipts_and_metrics_between_web_and_worker(compose) -> None:
    web, worker = compose["services"]["web"], compose["services"]["worker"]

    assert web["volumes"] == worker["volumes"]
    assert web["environment"]["METRICS_DIR"] in " ".join(web["volumes"])
    assert "/healthz" in " ".join(web["healthcheck"]["test"])


def test_the_image_is_built_locked_as_a_non_root_user_with_weasyprints_libraries() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()

    assert "\nFROM python:3.11-slim" in dockerfile
    assert "uv sync --frozen --no-dev" in dockerfile
    for library in ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0", "fonts-dejavu"):
        assert library in dockerfile
    assert "manage.py collectstatic --no-input" in dockerfile
    users = [line for line in dockerfile.splitlines() if line.startswith("USER ")]
    assert users
    assert users[-1] not in ("USER root", "USER 0")
    assert 'CMD ["gunicorn", "-c", "config/gunicorn.py", "config.wsgi"]' in dockerfile
    assert "deploy/secrets" in (DEPLOY / "Dockerfile.dockerignore").read_text()


def test_the_alert_rules_cover_webhook_lag_stripe_errors_and_failed_events() -> None:
    rules = yaml.safe_load((DEPLOY / "alerts.yml").read_text())["groups"][0]["rules"]
    expressions = {rule["alert"]: rule["expr"] for rule in rules}

    assert "coursepay_webhook_oldest_pending_age_seconds" in expressions["CoursepayWebhookLag"]
    assert "coursepay_stripe_requests_total" in expressions["CoursepayStripeErrorRate"]
    assert "coursepay_webhook_events_failed_total" in expressions["CoursepayWebhookEventsFailed"]


def test_gunicorn_accepts_its_configuration(tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
        "DJANGO_ENV": "dev",
        "METRICS_DIR": str(tmp_path),
        "PORT": "8123",
    }
    gunicorn = Path(sys.executable).parent / "gunicorn"

    checked = subprocess.run(
        [str(gunicorn), "-c", "config/gunicorn.py", "--print-config", "config.wsgi"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert checked.returncode == 0, checked.stderr[-2000:]
    config = {
        name.strip(): value.strip()
        for name, _, value in (line.partition(" = ") for line in checked.stdout.splitlines())
    }
    assert config["bind"] == "['0.0.0.0:8123']"
    assert config["worker_class"] == "gthread"
    assert config["preload_app"] == "True"
    assert 1 <= int(config["workers"]) <= 12


def test_gunicorn_serves_the_admins_static_files_as_make_run_starts_it(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
        "DJANGO_ENV": "dev",
        "METRICS_DIR": str(tmp_path),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
    }
    gunicorn = Path(sys.executable).parent / "gunicorn"
    server = subprocess.Popen(
        [str(gunicorn), "-c", "config/gunicorn.py", "config.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: _get(f"http://127.0.0.1:{port}/healthz"), timeout=30, interval=0.2)

        css = requests.get(f"http://127.0.0.1:{port}/static/admin/css/base.css", timeout=10)
    finally:
        server.terminate()
        server.wait(timeout=20)

    assert css.status_code == 200
    assert css.headers["Content-Type"].startswith("text/css")
    assert b"body" in css.content


def _get(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False
