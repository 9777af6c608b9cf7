"""Requests no view should see."""

from __future__ import annotations

import functools
from collections.abc import Callable

from csp.constants import HEADER
from csp.middleware import CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseBase, JsonResponse

# Longer URLs are refused by the application (JSON under /api/); gunicorn is started with
# --limit-request-line 8190, so only the application's answer is seen below that.
MAX_URL = 4096


class RejectNullCharacters:
    """A NUL character in the path or the query string is malformed input (PostgreSQL text
    cannot hold it): answer 400 here instead of failing deep in a query. Forms and API fields
    already refuse it in bodies."""

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
        if len(request.get_full_path()) > MAX_URL:
            if request.path.startswith("/api/"):
                return JsonResponse({"code": "uri_too_long", "message": "The URL is too long."}, status=414)
            return HttpResponse("The URL is too long.", status=414, content_type="text/plain")
        return self.get_response(request)


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
