"""Error answers for every request, in the shape its client reads.

Under ``/api/`` every error is JSON with a stable code (recall.api.errors's shape), including
URLs that match no endpoint, server errors and a lost database. Elsewhere an error is a page in
the visitor's language: the voters' style, or the admin's under ``/admin/``. A database that
cannot be reached answers 503 with ``Retry-After`` instead of a server error, so clients and
load balancers retry instead of giving up.
"""

from __future__ import annotations

import logging
import sqlite3
import sys
from collections.abc import Callable

from django.contrib import admin as django_admin
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.urls import reverse
from django.utils.translation import gettext as _

logger = logging.getLogger("recall.errors")

# Seconds a client should wait before retrying after a lost database.
RETRY_AFTER_SECONDS = 30
# SQLite's driver reports a mistake in the SQL (no such function, a syntax error) as an
# OperationalError too; only these mean that the database itself cannot be used just now.
_SQLITE_UNAVAILABLE = ("locked", "busy", "unable to open", "disk i/o", "database or disk is full", "readonly")


def database_down(error: BaseException | None) -> bool:
    """True for a database that cannot be reached or used just now (a 503 that clients retry),
    False for everything else, a programming error above all: that one is a server error,
    logged as such, never an outage that would hide it."""
    if isinstance(error, InterfaceError):
        return True
    if not isinstance(error, OperationalError):
        return False
    cause = error.__cause__
    if isinstance(cause, sqlite3.Error):
        return any(words in str(cause).lower() for words in _SQLITE_UNAVAILABLE)
    # psycopg raises OperationalError only for the server's state (a lost connection, a shutdown,
    # a timeout, a deadlock); a mistake in the SQL is a ProgrammingError there.
    return True


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: ("bad_request", _("The request could not be understood.")),
        403: ("permission_denied", _("You do not have permission to do this.")),
        404: ("not_found", _("Nothing was found at this address.")),
        500: ("server_error", _("Something went wrong on our side. The error has been logged.")),
        503: ("service_unavailable", _("The service is briefly unavailable. Please try again in a minute.")),
    }


def error_response(request: HttpRequest, status: int, *, reason: str = "") -> HttpResponse:
    code, message = _messages()[status]
    if is_api(request):
        response: HttpResponse = JsonResponse({"code": code, "message": message}, status=status)
    else:
        response = HttpResponse(_page(request, status, message, reason), status=status)
    if status == 503:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _page(request: HttpRequest, status: int, message: str, reason: str) -> str:
    """The status's page (``403.html``, ``404.html``, ``500.html``; ``admin/errors/…`` under
    /admin/, in the admin's style), else the plain error page; plain text if even that fails
    (a server error's page must not raise another)."""
    admin = request.path.startswith("/admin/")
    names = [f"admin/errors/{status}.html"] if admin else []
    names += [f"{status}.html", "recall/errors/error.html"]
    context = {
        "status": status,
        "message": message,
        "title": message,
        "reason": reason,
        "base_template": "admin/base_site.html" if admin else "recall/base.html",
    }
    if admin:
        # The service's name in the admin's header (not Django's default), without
        # each_context's queries: this page may be answering a lost database.
        site = django_admin.site
        context.update(site_header=site.site_header, site_title=site.site_title, site_url=site.site_url)
    try:
        context["home_url"] = reverse("admin:index") if admin else reverse("recall:home")
        return loader.select_template(names).render(context, request)
    except Exception:
        logger.exception("could not render the error page")
        return f"{status} {message}"


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form refused by the CSRF check: the 403 page, saying why and what to do."""
    return error_response(request, 403, reason="csrf")


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_response(request, 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_response(request, 403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_response(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    # Called while the exception is being handled: a lost database met outside a view (a
    # middleware saving the session, say) is still a 503, not a server error.
    return error_response(request, 503 if database_down(sys.exc_info()[1]) else 500)


class DatabaseUnavailable:
    """A request that meets a lost database connection answers 503 with Retry-After."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if database_down(exception):
            logger.error("database unavailable for %s %s: %s", request.method, request.path, exception)
            return error_response(request, 503)
        return None
