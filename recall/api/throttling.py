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

    def __init__(self) -> None:  # the scope, and so the rate, is known only per request
        pass

    def allow_request(self, request: Request, view: APIView) -> bool:
        self.scope = "client" if isinstance(request.auth, ApiKey) else "anon"
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request: Request, view: APIView) -> str:
        ident = request.auth.prefix if isinstance(request.auth, ApiKey) else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
