"""What plays SIGEX's eGov QR API and the phone in the demo of ``make run``.

A real deployment asks sigex.kz (``recall/eds/egov_qr.py``) and the voter signs in eGov Mobile;
the demo has neither, so this serves the same API under ``/demo/sigex/`` (the embedded default
points ``RECALL_MOBILE_SIGN_SIGEX_URL`` here) and a "demo phone" page, reached by the QR code's
address or the launch link, where a demo voter's key (``recall.demo.keys``) signs the statement.
The procedures live in the cache for five minutes. Every view answers 404 unless ``DEBUG`` and
``RECALL_DEMO`` are both on.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import time
from typing import Any

import segno
from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import keys

TTL_SECONDS = 300
MAX_DATA_BYTES = 16 * 1024


def _key(qr_id: str) -> str:
    return f"demo-sigex:{qr_id}"


def _load(qr_id: str) -> dict[str, Any]:
    if not keys.enabled():
        raise Http404
    state = cache.get(_key(qr_id))
    if state is None:
        raise Http404
    return state


def _save(qr_id: str, state: dict[str, Any]) -> None:
    cache.set(_key(qr_id), state, TTL_SECONDS)


def _wait(qr_id: str, ready: str) -> dict[str, Any]:
    """SIGEX answers when the phone has acted; the service's client gives up after its timeout
    and asks again on the next poll, so waiting a little longer than that is enough."""
    deadline = time.monotonic() + settings.RECALL_MOBILE_SIGN_TIMEOUT_SECONDS + 0.5
    state = _load(qr_id)
    while not (state.get(ready) or state.get("cancelled")) and time.monotonic() < deadline:
        time.sleep(0.2)
        state = _load(qr_id)
    return state


@csrf_exempt
@require_POST
def register(request: HttpRequest) -> JsonResponse:
    if not keys.enabled():
        raise Http404
    qr_id = secrets.token_hex(16)
    expire_at_ms = int((time.time() + TTL_SECONDS) * 1000)
    _save(qr_id, {"expire_at_ms": expire_at_ms})
    phone = request.build_absolute_uri(reverse("demo_sigex_phone", args=[qr_id]))
    api = request.build_absolute_uri(reverse("demo_sigex_register"))
    return JsonResponse(
        {
            "expireAt": expire_at_ms,
            "dataURL": f"{api}/{qr_id}/data",
            "signURL": f"{api}/{qr_id}/sign",
            "eGovMobileLaunchLink": phone,
            "eGovBusinessLaunchLink": "",
            "qrCode": segno.make(phone, error="m").png_data_uri(scale=5).split(",", 1)[1],
        }
    )


@csrf_exempt
@require_POST
def data(request: HttpRequest, qr_id: str) -> JsonResponse:
    state = _wait(qr_id, "scanned")
    if state.get("cancelled"):
        return JsonResponse({"message": "Подписание отклонено пользователем"})
    if not state.get("scanned"):
        return JsonResponse({"message": "Данные не были получены мобильным приложением"})
    if state.get("documents"):
        return JsonResponse({"message": "Данные уже переданы"})
    try:
        body = json.loads(request.body)
        documents = list(body["documentsToSign"])
        for document in documents:
            raw = base64.b64decode(document["document"]["file"]["data"], validate=True)
            if len(raw) > MAX_DATA_BYTES:
                raise ValueError("too large")
    except (ValueError, KeyError, TypeError, binascii.Error):
        return JsonResponse({"message": "Некорректный запрос"})
    state["documents"] = documents
    _save(qr_id, state)
    return JsonResponse({})


@require_GET
def sign(request: HttpRequest, qr_id: str) -> JsonResponse:
    state = _wait(qr_id, "signed")
    if state.get("cancelled"):
        return JsonResponse({"message": "Подписание отклонено пользователем"})
    if not state.get("signed"):
        return JsonResponse({"message": "Подписи не получены"})
    return JsonResponse({"signMethod": "CMS_WITH_DATA", "documentsToSign": state["signed"]})


@require_http_methods(["GET", "POST"])
def phone(request: HttpRequest, qr_id: str) -> HttpResponse:
    """The demo phone: opening it is scanning the QR code; then a demo key signs or the voter cancels."""
    state = _load(qr_id)
    if not state.get("scanned"):
        state["scanned"] = True
        _save(qr_id, state)
    done = ""
    if request.method == "POST" and state.get("documents") and not (state.get("signed") or state.get("cancelled")):
        if "cancel" in request.POST:
            state["cancelled"] = True
            done = "cancelled"
        else:
            signed = []
            for document in state["documents"]:
                content = base64.b64decode(document["document"]["file"]["data"])
                cms = keys.sign(request.POST.get("iin", ""), content)
                if cms is None:
                    raise Http404
                signed.append(
                    {
                        **document,
                        "document": {
                            "file": {**document["document"]["file"], "data": base64.b64encode(cms).decode("ascii")}
                        },
                    }
                )
            state["signed"] = signed
            done = "signed"
        _save(qr_id, state)
    documents = state.get("documents") or []
    context = {
        "waiting": not documents,
        "statements": [base64.b64decode(d["document"]["file"]["data"]).decode("utf-8", "replace") for d in documents],
        "holders": keys.holders(),
        "done": done or ("signed" if state.get("signed") else "cancelled" if state.get("cancelled") else ""),
    }
    return render(request, "recall/demo_phone.html", context)
