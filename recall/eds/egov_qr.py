"""A client of SIGEX's eGov QR signing API (``POST /api/egovQr``), the way eGov Mobile and eGov
Business sign data for a site: by a QR code on another device, or a deep link on the same phone.

No Django imports. The protocol is the one SIGEX publishes with its open-source client
(github.com/sigex-kz/sigex-qr-signing-client, ``QRSigningClientCMS``):

1. ``POST {base}/api/egovQr`` with ``{"description": ...}`` registers a procedure; the answer has
   ``qrCode`` (a PNG, base64), ``eGovMobileLaunchLink``, ``eGovBusinessLaunchLink``,
   ``dataURL``, ``signURL`` and ``expireAt`` (milliseconds since the epoch).
2. ``POST dataURL`` with ``{"signMethod": "CMS_WITH_DATA", "documentsToSign": [...]}`` hands the
   data over; SIGEX answers once the phone has taken it (the QR code is spent from then on).
3. ``GET signURL`` answers once the phone has signed: ``documentsToSign[i].document.file.data``
   is each CMS, base64.

SIGEX reports a refusal as HTTP 200 with ``{"message": ...}``; any other status is a failure.
Steps 2 and 3 wait for a person, so they are made here with a short timeout and asked again on
the next poll (SIGEX's own client retries them the same way): ``Pending`` means "not yet".
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass
from typing import Any

import requests

# A signature is attached to the statement (the same CMS NCALayer makes), so the verifiers need
# nothing else to check it.
SIGN_METHOD = "CMS_WITH_DATA"


class QrSigningError(Exception):
    """SIGEX refused the step (``message`` is its text) or could not be reached (``unavailable``)."""

    def __init__(self, message: str, *, unavailable: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.unavailable = unavailable


class Pending(Exception):
    """The step is waiting for the person with the phone: ask again on the next poll."""


@dataclass(frozen=True)
class Procedure:
    qr_code: str  # PNG, base64
    mobile_link: str
    business_link: str
    data_url: str
    sign_url: str
    expire_at: dt.datetime


class SigexQrClient:
    def __init__(self, base_url: str = "https://sigex.kz", *, timeout: float = 3.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()

    def register(self, description: str) -> Procedure:
        body = self._call("POST", f"{self.base_url}/api/egovQr", {"description": description})
        try:
            expire_at = dt.datetime.fromtimestamp(int(body["expireAt"]) / 1000, tz=dt.UTC)
            return Procedure(
                qr_code=str(body["qrCode"]),
                mobile_link=str(body["eGovMobileLaunchLink"]),
                business_link=str(body.get("eGovBusinessLaunchLink") or ""),
                data_url=str(body["dataURL"]),
                sign_url=str(body["signURL"]),
                expire_at=expire_at,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise QrSigningError("SIGEX answered without a procedure", unavailable=True) from exc

    def send_data(self, procedure_data_url: str, *, names: list[str], data: bytes, meta: list[dict[str, str]]) -> None:
        """Hand the data to the phone; Pending until the phone has taken it."""
        document = {
            "id": 1,
            "nameRu": names[0],
            "nameKz": names[1] if len(names) > 1 else names[0],
            "nameEn": names[2] if len(names) > 2 else names[0],
            "meta": meta,
            "document": {"file": {"mime": "", "data": base64.b64encode(data).decode("ascii")}},
        }
        self._call("POST", procedure_data_url, {"signMethod": SIGN_METHOD, "documentsToSign": [document]}, waits=True)

    def signatures(self, sign_url: str) -> list[str]:
        """The CMS of each document, base64; Pending until the phone has signed."""
        body = self._call("GET", sign_url, None, waits=True)
        try:
            return [str(item["document"]["file"]["data"]) for item in body["documentsToSign"]]
        except (KeyError, TypeError) as exc:
            raise QrSigningError("SIGEX answered without signatures", unavailable=True) from exc

    def _call(self, method: str, url: str, payload: dict[str, Any] | None, *, waits: bool = False) -> dict[str, Any]:
        try:
            response = self.session.request(
                method, url, json=payload, timeout=self.timeout, headers={"Cache-Control": "no-store"}
            )
        except requests.Timeout as exc:
            if waits:
                raise Pending() from exc
            raise QrSigningError("SIGEX did not answer in time", unavailable=True) from exc
        except requests.RequestException as exc:
            raise QrSigningError("SIGEX could not be reached", unavailable=True) from exc
        if response.status_code != 200:
            raise QrSigningError(f"SIGEX answered HTTP {response.status_code}", unavailable=True)
        try:
            body = response.json()
        except ValueError as exc:
            raise QrSigningError("SIGEX answered without JSON", unavailable=True) from exc
        if not isinstance(body, dict):
            raise QrSigningError("SIGEX answered without JSON", unavailable=True)
        if body.get("message"):
            raise QrSigningError(str(body["message"]))
        return body
