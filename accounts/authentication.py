"""``Authorization: Api-Key <key>`` for accredited partners. Public endpoints need no key."""

from __future__ import annotations

from typing import Any

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


class ApiKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[PartnerUser, ApiKey] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        keyword, _sep, key = header.partition(" ")
        if keyword != KEYWORD:
            return None
        key = key.strip()
        if not key:
            raise exceptions.AuthenticationFailed(_("The Api-Key header has no key."), code="invalid_api_key")
        prefix, _dot, _secret = key.partition(".")
        api_key = ApiKey.objects.select_related("client").filter(prefix=prefix, revoked=False).first()
        if api_key is None or not api_key.is_valid(key):
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

    @staticmethod
    def scheme() -> dict[str, Any]:
        return {"type": "apiKey", "in": "header", "name": "Authorization", "description": "`Api-Key <key>`"}
