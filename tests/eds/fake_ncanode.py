"""A local stand-in for NCANode v3, speaking its documented ``/cms/verify`` and ``/cms/extract``.

It mirrors NCANode's own logic (``CmsService.verify``, ``CertificateWrapper``,
``CertificateService.attachValidationData``, ``OcspService``, ``CrlService`` in
github.com/malikzh/NCANode) on top of the built-in backend's CMS reading and signature check:

* the signature must verify; a messageDigest that does not match the content is a 400 (Kalkan
  throws ``CMSSignerDigestMismatchException``, which NCANode turns into a ClientException);
* the issuer must be one of the configured CA certificates (``NCANODE_CA_URL``), found by name
  and signature; the certificate and the issuer must be valid *now*;
* OCSP goes to the configured responder (``NCANODE_OCSP_URL``), not the certificate's AIA, with
  a SHA-256 CertID and a nonce; anything but "good" makes the certificate invalid;
* CRL: the configured CRLs (``NCANODE_CRL_URL``) are fetched; one that cannot be fetched is
  skipped, and a certificate in no CRL is "active" (NCANode's CRL check fails open);
* the JSON shapes, key usage (SIGN/AUTH/UNKNOWN from the keyUsage bits), key users (from the
  extended key usage OIDs), subject fields and Jackson's date format are NCANode's.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler
from typing import Any

import requests
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from cryptography.x509.oid import NameOID

from recall.eds.builtin import verify_signature
from recall.eds.parse import ParsedCms, parse_cms
from recall.eds.verify import BAD_SIGNATURE, EdsError

from .responder import QuietServer

KEY_USERS = {  # NCANode's CertificateKeyUser
    "1.2.398.3.3.4.1.1": "INDIVIDUAL",
    "1.2.398.3.3.4.1.2": "ORGANIZATION",
    "1.2.398.3.3.4.1.2.1": "CEO",
    "1.2.398.3.3.4.1.2.2": "CAN_SIGN",
    "1.2.398.3.3.4.1.2.3": "CAN_SIGN_FINANCIAL",
    "1.2.398.3.3.4.1.2.4": "HR",
    "1.2.398.3.3.4.1.2.5": "EMPLOYEE",
    "1.2.398.3.3.4.2": "NCA_PRIVILEGES",
    "1.2.398.3.3.4.3": "IDENTIFICATION",
}
NO_ROOT = "Cannot find root certificate in NCANode. Try add it using NCANODE_CA_URL variable."
_DN_NAMES = {
    NameOID.SURNAME: "SURNAME",
    NameOID.GIVEN_NAME: "GIVENNAME",
    NameOID.SERIAL_NUMBER: "SERIALNUMBER",
    NameOID.EMAIL_ADDRESS: "EMAILADDRESS",
}


class FakeNCANode:
    """``ca_certs``: the CA certificates NCANode trusts (it checks only the direct issuer).
    ``mode``: "up", "down" (connections dropped), "error" (HTTP 500) or "slow" (answers after
    ``delay`` seconds)."""

    def __init__(
        self, *, ca_certs: list[x509.Certificate], ocsp_url: str, crl_urls: list[str], timeout: float = 3.0
    ) -> None:
        self.ca_certs = ca_certs
        self.ocsp_url = ocsp_url
        self.crl_urls = crl_urls
        self.timeout = timeout
        self.mode = "up"
        self.delay = 0.0
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self._server = QuietServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeNCANode:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- endpoints -------------------------------------------------------------------------

    def cms_verify(self, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        parsed, error = _parse(payload.get("cms"))
        if error:
            return error
        content = parsed.content
        if content is None:
            try:
                content = base64.b64decode(payload.get("data") or "", validate=True) if payload.get("data") else None
            except binascii.Error:
                return _error(400, "Illegal base64 character")
        if content is None:
            return _error(400, "CMS doesn't have signed content")
        if (
            parsed.message_digest is not None
            and parsed.message_digest != hashlib.new(parsed.digest_algorithm, content).digest()
        ):
            return _error(400, "message-digest attribute value does not match calculated value")
        try:
            verify_signature(parsed, content)
            signature_ok = True
        except EdsError as exc:
            if exc.code != BAD_SIGNATURE:
                return _error(400, exc.message)
            signature_ok = False
        checks = {str(check).upper() for check in payload.get("revocationCheck") or []}
        info = self.certificate_info(x509.load_der_x509_certificate(parsed.certificate.dump()), checks)
        body = {
            "status": 200,
            "message": "OK",
            "valid": signature_ok and info["valid"],
            "signers": [{"certificates": [info], "tsp": None}],
        }
        return 200, body

    def cms_extract(self, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        parsed, error = _parse(payload.get("cms"))
        if error:
            return error
        if parsed.content is None:
            return _error(400, "CMS doesn't have signed content")
        return 200, {"status": 200, "message": "OK", "data": base64.b64encode(parsed.content).decode()}

    # --- NCANode's certificate checks ------------------------------------------------------

    def certificate_info(self, cert: x509.Certificate, checks: set[str]) -> dict[str, Any]:
        now = dt.datetime.now(dt.UTC)
        issuer = self._issuer(cert)
        revocations: list[dict[str, Any]] = []
        crl_ok = ocsp_ok = True
        if "CRL" in checks:
            crl = self._crl_status(cert)
            crl_ok = not crl["revoked"]
            revocations.append(crl)
        if "OCSP" in checks:
            status = self._ocsp_status(cert, issuer)
            ocsp_ok = status.pop("_active")
            revocations.append(status)
        valid = _date_valid(cert, now) and issuer is not None and _date_valid(issuer, now) and crl_ok and ocsp_ok
        return _drop_none(
            {
                "valid": valid,
                "revocations": revocations,
                "notBefore": _java_date(cert.not_valid_before_utc),
                "notAfter": _java_date(cert.not_valid_after_utc),
                "keyUsage": _key_usage(cert),
                "serialNumber": format(cert.serial_number, "x"),
                "signAlg": _sign_alg(cert),
                "keyUser": _key_users(cert),
                "publicKey": base64.b64encode(
                    cert.public_key().public_bytes(
                        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
                    )
                ).decode(),
                "signature": base64.b64encode(cert.signature).decode(),
                "subject": _subject(cert.subject),
                "issuer": _subject(cert.issuer),
            }
        )

    def _issuer(self, cert: x509.Certificate) -> x509.Certificate | None:
        if cert.issuer == cert.subject:
            return None
        for ca in self.ca_certs:
            if ca.subject == cert.issuer:
                try:
                    cert.verify_directly_issued_by(ca)
                except (ValueError, TypeError, InvalidSignature):
                    continue
                return ca
        return None

    def _ocsp_status(self, cert: x509.Certificate, issuer: x509.Certificate | None) -> dict[str, Any]:
        if issuer is None:
            return _ocsp_entry("UNKOWN", NO_ROOT)
        nonce = secrets.token_bytes(8)
        request = (
            ocsp.OCSPRequestBuilder()
            .add_certificate(cert, issuer, hashes.SHA256())
            .add_extension(x509.OCSPNonce(nonce), critical=False)
            .build()
        )
        try:
            answer = requests.post(
                self.ocsp_url,
                data=request.public_bytes(serialization.Encoding.DER),
                headers={"Content-Type": "application/ocsp-request"},
                timeout=self.timeout,
            )
            response = ocsp.load_der_ocsp_response(answer.content)
        except (requests.RequestException, ValueError) as exc:
            return _ocsp_entry("UNKOWN", str(exc))
        if response.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
            return _ocsp_entry("UNKOWN", "Unknown status")
        try:
            echoed = response.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce
        except x509.ExtensionNotFound:
            echoed = nonce
        if echoed != nonce:
            return _ocsp_entry("UNKOWN", "Nonce aren't equals")
        if response.certificate_status == ocsp.OCSPCertStatus.GOOD:
            return _ocsp_entry("ACTIVE", "OK")
        if response.certificate_status == ocsp.OCSPCertStatus.REVOKED:
            return _ocsp_entry("REVOKED", "OK", response.revocation_time_utc)
        return _ocsp_entry("UNKOWN", "Unknown status")

    def _crl_status(self, cert: x509.Certificate) -> dict[str, Any]:
        for url in self.crl_urls:
            try:
                crl = x509.load_der_x509_crl(requests.get(url, timeout=self.timeout).content)
            except (requests.RequestException, ValueError):
                continue  # NCANode would have no cached file for it: skipped
            entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
            if entry is not None and crl.issuer == cert.issuer:
                return {
                    "revoked": True,
                    "by": "CRL",
                    "revocationTime": _java_date(entry.revocation_date_utc),
                    "reason": "keyCompromise",
                }
        return {"revoked": False, "by": "CRL", "revocationTime": None, "reason": None}


def _parse(cms_b64: object) -> tuple[ParsedCms, None] | tuple[None, tuple[int, dict[str, Any]]]:
    if not cms_b64 or not isinstance(cms_b64, str):
        return None, _error(400, "cms: must not be empty")
    try:
        return parse_cms(base64.b64decode(cms_b64, validate=True)), None
    except (binascii.Error, ValueError):
        return None, _error(400, "Illegal base64 character")
    except EdsError as exc:
        return None, _error(400, exc.message)


def _ocsp_entry(result: str, message: str, when: dt.datetime | None = None) -> dict[str, Any]:
    # OcspStatus.toCertificateRevocationStatus: "reason" carries OcspStatus.message.
    return {
        "revoked": result == "REVOKED",
        "by": "OCSP",
        "revocationTime": _java_date(when) if when else None,
        "reason": message,
        "_active": result == "ACTIVE",
    }


def _date_valid(cert: x509.Certificate, now: dt.datetime) -> bool:
    return cert.not_valid_before_utc < now < cert.not_valid_after_utc


def _key_usage(cert: x509.Certificate) -> str:
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return "UNKNOWN"
    if usage.digital_signature and usage.content_commitment:
        return "SIGN"
    if usage.digital_signature and usage.key_encipherment:
        return "AUTH"
    return "UNKNOWN"


def _key_users(cert: x509.Certificate) -> list[str]:
    try:
        purposes = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return []
    return sorted({KEY_USERS[oid.dotted_string] for oid in purposes if oid.dotted_string in KEY_USERS})


def _sign_alg(cert: x509.Certificate) -> str:
    hash_name = cert.signature_hash_algorithm.name.upper().replace("-", "") if cert.signature_hash_algorithm else ""
    kind = "RSA" if cert.signature_algorithm_oid.dotted_string.startswith("1.2.840.113549.1.1.") else "ECDSA"
    return f"{hash_name}with{kind}"


def _subject(name: x509.Name) -> dict[str, Any]:
    """NCANode's createCertificateSubjectFromDn."""
    fields: dict[str, Any] = {}
    for attribute in name:
        value = str(attribute.value)
        oid = attribute.oid
        if oid == NameOID.COMMON_NAME:
            fields["commonName"] = value
        elif oid == NameOID.SURNAME:
            fields["surName"] = value
        elif oid == NameOID.SERIAL_NUMBER:
            key = "bin" if value.startswith("BIN") else "iin"
            fields[key] = value[3:] if value[:3] in ("BIN", "IIN") else value
        elif oid == NameOID.COUNTRY_NAME:
            fields["country"] = value
        elif oid == NameOID.LOCALITY_NAME:
            fields["locality"] = value
        elif oid == NameOID.STATE_OR_PROVINCE_NAME:
            fields["state"] = value
        elif oid == NameOID.EMAIL_ADDRESS:
            fields["email"] = value
        elif oid == NameOID.ORGANIZATION_NAME:
            fields["organization"] = value
        elif oid == NameOID.ORGANIZATIONAL_UNIT_NAME:
            fields["bin"] = value.removeprefix("BIN")
        elif oid == NameOID.GIVEN_NAME:
            fields["lastName"] = value  # "usually the patronymic" (NCANode's openapi.yml)
    fields["dn"] = ", ".join(f"{_DN_NAMES.get(a.oid, a.rfc4514_attribute_name)}={a.value}" for a in name)
    return fields


