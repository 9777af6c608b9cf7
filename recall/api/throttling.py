"""One throttle for the whole API: per key for partners, per address for everyone else.

A fixed-window counter (one Redis INCR per request) rather than DRF's sliding log, which keeps
every request's timestamp in one cache entry and re-pickles it on each request: at a partner's
thousands of requests a minute that list, not the database, was the sign path's cost.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from django.core.cache import cache
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from accounts.models import ApiKey

if TYPE_CHECKING:  # rest_framework.views imports this module through the settings
    from rest_framework.request import Request
    from rest_framework.views import APIView

DURATIONS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    number, period = rate.split("/")
    return int(number), DURATIONS[period[0]]


class ClientRateThrottle(BaseThrottle):
    """Rates in REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]: "client" per API key, "anon" per IP."""

    def allow_request(self, request: Request, view: APIView) -> bool:
        if isinstance(request.auth, ApiKey):
            scope, ident = "client", request.auth.prefix
        else:
            scope, ident = "anon", self.get_ident(request)
        limit, duration = parse_rate(api_settings.DEFAULT_THROTTLE_RATES[scope])
        now = time.time()
        window = int(now // duration)
        self.retry_after = duration - (now % duration)
        key = f"recall:throttle:{scope}:{ident}:{window}"
        try:
            count = _increment(key, duration)
        except Exception:  # noqa: BLE001 - the cache is down: serve rather than refuse everyone
            return True
        return count <= limit

    def wait(self) -> float:
        return self.retry_after


def _increment(key: str, duration: int) -> int:
    try:
        return cache.incr(key)
    except ValueError:  # first request of the window
        if cache.add(key, 1, timeout=duration + 1):
            return 1
        return cache.incr(key)
