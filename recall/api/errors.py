"""Every API error is JSON of one shape, with a stable machine ``code``:

    {"code": "invalid_iin", "message": "...", "fields": {"iin": [{"code": "invalid_iin", "message": "..."}]}}

``fields`` appears for input errors only. Codes are part of the API contract (see /api/docs/).
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from config.errors import database_down, error_response

from ..errors import DomainError


def _flatten(detail: Any) -> list[dict[str, str]]:
    """DRF's full details as a flat list of {code, message}; a list field's errors come keyed by
    the item's index and are flattened too."""
    if isinstance(detail, dict):
        if "code" in detail and "message" in detail and not isinstance(detail["message"], dict | list):
            return [{"code": str(detail["code"]), "message": str(detail["message"])}]
        return [error for value in detail.values() for error in _flatten(value)]
    if isinstance(detail, list):
        return [error for value in detail for error in _flatten(value)]
    return [{"code": "invalid", "message": str(detail)}]


def _field_errors(detail: Any) -> dict[str, list[dict[str, str]]]:
    if isinstance(detail, dict):
        return {str(field): _flatten(errors) for field, errors in detail.items()}
    return {"non_field_errors": _flatten(detail)}


def error_body(code: str, message: str, fields: dict | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    body.update(extra)
    return body


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, DomainError):
        fields = {exc.field: [{"code": exc.code, "message": str(exc.message)}]} if exc.field else None
        return Response(error_body(exc.code, str(exc.message), fields), status=exc.status)
    if isinstance(exc, RequestDataTooBig):
        return Response(error_body("too_large", "The request body is too large."), status=413)
    if database_down(exc):
        response = error_response(context["request"], 503)
        return Response(json.loads(response.content), status=503, headers={"Retry-After": response["Retry-After"]})
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _field_errors(exc.get_full_details())
        codes = {e["code"] for errors in fields.values() for e in errors}
        code = codes.pop() if len(codes) == 1 else "invalid"
        first = next(iter(next(iter(fields.values()))), {}).get("message", "Invalid input.")
        response.data = error_body(code, first if code != "invalid" else "Invalid input.", fields)
    elif isinstance(exc, exceptions.Throttled):
        response.data = error_body("throttled", str(exc.detail), retry_after=exc.wait and int(exc.wait + 0.999))
    elif isinstance(exc, exceptions.APIException):
        detail = exc.get_full_details()
        code = detail.get("code", exc.default_code) if isinstance(detail, dict) else exc.default_code
        message = detail.get("message", str(exc.detail)) if isinstance(detail, dict) else str(exc.detail)
        response.data = error_body(str(code), str(message))
    return response
