"""Fixed-window request counters in the cache, for the API throttle and the voters' forms.

A counter per client and window lives in the cache (one round trip on Redis: INCRBY and
EXPIRE NX in a pipeline). For high limits (a partner's thousands a minute) a process does not
send every request: it counts locally and adds its count to the shared counter every one per
cent of the limit, and at every request once the window is that close to the limit, so the
limit is held to within one per cent per process while most requests cost no round trip.
Low limits (the voters' forms, anonymous API use) are counted at every request. If the cache
is down the request is let through: a brake on abuse must not lock everyone out.
"""

from __future__ import annotations

import contextvars
import functools
import threading
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

# The client address of the request being served (config.middleware.ClientOrigin), for limits
# the services apply per address (the texts to one phone number); "" outside a request.
_ORIGIN: contextvars.ContextVar[str] = contextvars.ContextVar("recall_client_origin", default="")


def client_origin() -> str:
    return _ORIGIN.get()


def set_client_origin(address: str) -> contextvars.Token:
    return _ORIGIN.set(address)


def reset_client_origin(token: contextvars.Token) -> None:
    _ORIGIN.reset(token)


DURATIONS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# A process sends its local count at least every limit / SYNC_SHARE requests.
SYNC_SHARE = 100


@functools.cache
def parse_rate(rate: str) -> tuple[int, int]:
    """ "30/hour" -> (30, 3600). Raises ImproperlyConfigured for anything else."""
    try:
        number, period = rate.split("/")
        return int(number), DURATIONS[period.strip()[0].lower()]
    except (ValueError, KeyError, IndexError) as exc:
        raise ImproperlyConfigured(f"Not a rate: {rate!r} (for example 30/hour)") from exc


@dataclass
class _Window:
    shared: int = 0  # the shared counter when this process last added to it
    pending: int = 0  # requests counted here and not yet added


_windows: dict[str, _Window] = {}
_lock = threading.Lock()


def hit(scope: str, ident: str, rate: str) -> tuple[bool, float]:
    """Count one request of ``ident`` under ``rate``: (allowed, seconds left in the window)."""
    limit, duration = parse_rate(rate)
    now = time.time()
    window = int(now // duration)
    key = f"recall:rate:{scope}:{ident}:{window}"
    step = limit // SYNC_SHARE
    try:
        count = _count(key, duration + 1, step, limit)
    except Exception:  # noqa: BLE001 - the cache is down
        return True, 0.0
    return count <= limit, duration - now % duration


def _count(key: str, timeout: int, step: int, limit: int) -> int:
    if step <= 1:
        return _add(key, timeout, 1)
    with _lock:
        if len(_windows) > 10_000:  # windows end; their entries are not needed any more
            _windows.clear()
        state = _windows.setdefault(key, _Window())
        state.pending += 1
        estimate = state.shared + state.pending
        if state.pending < step and estimate <= limit - step:
            return estimate
        pending, state.pending = state.pending, 0
    try:
        shared = _add(key, timeout, pending)
    except Exception:
        with _lock:
            state.pending += pending  # not sent: keep it for the next try
        raise
    with _lock:
        state.shared = max(state.shared, shared)
        return shared + state.pending


def forget_local_counts() -> None:
    """Drop what this process counted and has not sent (the tests clear the cache)."""
    with _lock:
        _windows.clear()


def _add(key: str, timeout: int, amount: int) -> int:
    if hasattr(cache, "count"):  # config.cache.RedisCache: one round trip
        return cache.count(key, timeout, amount)
    try:
        return cache.incr(key, amount)
    except ValueError:  # the window's first request
        return amount if cache.add(key, amount, timeout=timeout) else cache.incr(key, amount)
