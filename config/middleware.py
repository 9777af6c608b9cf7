"""Requests no view should see."""

from __future__ import annotations

import functools
from collections.abc import Callable

from csp.constants import HEADER
from csp.middleware import CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.contrib.auth import middleware as auth_middleware
from django.contrib.messages import middleware as messages_middleware
from django.contrib.sessions import middleware as sessions_middleware
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseBase, JsonResponse
from django_otp import middleware as otp_middleware

from recall import ratelimit, text
from recall.web.ratelimit import client_address

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# Longer URLs are refused by the application (JSON under /api/); gunicorn is started with
# --limit-request-line 8190, so only the application's answer is seen below that.
MAX_URL = 4096


class RejectNullCharacters:
    """A NUL character in the path or the query string is malformed input (PostgreSQL text
    cannot hold it): answer 400 here instead of failing deep in a query. A form's fields are
    refused here too when they hold any character no text field takes (recall.text)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            "\x00" in request.path
            or "\x00" in request.META.get("QUERY_STRING", "")
            or any("\x00" in value for values in request.GET.lists() for value in values[1])
        ):
            if request.path.startswith("/api/"):
                return JsonResponse({"code": "invalid", "message": "Null characters are not allowed."}, status=400)
            return HttpResponseBadRequest("Null characters are not allowed.", content_type="text/plain")
        # A form's fields (the API's JSON bodies are checked by its parser): a browser cannot
        # send a lone surrogate in a form, but a non-character it can, and a script anything.
        if (
            request.method == "POST"
            and not request.path.startswith("/api/")
            and request.content_type in FORM_TYPES
            and any(text.refused(value) for values in request.POST.lists() for value in values[1])
        ):
            return HttpResponseBadRequest(text.MESSAGE, content_type="text/plain")
        if len(request.get_full_path()) > MAX_URL:
            if request.path.startswith("/api/"):
                return JsonResponse({"code": "uri_too_long", "message": "The URL is too long."}, status=414)
            return HttpResponse("The URL is too long.", status=414, content_type="text/plain")
        return self.get_response(request)


class ClientOrigin:
    """The request's client address, for the limits the services keep per address (the texts
    one address may have sent to one phone number: recall.services.signing.codes.phone_limits)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        token = ratelimit.set_client_origin(client_address(request))
        try:
            return self.get_response(request)
        finally:
            ratelimit.reset_client_origin(token)


class PrivateByDefault:
    """An answer that did not say it may be kept is kept by no one: ``Cache-Control: no-store``.
    The public pages and the API's public reads say ``public`` themselves (the public cache),
    static files are whitenoise's; everything else (a voter's own data, a receipt, a form with
    its CSRF token, the officials' and deputies' pages) may hold personal data, and a shared
    computer's browser, a proxy or a CDN must not keep it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            response["Cache-Control"] = "no-store, private"
        return response


_CUSTOM_POLICY = ("_csp_config", "_csp_update", "_csp_replace", "_csp_exempt")


class ContentSecurityPolicy(CSPMiddleware):
    """django-csp's middleware, with the site-wide header built once: django-csp builds it for
    every response, which cost as much as a cache round trip. A response that changes the
    policy (a view decorator) or a request that used a nonce goes the library's way."""

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if (
            getattr(request, "_csp_nonce", None) is not None
            or any(hasattr(response, attr) or hasattr(response, attr + "_ro") for attr in _CUSTOM_POLICY)
            or getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
            or (getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}).get("EXCLUDE_URL_PREFIXES")
            or HEADER in response
            or (settings.DEBUG and response.status_code in (404, 500))
        ):
            return super().process_response(request, response)
        response[HEADER] = _site_policy()
        return response


@functools.cache
def _site_policy() -> str:
    return build_policy()


@receiver(setting_changed)
def _forget_policy(*, setting: str, **kwargs: object) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _site_policy.cache_clear()


# --- The partner API's lean path ------------------------------------------------------------------
# The REST API authenticates with API keys, sets no cookie and renders no page: sessions, CSRF,
# the signed-in user and their second factor and messages are the site's and the admin's. Under API_PREFIX these middleware step aside (the sign path is the hottest
# request of the service; bench/sign_profile.py measures what each middleware costs). They are
# subclasses of Django's, so the system checks that look for them still find them.
API_PREFIX = "/api/"


def site_only(base: type) -> type:
    """``base``, skipped for requests under API_PREFIX."""

    class SiteOnly(base):  # type: ignore[misc, valid-type]
        def __call__(self, request: HttpRequest) -> HttpResponseBase:
            if request.path_info.startswith(API_PREFIX):
                return self.get_response(request)
            return super().__call__(request)

        if hasattr(base, "process_view"):

            def process_view(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponseBase | None:
                if request.path_info.startswith(API_PREFIX):
                    return None
                return super().process_view(request, *args, **kwargs)

    SiteOnly.__name__ = SiteOnly.__qualname__ = f"SiteOnly{base.__name__}"
    SiteOnly.__doc__ = f"{base.__module__}.{base.__name__}, except under {API_PREFIX}."
    return SiteOnly


SessionMiddleware = site_only(sessions_middleware.SessionMiddleware)
AuthenticationMiddleware = site_only(auth_middleware.AuthenticationMiddleware)
OTPMiddleware = site_only(otp_middleware.OTPMiddleware)
MessageMiddleware = site_only(messages_middleware.MessageMiddleware)
