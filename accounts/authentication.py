"""``Authorization: Api-Key <key>`` for accredited partners. Public endpoints need no key."""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from .models import ApiKey

KEYWORD = "Api-Key"


class PartnerUser:
    """The request's user for a partner: not a Django user, never staff."""

    is_authenticated = True
    is_staff = False
    is_superuser = False
    is_active = True

    def __init__(self, key: ApiKey) -> None:
        self.key = key
        self.client_id = key.client_id
        self.pk = None

    def __str__(self) -> str:
        return f"partner:{self.client_id}"


# Verified keys are remembered in the process for a few seconds: a partner sending hundreds of
# signatures a second does not pay a query and a hash per request. A revocation or suspension
# therefore takes effect within RECALL_API_KEY_CACHE_SECONDS.
_verified_keys: dict[str, tuple[float, ApiKey | None]] = {}


def _verified(key: str) -> ApiKey | None:
    fingerprint = hashlib.sha256(key.encode()).hexdigest()
    now = time.monotonic()
    cached = _verified_keys.get(fingerprint)
    if cached is not None and cached[0] > now:
        return cached[1]
    prefix, _dot, _secret = key.partition(".")
    api_key = ApiKey.objects.select_related("client").filter(prefix=prefix, revoked=False).first()
    if api_key is not None and not api_key.is_valid(key):
        api_key = None
    if len(_verified_keys) > 1000:
        _verified_keys.clear()
    # Unknown keys are remembered too: a flood of bad keys costs no query after the first.
    _verified_keys[fingerprint] = (now + settings.RECALL_API_KEY_CACHE_SECONDS, api_key)
    return api_key


def forget_verified_keys() -> None:
    _verified_keys.clear()


class ApiKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[PartnerUser, ApiKey] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        keyword, _sep, key = header.partition(" ")
        if keyword != KEYWORD:
            return None
        key = key.strip()
        if not key:
            raise exceptions.AuthenticationFailed(_("The Api-Key header has no key."), code="invalid_api_key")
        api_key = _verified(key)
        if api_key is None:
            raise exceptions.AuthenticationFailed(_("Unknown or revoked API key."), code="invalid_api_key")
        if api_key.has_expired:
            raise exceptions.AuthenticationFailed(_("This API key has expired."), code="expired_api_key")
        if not api_key.client.is_active:
            raise exceptions.AuthenticationFailed(
                _("This partner's accreditation is suspended."), code="client_inactive"
            )
        return PartnerUser(api_key), api_key

    def authenticate_header(self, request: Request) -> str:
        return KEYWORD
