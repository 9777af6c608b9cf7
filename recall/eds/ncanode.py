"""The NCANode backend: GOST 34.10-2015 and RSA signatures, verified by NCANode v3 over HTTP.

NCANode (github.com/malikzh/NCANode, MIT) wraps the NCA's Kalkan SDK. Its v3 API, as in its
``openapi.yml`` and the DTOs under ``src/main/java/kz/ncanode/dto`` (``CmsController``,
``CmsService.verify``):

``POST {base}/cms/verify`` with ``{"cms": "<base64>", "revocationCheck": ["OCSP", "CRL"],
"data": "<base64, for a detached CMS only>"}`` answers::

    {"status": 200, "message": "OK", "valid": true,
     "signers": [{"certificates": [CertificateInfo, ...], "tsp": {...}}]}

(``openapi.yml`` names the inner list ``signers``; the Java DTO ``CmsSignerInfo`` that is
actually serialised names it ``certificates``: both are read.) A ``CertificateInfo`` is::

    {"valid": true, "revocations": [{"revoked": false, "by": "OCSP", "revocationTime": null,
     "reason": "OK"}], "notBefore": "2022-05-02T08:38:13.000+00:00", "notAfter": "...",
     "keyUsage": "SIGN" | "AUTH" | "UNKNOWN", "serialNumber": "<hex>", "signAlg": "...",
     "keyUser": ["INDIVIDUAL", ...], "publicKey": "...", "signature": "...",
     "subject": {"commonName", "surName", "lastName" (the GIVENNAME: the patronymic), "iin",
                 "bin", "organization", "country", "dn", ...}, "issuer": {...}}

Errors are ``{"status": 400|500, "message": "..."}`` with that HTTP status. ``POST
{base}/cms/extract`` with ``{"cms": "<base64>"}`` answers ``{"data": "<base64>"}``: the content
NCANode sees as signed, compared here with the statement issued.

What NCANode decides: the signature (``valid``), the issuer among its CA certificates
(``NCANODE_CA_URL``), the validity dates *now*, OCSP (``NCANODE_OCSP_URL``: an answer other than
good makes the certificate invalid, so it fails closed) and CRL (from its cached CRLs). What is
checked here besides, on the certificate inside the CMS (parsed without crypto, so GOST is
fine): that NCANode verified that very certificate (same serial number), the statement, the
individual's certificate and signing key, and the validity at the signing time.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

import requests

from . import outages, profile
from .parse import ParsedCms, decode_cms, parse_cms
from .verify import (
    BACKEND_UNAVAILABLE,
    BAD_SIGNATURE,
    CONTENT_MISMATCH,
    EXPIRED,
    MALFORMED,
    NOT_INDIVIDUAL,
    REVOCATION_UNKNOWN,
    REVOKED,
    UNTRUSTED_CHAIN,
    WRONG_KEY_USAGE,
    EdsError,
    SignerInfo,
    require_aware,
)

REVOCATION_CHECKS = ("OCSP", "CRL")
ORGANISATION_USERS = frozenset({"ORGANIZATION", "CEO", "CAN_SIGN", "CAN_SIGN_FINANCIAL", "HR", "EMPLOYEE"})
# NCANode's OcspService says this when the issuer is not among its CA certificates.
_NO_ROOT = "cannot find root certificate"


class NcaNodeVerifier:
    """Asks NCANode (``base_url``, e.g. ``http://ncanode:14579``) to verify each CMS.

    ``revocation_checks``: what NCANode is told to check, "OCSP" and/or "CRL" (default both).
    ``timeout``: seconds for each request; NCANode waits for the OCSP responder itself.
    """

    name = "ncanode"

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 15.0,
        revocation_checks: Iterable[str] = REVOCATION_CHECKS,
        session: requests.Session | None = None,
        store: outages.Store | None = None,
        down_seconds: float = 30.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        # NCANode that did not answer in time is skipped by every process sharing the store for
        # ``down_seconds``: requests fail at once (503) instead of each waiting its timeout.
        self.store = store if store is not None else outages.MemoryStore()
        self.down = outages.Policy(down_seconds=down_seconds)
        self.revocation_checks = [check.upper() for check in revocation_checks]
        unknown = set(self.revocation_checks) - set(REVOCATION_CHECKS)
        if unknown or not self.revocation_checks:
            raise ValueError(f"revocation_checks must be a non-empty subset of {REVOCATION_CHECKS}")
        self.session = session or requests.Session()

    def verify(self, cms: bytes, *, expected_content: bytes, at: dt.datetime) -> SignerInfo:
        at = require_aware(at)
        der = decode_cms(cms)
        parsed = parse_cms(der)
        _check_content(parsed, expected_content)
        # The certificate's own fields first: a clear answer without a round trip.
        subject = profile.check_individual(parsed.certificate)
        profile.check_signing_key(parsed.certificate)
        profile.check_validity(parsed.certificate, at=at, signing_time=parsed.signing_time)
        cms_b64 = base64.b64encode(der).decode("ascii")
        request: dict[str, Any] = {"cms": cms_b64, "revocationCheck": self.revocation_checks}
        if parsed.content is None:
            request["data"] = base64.b64encode(expected_content).decode("ascii")  # detached
        answer = self._post("/cms/verify", request)
        certificate = self._signer_certificate(answer, parsed)
        # NCANode's reading of the same certificate must agree.
        _check_holder(certificate)
        if certificate.get("keyUsage") == "AUTH":
            raise EdsError(WRONG_KEY_USAGE, "This is an authentication key (AUTH); sign with your signing key.")
        _check_dates(certificate, at)
        _check_status(answer, certificate, self.revocation_checks)
        if parsed.content is not None:
            self._check_extracted(cms_b64, expected_content)
        return profile.signer_info(parsed.certificate, subject, signing_time=parsed.signing_time, backend=self.name)

    def _check_extracted(self, cms_b64: str, expected_content: bytes) -> None:
        """What NCANode itself reads as the signed content must be the statement, byte for byte."""
        answer = self._post("/cms/extract", {"cms": cms_b64})
        try:
            data = base64.b64decode(str(answer.get("data") or ""), validate=True)
        except (binascii.Error, ValueError):
            raise EdsError(BACKEND_UNAVAILABLE, "NCANode returned unreadable content.")
        if data != expected_content:
            raise EdsError(CONTENT_MISMATCH, "The signed text is not the statement issued for this petition.")

    def _post(self, path: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        url = self.base_url + path
        if outages.is_down(self.store, url):
            raise EdsError(
                BACKEND_UNAVAILABLE, "The signature verifier (NCANode) is not reachable.", detail="marked down"
            )
        try:
            response = self.session.post(url, json=payload, timeout=self.timeout)
        except requests.RequestException as exc:
            if isinstance(exc, requests.ConnectionError | requests.Timeout):
                outages.mark_down(self.store, url, self.down, exc)
            raise EdsError(BACKEND_UNAVAILABLE, "The signature verifier (NCANode) is not reachable.", detail=repr(exc))
        body = _json(response)
        if response.status_code >= 500 or body is None:
            raise EdsError(
                BACKEND_UNAVAILABLE,
                "The signature verifier (NCANode) failed.",
                detail=f"HTTP {response.status_code}: {response.text[:300]}",
            )
        if response.status_code >= 400:
            # The CMS parsed here, so NCANode refusing it means Kalkan could not verify it
            # (a digest that does not match the content, an unsupported algorithm...).
            raise EdsError(BAD_SIGNATURE, "The signature could not be verified.", detail=str(body.get("message") or ""))
        return body

    def _signer_certificate(self, answer: Mapping[str, Any], parsed: ParsedCms) -> dict[str, Any]:
        signers = answer.get("signers")
        if not isinstance(signers, list) or len(signers) != 1 or not isinstance(signers[0], dict):
            raise EdsError(MALFORMED, "NCANode did not find exactly one signer.", detail=repr(signers)[:300])
        certificates = signers[0].get("certificates") or signers[0].get("signers") or []
        serial = format(parsed.certificate.serial_number, "x")
        for certificate in certificates:
            if isinstance(certificate, dict) and str(certificate.get("serialNumber", "")).lower().lstrip("0") == (
                serial.lstrip("0")
            ):
                return certificate
        raise EdsError(MALFORMED, "NCANode verified another certificate than the one in the signature.", detail=serial)


def _check_content(parsed: ParsedCms, expected_content: bytes) -> None:
    """Refuse another text before asking NCANode. A detached signature's messageDigest can be
    compared here when it is a standard digest (GOST 34.11 ones are left to NCANode)."""
    if parsed.content is not None:
        if parsed.content != expected_content:
            raise EdsError(CONTENT_MISMATCH, "The signed text is not the statement issued for this petition.")
        return
    if parsed.message_digest is None or parsed.digest_algorithm not in hashlib.algorithms_guaranteed:
        return
    if hashlib.new(parsed.digest_algorithm, expected_content).digest() != parsed.message_digest:
        raise EdsError(CONTENT_MISMATCH, "The signature was made over another text than the statement issued.")


def _check_holder(certificate: Mapping[str, Any]) -> None:
    users = set(certificate.get("keyUser") or [])
    subject = certificate.get("subject") or {}
    if users & ORGANISATION_USERS or subject.get("bin") or subject.get("organization"):
        raise EdsError(NOT_INDIVIDUAL, "This is an organisation's certificate; sign with your personal key.")


def _check_dates(certificate: Mapping[str, Any], at: dt.datetime) -> None:
    not_before, not_after = parse_time(certificate.get("notBefore")), parse_time(certificate.get("notAfter"))
    if (not_before and at < not_before) or (not_after and at > not_after):
        raise EdsError(EXPIRED, "The certificate is not valid now.")


def _check_status(answer: Mapping[str, Any], certificate: Mapping[str, Any], checks: list[str]) -> None:
    """Turn NCANode's flags into one code. Order: revoked, untrusted, unknown status, signature."""
    revocations = [r for r in certificate.get("revocations") or [] if isinstance(r, dict)]
    revoked = [r for r in revocations if r.get("revoked")]
    if revoked:
        raise EdsError(REVOKED, "The certificate has been revoked.", detail=f"by {revoked[0].get('by')}")
    if certificate.get("valid") is not True:
        reasons = " ".join(str(r.get("reason") or "") for r in revocations).lower()
        if _NO_ROOT in reasons:
            raise EdsError(UNTRUSTED_CHAIN, "The certificate is not issued by a trusted authority.", detail=reasons)
        answered = {str(r.get("by")) for r in revocations if str(r.get("reason") or "").upper() == "OK"}
        crl_answered = any(r.get("by") == "CRL" for r in revocations)
        if ("OCSP" in checks and "OCSP" not in answered) or ("CRL" in checks and not crl_answered):
            raise EdsError(
                REVOCATION_UNKNOWN,
                "The certificate's revocation status could not be checked; try again later.",
                detail=reasons,
            )
        raise EdsError(UNTRUSTED_CHAIN, "The certificate is not issued by a trusted authority.", detail=reasons)
    if answer.get("valid") is not True:
        raise EdsError(BAD_SIGNATURE, "The signature does not match the certificate.")


def parse_time(value: object) -> dt.datetime | None:
    """NCANode's dates: Jackson's ISO form ("2022-05-02T08:38:13.000+00:00") or epoch millis."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return dt.datetime.fromtimestamp(value / 1000, dt.UTC)
    if isinstance(value, str) and value:
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    return None


def _json(response: requests.Response) -> dict[str, Any] | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None
