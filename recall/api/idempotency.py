"""``Idempotency-Key`` for partners' POSTs.

The first successful answer is stored with a fingerprint of the request, in the same
transaction as the write it answers, and inserted *before* that write: two concurrent requests
with one key queue on the record's unique index, and the second one replays the first answer.
A retry with the same key and body gets the stored answer; the same key with another body is
refused (422 ``idempotency_key_reused``). Errors are not stored: a retry runs again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from rest_framework.request import Request
from rest_framework.response import Response

from ..models import IdempotencyRecord
from .errors import error_body

HEADER = "Idempotency-Key"
MAX_KEY = 255


def fingerprint(request: Request) -> str:
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def _replay(record: IdempotencyRecord, request_hash: str) -> Response:
    if record.request_hash != request_hash:
        return Response(
            error_body(
                "idempotency_key_reused",
                _("This Idempotency-Key was used with a different request."),
            ),
            status=422,
        )
    response = Response(record.response, status=record.status_code)
    response["Idempotent-Replayed"] = "true"
    return response


def run(request: Request, client_id: int, status: int, body: dict, write: Callable[[], None]) -> Response:
    """Answer ``status``/``body`` after ``write()``; with a key, exactly once per key."""
    key = request.headers.get(HEADER, "").strip()
    if not key:
        write()
        return Response(body, status=status)
    if len(key) > MAX_KEY or not key.isprintable():
        return Response(
            error_body("invalid_idempotency_key", _("An Idempotency-Key is 1 to 255 printable characters.")),
            status=400,
        )
    request_hash = fingerprint(request)
    existing = IdempotencyRecord.objects.filter(client_id=client_id, key=key).first()
    if existing is not None:
        return _replay(existing, request_hash)
    try:
        with transaction.atomic():
            IdempotencyRecord.objects.create(
                client_id=client_id, key=key, request_hash=request_hash, status_code=status, response=body
            )
            write()
    except IntegrityError as error:
        if "one_answer_per_idempotency_key" not in str(error) and "recall_idempotencyrecord" not in str(error):
            raise
        return _replay(IdempotencyRecord.objects.get(client_id=client_id, key=key), request_hash)
    return Response(body, status=status)
