"""Requests no view should see."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse

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
