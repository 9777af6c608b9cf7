"""A local stand-in for SIGEX's eGov QR signing API (``/api/egovQr``) that also plays the phone.

Shaped after SIGEX's published client (github.com/sigex-kz/sigex-qr-signing-client): a POST to
``/api/egovQr`` registers a procedure and answers ``qrCode`` (a PNG, base64),
``eGovMobileLaunchLink``, ``eGovBusinessLaunchLink``, ``dataURL``, ``signURL`` and ``expireAt``
(ms since the epoch); a POST to ``dataURL`` hands over ``documentsToSign`` and is answered once
the phone took them; a GET of ``signURL`` is answered with the signed ``documentsToSign`` (the
CMS in ``document.file.data``). A refusal is HTTP 200 with ``{"message": ...}``.

``phone`` says what the person with the phone does with the next procedures:

* ``"sign"``: signs the data received with ``signer`` (a test-CA certificate);
* ``"cancel"``: refuses in the app; ``"expire"``: never scans (the procedure is registered already
  expired, and SIGEX answers every later step with a message);
* ``"other_data"``: signs other bytes than those received; ``"replay"``: answers with the CMS of
  the previous procedure; ``"hold"``: has not scanned yet (the data POST waits ``hold_seconds``).
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

import segno

from .ca import Issued, now, sign_cms
from .responder import QuietServer


@dataclass
class FakeProcedure:
    id: str
    description: str
    expire_at_ms: int
    phone: str
    signer: Issued | None
    documents: list[dict[str, Any]] = field(default_factory=list)
    sign_method: str = ""
    signed: list[str] = field(default_factory=list)


class FakeSigex:
    def __init__(self) -> None:
        self.phone = "sign"
        self.signer: Issued | None = None
        self.ttl_seconds = 120
        self.hold_seconds = 5.0
        self.procedures: dict[str, FakeProcedure] = {}
        self.last_cms = ""
        self.requests: list[tuple[str, str]] = []
        self._server = QuietServer(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeSigex:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def reset(self) -> None:
        self.phone, self.signer, self.ttl_seconds = "sign", None, 120
        self.procedures.clear()
        self.requests.clear()
        self.last_cms = ""

    # --- endpoints -------------------------------------------------------------------------

    def register(self, payload: dict[str, Any]) -> dict[str, Any]:
        qr_id = secrets.token_hex(16)
        ttl = -1 if self.phone == "expire" else self.ttl_seconds
        procedure = FakeProcedure(
            id=qr_id,
            description=str(payload.get("description", "")),
            expire_at_ms=int((time.time() + ttl) * 1000),
            phone=self.phone,
            signer=self.signer,
        )
        self.procedures[qr_id] = procedure
        launch = f"{self.url}/api/egovQr/{qr_id}"
        png = segno.make(launch, error="m").png_data_uri(scale=4).split(",", 1)[1]
        return {
            "expireAt": procedure.expire_at_ms,
            "dataURL": f"{self.url}/api/egovQr/{qr_id}/data",
            "signURL": f"{self.url}/api/egovQr/{qr_id}/sign",
            "eGovMobileLaunchLink": f"https://mgovsign.page.link/?link={launch}%3Fmgovsign%3D1&apn=kz.egov.mobile",
            "eGovBusinessLaunchLink": f"https://egovbusiness.page.link/?link={launch}%3Fmgovsign%3D1&apn=kz.mobile.mgov.business",
            "qrCode": png,
        }

    def data(self, procedure: FakeProcedure, payload: dict[str, Any]) -> dict[str, Any]:
        if procedure.expire_at_ms <= time.time() * 1000:
            return {"message": "Срок действия QR кода истек"}
        if procedure.phone == "hold":
            time.sleep(self.hold_seconds)
            return {"message": "Данные не были получены мобильным приложением"}
        if procedure.phone == "cancel":
            return {"message": "Подписание отклонено пользователем"}
        if procedure.documents:
            return {"message": "Данные уже переданы"}
        procedure.documents = list(payload.get("documentsToSign") or [])
        procedure.sign_method = str(payload.get("signMethod", ""))
        procedure.signed = [self._sign(procedure, document) for document in procedure.documents]
        return {}

    def sign(self, procedure: FakeProcedure) -> dict[str, Any]:
        if procedure.expire_at_ms <= time.time() * 1000 and not procedure.signed:
            return {"message": "Срок действия QR кода истек"}
        if procedure.phone == "cancel":
            return {"message": "Подписание отклонено пользователем"}
        if not procedure.signed:
            time.sleep(self.hold_seconds)
            return {"message": "Подписи не получены"}
        documents = []
        for document, cms in zip(procedure.documents, procedure.signed, strict=True):
            signed = json.loads(json.dumps(document))
            signed["document"]["file"]["data"] = cms
            documents.append(signed)
        return {"signMethod": procedure.sign_method, "documentsToSign": documents}

    def _sign(self, procedure: FakeProcedure, document: dict[str, Any]) -> str:
        if procedure.phone == "replay" and self.last_cms:
            return self.last_cms
        assert procedure.signer is not None, "FakeSigex.signer: the certificate the phone signs with"
        data = base64.b64decode(document["document"]["file"]["data"])
        if procedure.phone == "other_data":
            data = data.replace(b"1", b"2") + b" "
        cms = base64.b64encode(sign_cms(data, procedure.signer, signing_time=now())).decode("ascii")
        self.last_cms = cms
        return cms


def _handler(fake: FakeSigex) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the stdlib's name)
            return

        def do_GET(self) -> None:
            fake.requests.append(("GET", self.path))
            parts = self.path.strip("/").split("/")
            if len(parts) == 4 and parts[:2] == ["api", "egovQr"] and parts[3] == "sign":
                procedure = fake.procedures.get(parts[2])
                if procedure is not None:
                    return self._json(200, fake.sign(procedure))
            return self._json(404, {"message": "Not Found"})

        def do_POST(self) -> None:
            fake.requests.append(("POST", self.path))
            try:
                payload = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
            except ValueError:
                return self._json(400, {"message": "JSON parse error"})
            parts = self.path.strip("/").split("/")
            if parts == ["api", "egovQr"]:
                return self._json(200, fake.register(payload))
            if len(parts) == 4 and parts[:2] == ["api", "egovQr"] and parts[3] == "data":
                procedure = fake.procedures.get(parts[2])
                if procedure is not None:
                    return self._json(200, fake.data(procedure, payload))
            return self._json(404, {"message": "Not Found"})

        def _json(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler
