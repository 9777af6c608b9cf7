"""A per-address limit on the voters' forms (RECALL_WEB_FORM_RATE, e.g. "30/hour")."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


def client_address(request: HttpRequest) -> str:
    """Behind one trusted proxy (RECALL_BEHIND_PROXY) the client is the address that proxy
    appended last to X-Forwarded-For; earlier entries are whatever the client claimed."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if settings.RECALL_BEHIND_PROXY and forwarded:
        return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def exceeded(request: HttpRequest, scope: str) -> bool:
    """Count this request; True when the address is over the limit for the period."""
    number, period = settings.RECALL_WEB_FORM_RATE.split("/")
    key = f"recall:form-rate:{scope}:{client_address(request)}"
    try:
        if cache.add(key, 1, timeout=PERIODS[period]):
            return False
        return cache.incr(key) > int(number)
    except ValueError:  # the key expired between add and incr
        return False
    except Exception:  # noqa: BLE001 - the cache is down: do not block voters
        return False