def _java_date(value: dt.datetime) -> str:
    """Jackson's java.util.Date: 2022-05-02T08:38:13.000+00:00."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}+00:00"


def _drop_none(fields: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in fields.items() if value is not None}  # @JsonInclude(NON_NULL)


def _error(status: int, message: str) -> tuple[int, dict[str, Any]]:
    return status, {"status": status, "message": message}


def _handler(node: FakeNCANode) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the stdlib's name)
            return

        def do_GET(self) -> None:
            if self._refused():
                return
            if self.path == "/actuator/health":
                return self._json(200, {"status": "UP"})
            return self._json(404, {"status": 404, "message": "Not Found"})

        def do_POST(self) -> None:
            if self._refused():
                return
            try:
                payload = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
            except ValueError:
                return self._json(400, {"status": 400, "message": "JSON parse error"})
            node.requests.append((self.path, payload))
            routes = {"/cms/verify": node.cms_verify, "/cms/extract": node.cms_extract}
            if self.path not in routes:
                return self._json(404, {"status": 404, "message": "Not Found"})
            return self._json(*routes[self.path](payload))

        def _refused(self) -> bool:
            if node.mode == "down":
                self.close_connection = True
                self.connection.close()
                return True
            if node.mode == "error":
                self._json(500, {"status": 500, "message": "Internal Server Error"})
                return True
            if node.mode == "slow":
                time.sleep(node.delay)
            return False

        def _json(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler
