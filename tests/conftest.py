import os
from collections.abc import Iterator

import pytest
import stripe
from django.conf import settings
from django.core.cache import cache
from rest_framework.test import APIClient

from payments.gateway import _gateway, get_gateway
from stripe_sandbox.testing import RunningSandbox, start_sandbox
from tests.celery_worker import celery_worker  # noqa: F401 (a fixture: real Celery workers)
from tests.factories import UserFactory
from tests.payments.fakes import FakeGateway
from tests.receipts.support import SmtpSink


def pytest_report_header(config: pytest.Config) -> list[str]:
    database = settings.DATABASES["default"]
    vendor = database["ENGINE"].rsplit(".", 1)[-1]
    return [
        f"database: {vendor} {database.get('HOST') or database['NAME']}",
        f"redis: {settings.REDIS_URL or 'absent (cache in memory, Celery eager)'}",
    ]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL to a postgres:// URL")
    skip_redis = pytest.mark.skip(reason="needs Redis: set REDIS_URL")
    on_postgres = os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql"))
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip_pg)
        if "redis" in item.keywords and not settings.REDIS_URL:
            item.add_marker(skip_redis)


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Throttle counters live in the cache: each test starts with none."""
    cache.clear()


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def learner(db):
    return UserFactory.create()


@pytest.fixture
def learner_client(learner) -> APIClient:
    client = APIClient()
    client.force_authenticate(learner)
    return client


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[RunningSandbox]:
    """One Stripe sandbox for the whole run, on a free loopback port."""
    running = start_sandbox()
    yield running
    running.stop()


@pytest.fixture
def sandbox(sandbox_server: RunningSandbox, settings) -> Iterator[RunningSandbox]:
    """The sandbox, emptied, with the app and dj-stripe pointed at it. Emptied again at the
    end, while this test's database is still there: its webhooks in flight are answered and
    those still queued are dropped, so none reaches the app during another test."""
    sandbox_server.reset()
    settings.STRIPE_API_BASE = sandbox_server.url
    previous_base, stripe.api_base = stripe.api_base, sandbox_server.url  # dj-stripe's global
    yield sandbox_server
    sandbox_server.reset()
    stripe.api_base = previous_base


@pytest.fixture
def fake_gateway(settings) -> Iterator[FakeGateway]:
    """The in-memory gateway, selected the way production selects Stripe's: by the setting."""
    settings.PAYMENTS_GATEWAY = "tests.payments.fakes.FakeGateway"
    _gateway.cache_clear()
    gateway = get_gateway()
    assert isinstance(gateway, FakeGateway)
    yield gateway
    _gateway.cache_clear()


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    """An SMTP server on loopback that records what it accepts (and can fail or stall)."""
    sink = SmtpSink().start()
    yield sink
    sink.stop()
