import os

import pytest
from django.conf import settings
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.factories import UserFactory


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
    return UserFactory()


@pytest.fixture
def learner_client(learner) -> APIClient:
    client = APIClient()
    client.force_authenticate(learner)
    return client
