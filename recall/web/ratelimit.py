"""A per-address limit on the voters' forms (RECALL_WEB_FORM_RATE, e.g. "30/hour")."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from .. import ratelimit


def client_address(request: HttpRequest) -> str:
    """Behind one trusted proxy (RECALL_BEHIND_PROXY) the client is the address that proxy
    appended last to X-Forwarded-For; earlier entries are whatever the client claimed."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if settings.RECALL_BEHIND_PROXY and forwarded:
        return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def exceeded(request: HttpRequest, scope: str) -> bool:
    """Count this request; True when the address is over the limit for the period."""
    allowed, _wait = ratelimit.hit(f"form:{scope}", client_address(request), settings.RECALL_WEB_FORM_RATE)
    return not allowed
