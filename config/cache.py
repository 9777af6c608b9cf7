"""Django's Redis cache, with one client per connection pool and a circuit breaker.

Django builds a new ``redis.Redis`` for every cache operation; constructing it (its table of
response callbacks) cost more CPU than the round trip on the sign path, which makes two cache
calls per request (throttle and verification flag). Clients are thread-safe: they borrow a
connection from the pool for each command.

When Redis is down every cache call fails at once for a few seconds after the first failure
(config.breaker) instead of waiting for a connection timeout; the callers (throttle,
verification flag, job progress) already treat a cache error as "no answer".
"""

from __future__ import annotations

import functools
from typing import Any

import redis
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient

from .breaker import Breaker

# Seconds a process stops calling Redis after a failed call.
BREAKER_SECONDS = 5.0
cache_breaker = Breaker("cache", BREAKER_SECONDS)
UNREACHABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


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


def _guarded(name: str) -> Any:
    method = getattr(RedisCache, name)

    @functools.wraps(method)
    def call(self: RedisCache, *args: Any, **kwargs: Any) -> Any:
        cache_breaker.check()
        try:
            result = method(self, *args, **kwargs)
        except UNREACHABLE as error:
            cache_breaker.trip(error)
            raise
        cache_breaker.succeeded()
        return result

    return call


class RedisCache(DjangoRedisCache):
    def __init__(self, server: Any, params: dict) -> None:
        super().__init__(server, params)
        self._class = _ReusingClient

    def count(self, key: str, timeout: int, amount: int = 1) -> int:
        """Add ``amount`` to a counter that lives ``timeout`` seconds from its first count, in
        one round trip (Django's incr() costs two, and a first add() a third)."""
        key = self.make_and_validate_key(key)
        pipeline = self._cache.get_client(key, write=True).pipeline(transaction=False)
        pipeline.incr(key, amount)
        pipeline.expire(key, timeout, nx=True)
        return pipeline.execute()[0]


for _name in (
    "add",
    "get",
    "set",
    "touch",
    "delete",
    "get_many",
    "has_key",
    "incr",
    "set_many",
    "delete_many",
    "clear",
    "count",
):
    setattr(RedisCache, _name, _guarded(_name))

# A dead server must not hold a request for long: connect and read timeouts in seconds.
DEFAULT_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 1.0}


def cache_config(config: dict) -> dict:
    """Use this backend wherever django-environ chose Django's Redis cache."""
    if config.get("BACKEND") == "django.core.cache.backends.redis.RedisCache":
        return {
            **config,
            "BACKEND": "config.cache.RedisCache",
            "OPTIONS": {**DEFAULT_OPTIONS, **config.get("OPTIONS", {})},
        }
    return config


# Each process's own memory, for what is keyed by versions kept in the shared cache: the content
# fragments of the public pages (recall.services.public.public_cache).
FRAGMENTS = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "recall-fragments",
    "OPTIONS": {"MAX_ENTRIES": 2000},
}


def caches_config(default: dict) -> dict:
    """CACHES: the shared cache (``default``) and this process's fragments."""
    return {"default": cache_config(default), "fragments": FRAGMENTS}


# --- Redis Sentinel ---------------------------------------------------------------------------------
# REDIS_SENTINELS="10.0.0.11:26379,10.0.0.12:26379,10.0.0.13:26379" and REDIS_SENTINEL_MASTER name
# a Sentinel-managed Redis: the broker (kombu's sentinel transport) and the cache both ask the
# Sentinels for the current master and follow a failover (README, "Deployment").


class _SentinelClient(_ReusingClient):
    def __init__(self, servers: list[str], **options: Any) -> None:
        self._master = options.pop("master_name")
        self._db = int(options.pop("db", 0))
        self._sentinels = [(host, int(port)) for host, _, port in (s.rpartition(":") for s in servers)]
        super().__init__(["redis://sentinel"], **options)
        self._sentinel_pool: Any = None

    def _get_connection_pool(self, write: bool) -> Any:
        if self._sentinel_pool is None:
            from redis.sentinel import Sentinel

            timeouts = {k: v for k, v in self._pool_options.items() if k.startswith("socket_")}
            sentinel = Sentinel(self._sentinels, sentinel_kwargs=timeouts, **timeouts)
            self._sentinel_pool = sentinel.master_for(self._master, db=self._db).connection_pool
        return self._sentinel_pool


class SentinelRedisCache(RedisCache):
    """The cache on the master a set of Sentinels names (LOCATION: the Sentinels, host:port)."""

    def __init__(self, server: Any, params: dict) -> None:
        super().__init__(server, params)
        self._class = _SentinelClient


def sentinel_settings(sentinels: list[str], master: str, *, broker_db: int, cache_db: int) -> dict:
    """CELERY_BROKER_URL, CELERY_BROKER_TRANSPORT_OPTIONS' additions and CACHES' default."""
    return {
        "broker_url": ";".join(f"sentinel://{s}/{broker_db}" for s in sentinels),
        "transport_options": {"master_name": master},
        "cache": {
            "BACKEND": "config.cache.SentinelRedisCache",
            "LOCATION": sentinels,
            "OPTIONS": {**DEFAULT_OPTIONS, "master_name": master, "db": cache_db},
        },
    }
