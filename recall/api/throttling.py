"""One throttle for the whole API: per key for partners, per address for everyone else
(a fixed-window counter, recall.ratelimit: DRF's sliding log re-pickles every request's
timestamp on each request, which at a partner's rate cost more than the database)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from accounts.models import ApiKey

from .. import ratelimit

if TYPE_CHECKING:  # rest_framework.views imports this module through the settings
    from rest_framework.request import Request
    from rest_framework.views import APIView


class ClientRateThrottle(BaseThrottle):
    """Rates in REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]: "client" per API key, "anon" per IP."""

    def allow_request(self, request: Request, view: APIView) -> bool:
        if isinstance(request.auth, ApiKey):
            scope, ident = "client", request.auth.prefix
        else:
            scope, ident = "anon", self.get_ident(request)
        allowed, self.retry_after = ratelimit.hit(scope, ident, api_settings.DEFAULT_THROTTLE_RATES[scope])
        return allowed

    def wait(self) -> float:
        return self.retry_after
