"""Django's Redis cache, with one client object per connection pool instead of one per call.

Django builds a new ``redis.Redis`` for every cache operation; constructing it (its table of
response callbacks) cost more CPU than the round trip on the sign path, which makes two cache
calls per request (throttle and verification flag). Clients are thread-safe: they borrow a
connection from the pool for each command.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class _ReusingClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server: Any, params: dict) -> None:
        super().__init__(server, params)
        self._class = _ReusingClient


def cache_config(config: dict) -> dict:
    """Use this backend wherever django-environ chose Django's Redis cache."""
    if config.get("BACKEND") == "django.core.cache.backends.redis.RedisCache":
        return {**config, "BACKEND": "config.cache.RedisCache"}
    return config
