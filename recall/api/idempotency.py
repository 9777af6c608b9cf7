"""``Idempotency-Key`` on partners' signature submissions.

The key and a fingerprint of the request are stored on the signature row itself, under a
unique constraint (client, key): the submission stays a single INSERT, and a retry (even one
racing the original) is answered from the row the first request wrote. A retry with the same
key and body gets the first answer; the same key with another body is refused with 422
``idempotency_key_reused``. A request that failed stored nothing, so its retry runs again.
"""

from __future__ import annotations

import hashlib
import json

from django.utils.translation import gettext as _
from rest_framework.request import Request

from ..errors import DomainError

HEADER = "Idempotency-Key"
MAX_KEY = 255
# As the schema states it: printable ASCII, not only spaces (spaces around are ignored).
PATTERN = r"^ *[!-~][ -~]{0,254}$"


class KeyReused(DomainError):
    code = "idempotency_key_reused"
    status = 422


def key_of(request: Request) -> str | None:
    raw = request.headers.get(HEADER)
    if raw is None:
        return None
    key = raw.strip()
    if not key or len(key) > MAX_KEY or not (key.isascii() and key.isprintable()):
        raise DomainError(_("An Idempotency-Key is 1 to 255 printable characters."), code="invalid_idempotency_key")
    return key


def fingerprint(request: Request) -> str:
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def check_same_request(stored_hash: str, request_hash: str) -> None:
    if stored_hash != request_hash:
        raise KeyReused(_("This Idempotency-Key was used with a different request."))
