"""A stand-in for NCALayer: a TLS WebSocket server that signs with a test CA's key.

NCALayer listens on wss://127.0.0.1:13579; this one listens on the port given (0: the OS picks)
with a TLS certificate from the test CA (``TestCA.tls_server``). It speaks the messages of
sigex-kz/ncalayer-js-client (``NCALayerClient``) and FCALayer:

* on connect it sends ``{"result": {"version": "1.4"}}``; ``--heartbeat--`` is echoed;
* ``{"module": "kz.gov.pki.knca.basics", "method": "sign", "args": {"format": "cms", "data":
  <base64 or list>, "signingParams": {"decode": true, "encapsulate": true, ...},
  "signerParams": {"iin": ..., "extKeyUsageOids": [...]}, "locale": ...}}`` answers
  ``{"status": true, "body": {"result": [<base64 CMS>]}}``; a cancel is ``{"status": true,
  "body": {}}``; a failure ``{"status": false, "code": ..., "message": ..., "details": ...}``;
* ``{"module": "kz.gov.pki.knca.commonUtils", "method": "createCMSSignatureFromBase64",
  "args": [storage, keyType, <base64>, attach]}`` answers ``{"code": "200", "responseObject":
  <base64 CMS>}``, or ``{"code": "500", "message": "action.canceled"}``.

Assumption (not in a public spec found): with no key matching ``signerParams`` the real
NCALayer refuses with a code; here it is ``EMPTY_KEY_LIST``.

Built on ``websockets`` (asyncio API, version 17.1), in its own thread and event loop.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import errno
import json
import ssl
import tempfile
import threading
from pathlib import Path
from typing import Any

from cryptography import x509
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from .ca import Issued, sign_cms

BASICS = "kz.gov.pki.knca.basics"
COMMON_UTILS = "kz.gov.pki.knca.commonUtils"


def server_ssl_context(tls: Issued) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.TemporaryDirectory() as directory:
        cert_path, key_path = tls.write(Path(directory), "ncalayer")
        context.load_cert_chain(cert_path, key_path)
    return context


def client_ssl_context(root_pem: bytes) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(cadata=root_pem.decode("ascii"))
    return context


class FakeNCALayer:
    """``signer``: the key and certificate the "voter" picks. ``mode``: "sign", "cancel",
    "error", or "legacy" (an old NCALayer without the basics module)."""

    def __init__(self, signer: Issued, *, tls: Issued | None, port: int = 0, version: str = "1.4") -> None:
        self.signer = signer
        self.tls = tls
        self.port = port
        self.version = version
        self.mode = "sign"
        self.received: list[Any] = []
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stopped: asyncio.Event | None = None
        self._error: OSError | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def url(self) -> str:
        return f"{'wss' if self.tls else 'ws'}://127.0.0.1:{self.port}"

    def start(self) -> FakeNCALayer:
        self._thread.start()
        if not self._ready.wait(20) or self._error is not None:
            raise RuntimeError(f"the fake NCALayer did not start: {self._error!r}")
        return self

    def stop(self) -> None:
        if self._stopped is not None:
            self._loop.call_soon_threadsafe(self._stopped.set)
        self._thread.join(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._serve())
        except OSError as error:  # the port or TLS: told to start(), which is waiting
            self._error = error
            self._ready.set()
        finally:
            self._loop.close()

    async def _serve(self) -> None:
        self._stopped = asyncio.Event()
        context = server_ssl_context(self.tls) if self.tls else None
        # On a fixed port, the previous test's layer may still be letting it go.
        deadline = self._loop.time() + 15
        while True:
            try:
                server = await serve(self._session, "127.0.0.1", self.port, ssl=context)
                break
            except OSError as error:
                if error.errno != errno.EADDRINUSE or self._loop.time() > deadline:
                    raise
                await asyncio.sleep(0.1)
        try:
            self.port = next(iter(server.sockets)).getsockname()[1]
            self._ready.set()
            await self._stopped.wait()
        finally:
            server.close()
            await server.wait_closed()

    async def _session(self, connection: ServerConnection) -> None:
        await connection.send(json.dumps({"result": {"version": self.version}}))
        try:
            async for raw in connection:
                if raw == "--heartbeat--":
                    await connection.send(raw)
                    continue
                try:
                    message = json.loads(raw)
                except ValueError:
                    continue
                self.received.append(message)
                await connection.send(json.dumps(self.answer(message)))
        except ConnectionClosed:
            return

    # --- answers ---------------------------------------------------------------------------

    def answer(self, message: Any) -> dict[str, Any]:
        module = message.get("module") if isinstance(message, dict) else None
        method = message.get("method") if isinstance(message, dict) else None
        if module == BASICS and method == "sign" and self.mode != "legacy":
            return self._basics_sign(message.get("args") or {})
        if module == COMMON_UTILS and method in ("createCMSSignatureFromBase64", "createCAdESFromBase64"):
            return self._common_utils_sign(message.get("args") or [])
        return {"code": "500", "message": f"{module}.{method} is not supported"}

    def _basics_sign(self, args: dict[str, Any]) -> dict[str, Any]:
        if self.mode == "cancel":
            return {"status": True, "body": {}}
        if self.mode == "error":
            return _basics_error("SIGNATURE_FAILED", "Token error", "the key store could not be read")
        if args.get("format") != "cms":
            return _basics_error("INVALID_FORMAT", "only cms here", str(args.get("format")))
        signer_params = args.get("signerParams") or {}
        if not self._matches(signer_params):
            return _basics_error("EMPTY_KEY_LIST", "No suitable keys", json.dumps(signer_params))
        params = args.get("signingParams") or {}
        documents = args.get("data")
        single = not isinstance(documents, list)
        try:
            contents = [
                _content(doc, decode=bool(params.get("decode"))) for doc in ([documents] if single else documents)
            ]
        except (binascii.Error, ValueError, TypeError):
            return _basics_error("INVALID_DATA", "data is not base64", "")
        attached = params.get("encapsulate", True) is not False
        signatures = [base64.b64encode(sign_cms(c, self.signer, attached=attached)).decode() for c in contents]
        return {"status": True, "body": {"result": signatures}}

    def _common_utils_sign(self, args: list[Any]) -> dict[str, Any]:
        if self.mode == "cancel":
            return {"code": "500", "message": "action.canceled"}
        if self.mode == "error" or len(args) < 4:
            return {"code": "500", "message": "internal error"}
        try:
            content = base64.b64decode(str(args[2]), validate=True)
        except (binascii.Error, ValueError):
            return {"code": "500", "message": "data is not base64"}
        cms = sign_cms(content, self.signer, attached=bool(args[3]))
        return {"code": "200", "responseObject": base64.b64encode(cms).decode()}

    def _matches(self, signer_params: dict[str, Any]) -> bool:
        iin = signer_params.get("iin")
        if iin and iin != self.signer.iin:
            return False
        wanted = set(signer_params.get("extKeyUsageOids") or [])
        try:
            present = {
                oid.dotted_string
                for oid in self.signer.cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
            }
        except x509.ExtensionNotFound:
            present = set()
        return wanted <= present


def _content(document: Any, *, decode: bool) -> bytes:
    if not isinstance(document, str):
        raise TypeError("a document is a string")
    return base64.b64decode(document, validate=True) if decode else document.encode("utf-8")


def _basics_error(code: str, message: str, details: str) -> dict[str, Any]:
    return {"status": False, "code": code, "message": message, "details": details}
