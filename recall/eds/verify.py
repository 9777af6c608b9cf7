"""The verification interface shared by the EDS backends.

A backend takes the CMS (SignedData) a voter's NCALayer produced, the exact statement bytes the
server issued, and the moment of verification; it returns who signed (``SignerInfo``) or raises
``EdsError`` with one of the stable codes below. The codes are what the caller maps to a message in
the voter's language; the English ``message`` is for logs and officials.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

# Stable error codes. Callers compare against these constants, never against messages.
MALFORMED = "malformed"  # not a CMS SignedData we can read, or more than one signer
CONTENT_MISMATCH = "content_mismatch"  # the signed content is not exactly the statement issued
BAD_SIGNATURE = "bad_signature"  # the signature does not verify
NOT_INDIVIDUAL = "not_individual"  # an organisation's certificate, or no IIN in it
WRONG_KEY_USAGE = "wrong_key_usage"  # an authentication key, not a signing key
# Not the NCA's profile of an individual's signing certificate (no key usage, no extended key
# usage, serverAuth only, no individual's signing policy, ...): refused whatever else it holds.
NOT_SIGNING_CERTIFICATE = "not_signing_certificate"
EXPIRED = "expired"  # not valid at the signing time or now (also: not yet valid)
REVOKED = "revoked"
UNTRUSTED_CHAIN = "untrusted_chain"  # does not chain to a configured root
REVOCATION_UNKNOWN = "revocation_unknown"  # OCSP/CRL unreachable or inconclusive: fail closed
BACKEND_UNAVAILABLE = "backend_unavailable"  # the verifier (NCANode) cannot be reached
UNSUPPORTED_ALGORITHM = "unsupported_algorithm"  # e.g. GOST in the built-in backend

ERROR_CODES = frozenset(
    {
        MALFORMED,
        CONTENT_MISMATCH,
        BAD_SIGNATURE,
        NOT_INDIVIDUAL,
        WRONG_KEY_USAGE,
        NOT_SIGNING_CERTIFICATE,
        EXPIRED,
        REVOKED,
        UNTRUSTED_CHAIN,
        REVOCATION_UNKNOWN,
        BACKEND_UNAVAILABLE,
        UNSUPPORTED_ALGORITHM,
    }
)

# Codes that say nothing about the voter's signature: the service (or a responder it depends on)
# could not decide. A caller may offer "try again later" for these instead of "invalid".
TRANSIENT_CODES = frozenset({REVOCATION_UNKNOWN, BACKEND_UNAVAILABLE})


class EdsError(Exception):
    """A signature that is refused. ``code`` is one of ``ERROR_CODES``."""

    def __init__(self, code: str, message: str, *, detail: str = "") -> None:
        if code not in ERROR_CODES:
            raise ValueError(f"unknown EDS error code {code!r}")
        super().__init__(message)
        self.code = code
        self.message = message
        self.detail = detail  # what a backend or responder said, for logs

    def __repr__(self) -> str:
        return f"EdsError({self.code!r}, {self.message!r})"


@dataclass(frozen=True)
class SignerInfo:
    """Who signed, from the certificate the state issued. Nothing here was typed by the voter."""

    iin: str  # as in the certificate; the caller validates it with recall.iin.validate
    surname: str
    given_name: str
    patronymic: str
    full_name: str  # "Surname Given Patronymic", the parts that exist
    common_name: str
    serial_number: str  # the certificate's serial, lowercase hex (as NCANode prints it)
    issuer: str  # RFC 4514 string of the issuing CA
    not_before: dt.datetime
    not_after: dt.datetime
    signing_time: dt.datetime | None  # the signingTime attribute; claimed by the signer's clock
    certificate: bytes  # DER of the signer's certificate
    backend: str = ""
    # Everything verified but the certificate's revocation status: its responder is down. The
    # signature is held (received, not counted) until the worker can ask (recall.eds.revocation).
    revocation_pending: bool = False


@runtime_checkable
class Verifier(Protocol):
    """What every backend offers. ``at`` is the verification moment (timezone-aware)."""

    name: str

    def verify(self, cms: bytes, *, expected_content: bytes, at: dt.datetime) -> SignerInfo: ...


def require_aware(at: dt.datetime) -> dt.datetime:
    """Backends compare with certificate times in UTC; a naive datetime is a caller's bug."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("'at' must be a timezone-aware datetime")
    return at.astimezone(dt.UTC)
