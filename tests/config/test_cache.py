"""The Redis cache shares one client per connection pool (`config.cache`)."""

from typing import Any, cast

import pytest
from django.conf import settings
from django.core.cache import caches

pytestmark = pytest.mark.redis


def test_the_configured_cache_stores_reads_and_deletes_values_in_redis() -> None:
    cache = caches["default"]

    cache.set("shared-client", {"n": 1}, timeout=60)
    cache.set_many({"a": 1, "b": 2}, timeout=60)
    cache.delete("b")

    assert settings.CACHES["default"]["BACKEND"] == "config.cache.SharedClientRedisCache"
    assert cache.get("shared-client") == {"n": 1}
    assert cache.get_many(["a", "b"]) == {"a": 1}
    assert cache.incr("a") == 2


def test_every_operation_of_a_cache_uses_the_same_client() -> None:
    client = cast(Any, caches["default"])._cache

    assert client.get_client(write=True) is client.get_client("any-key")
