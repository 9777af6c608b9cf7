"""One throttle for the whole API: per key for partners, per address for everyone else."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework.throttling import SimpleRateThrottle

from accounts.models import ApiKey

if TYPE_CHECKING:  # rest_framework.views imports this module through the settings
    from rest_framework.request import Request
    from rest_framework.views import APIView


class ClientRateThrottle(SimpleRateThrottle):
    """Rates in REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]: "client" per API key, "anon" per IP."""

    def get_cache_key(self, request: Request, view: APIView) -> str:
        if isinstance(request.auth, ApiKey):
            self.scope = "client"
            ident = request.auth.prefix
        else:
            self.scope = "anon"
            ident = self.get_ident(request)
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def __init__(self) -> None:  # the scope, and so the rate, is known only per request
        pass
