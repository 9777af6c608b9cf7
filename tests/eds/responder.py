"""A local OCSP responder and CRL/CA-certificate server for the test CAs, in a thread.

``POST /ocsp`` (and ``GET /ocsp/<base64>``) answers RFC 6960 requests for any registered CA,
signed by the issuing CA itself; ``GET /crl/<slug>.crl`` serves a fresh CRL; ``GET
/cert/<slug>.cer`` the CA certificate (the AIA caIssuers). ``mode`` switches it to "down" (every
connection is dropped without an answer, as an unreachable responder) or "error" (HTTP 500).
"""

from __future__ import annotations

import base64
import datetime as dt
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

from asn1crypto import keys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from .ca import TestCA, now


class Responder:
    def __init__(self) -> None:
        self.cas: list[TestCA] = []
        self.mode = "up"  # "up", "down" (drop connections) or "error" (HTTP 500)
        self.requests: list[str] = []  # paths asked, for assertions
        self._server = QuietServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> Responder:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def register(self, ca: TestCA) -> TestCA:
        self.cas.append(ca)
        return ca

    # --- answers ---------------------------------------------------------------------------

    def crl_der(self, slug: str) -> bytes | None:
        for ca in self.cas:
            if slug in ca.authorities:
                return ca.crl(slug).public_bytes(serialization.Encoding.DER)
        return None

    def cert_der(self, slug: str) -> bytes | None:
        for ca in self.cas:
            if slug in ca.authorities:
                return ca.authorities[slug][0].public_bytes(serialization.Encoding.DER)
        return None

    def ocsp_der(self, request_der: bytes) -> bytes:
        try:
            request = ocsp.load_der_ocsp_request(request_der)
        except ValueError:
            return ocsp.OCSPResponseBuilder.build_unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST).public_bytes(
                serialization.Encoding.DER
            )
        found = self._authority(request)
        if found is None:
            return ocsp.OCSPResponseBuilder.build_unsuccessful(ocsp.OCSPResponseStatus.UNAUTHORIZED).public_bytes(
                serialization.Encoding.DER
            )
        ca, slug = found
        issuer, key = ca.authorities[slug]
        revocation = ca.revoked[slug].get(request.serial_number)
        status = ocsp.OCSPCertStatus.REVOKED if revocation else ocsp.OCSPCertStatus.GOOD
        builder = ocsp.OCSPResponseBuilder().add_response_by_hash(
            issuer_name_hash=request.issuer_name_hash,
            issuer_key_hash=request.issuer_key_hash,
            serial_number=request.serial_number,
            algorithm=request.hash_algorithm,
            cert_status=status,
            this_update=now() - dt.timedelta(minutes=1),
            next_update=now() + dt.timedelta(hours=1),
            revocation_time=revocation.when if revocation else None,
            revocation_reason=revocation.reason if revocation else None,
        )
        builder = builder.responder_id(ocsp.OCSPResponderEncoding.HASH, issuer)
        nonce = _nonce(request)
        if nonce is not None:
            builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
        return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)

    def _authority(self, request: ocsp.OCSPRequest) -> tuple[TestCA, str] | None:
        for ca in self.cas:
            for slug, (cert, _) in ca.authorities.items():
                if _key_hash(cert, request.hash_algorithm) == request.issuer_key_hash:
                    return ca, slug
        return None


class QuietServer(ThreadingHTTPServer):
    """A client that hangs up (a timeout in a test) is expected here, not worth a traceback."""

    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        return


def _key_hash(cert: x509.Certificate, algorithm: hashes.HashAlgorithm) -> bytes:
    """RFC 6960 issuerKeyHash: the hash of the issuer's public key bits, in the request's hash."""
    digest = hashes.Hash(type(algorithm)())
    digest.update(_public_key_bits(cert))
    return digest.finalize()


def _public_key_bits(cert: x509.Certificate) -> bytes:
    spki = cert.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return keys.PublicKeyInfo.load(spki)["public_key"].contents[1:]  # drop the unused-bits byte


def _nonce(request: ocsp.OCSPRequest) -> bytes | None:
    try:
        return request.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce
    except x509.ExtensionNotFound:
        return None


def _handler(responder: Responder) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the stdlib's name)
            return  # keep test output quiet

        def do_GET(self) -> None:
            if not self._available():
                return
            responder.requests.append(self.path)
            if self.path.startswith("/ocsp/"):
                body = responder.ocsp_der(base64.b64decode(unquote(self.path[len("/ocsp/") :])))
                return self._send(200, body, "application/ocsp-response")
            name = self.path.rsplit("/", 1)[-1]
            if self.path.startswith("/crl/") and name.endswith(".crl"):
                return self._send_or_404(responder.crl_der(name[:-4]), "application/pkix-crl")
            if self.path.startswith("/cert/") and name.endswith(".cer"):
                return self._send_or_404(responder.cert_der(name[:-4]), "application/pkix-cert")
            return self._send(404, b"", "text/plain")

        def do_POST(self) -> None:
            if not self._available():
                return
            responder.requests.append(self.path)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path.rstrip("/") != "/ocsp":
                return self._send(404, b"", "text/plain")
            return self._send(200, responder.ocsp_der(body), "application/ocsp-response")

        def _available(self) -> bool:
            if responder.mode == "down":
                self.close_connection = True
                self.connection.close()  # no status line at all: the client sees a dropped connection
                return False
            if responder.mode == "error":
                self._send(500, b"responder broken", "text/plain")
                return False
            return True

        def _send_or_404(self, body: bytes | None, content_type: str) -> None:
            if body is None:
                return self._send(404, b"", "text/plain")
            return self._send(200, body, content_type)

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler
