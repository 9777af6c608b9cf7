"""Fixed-window request counters in the cache, for the API throttle and the voters' forms.

One INCR per request (a first request in a window also ADDs the key). If the cache is down
the request is let through: a brake on abuse must not lock everyone out.
"""

from __future__ import annotations

import functools
import time

from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

DURATIONS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@functools.cache
def parse_rate(rate: str) -> tuple[int, int]:
    """ "30/hour" -> (30, 3600). Raises ImproperlyConfigured for anything else."""
    try:
        number, period = rate.split("/")
        return int(number), DURATIONS[period.strip()[0].lower()]
    except (ValueError, KeyError, IndexError) as exc:
        raise ImproperlyConfigured(f"Not a rate: {rate!r} (for example 30/hour)") from exc


def hit(scope: str, ident: str, rate: str) -> tuple[bool, float]:
    """Count one request of ``ident`` under ``rate``: (allowed, seconds left in the window)."""
    limit, duration = parse_rate(rate)
    now = time.time()
    key = f"recall:rate:{scope}:{ident}:{int(now // duration)}"
    try:
        try:
            count = cache.incr(key)
        except ValueError:  # the window's first request
            count = 1 if cache.add(key, 1, timeout=duration + 1) else cache.incr(key)
    except Exception:  # noqa: BLE001 - the cache is down
        return True, 0.0
    return count <= limit, duration - now % duration
