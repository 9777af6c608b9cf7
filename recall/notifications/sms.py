"""Text messages to voters (one-time codes, notices) through a pluggable backend.

RECALL_SMS_BACKEND names the class: ConsoleBackend (development: printed to the log),
EmailBackend (development: each message as an e-mail to RECALL_SMS_EMAIL_TO), LocmemBackend
(tests: kept in ``outbox``), HttpGatewayBackend (production: a JSON POST to an SMS gateway).

``key``: a notice from the outbox (recall.services.notices.outbox) carries its unique key, the
same on every try, so a gateway can recognise a message it already accepted (the request's
Idempotency-Key header).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache

import requests
from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

from config import metrics

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Message:
    phone: str
    text: str
    key: str = ""


class SmsError(Exception):
    """The gateway did not accept the message."""


class BaseBackend:
    def send(self, phone: str, text: str, *, key: str = "") -> None:
        raise NotImplementedError


class ConsoleBackend(BaseBackend):
    def send(self, phone: str, text: str, *, key: str = "") -> None:
        logger.warning("SMS to %s: %s", phone, text)
        print(f"[SMS to {phone}] {text}", flush=True)


class EmailBackend(BaseBackend):
    def send(self, phone: str, text: str, *, key: str = "") -> None:
        send_mail(f"SMS to {phone}", text, None, [settings.RECALL_SMS_EMAIL_TO])


outbox: list[Message] = []


class LocmemBackend(BaseBackend):
    def send(self, phone: str, text: str, *, key: str = "") -> None:
        outbox.append(Message(phone, text, key))


class HttpGatewayBackend(BaseBackend):
    """POSTs {"to": phone, "text": text} with a bearer token (and the notice's key as the
    Idempotency-Key header); any non-2xx is an error."""

    def send(self, phone: str, text: str, *, key: str = "") -> None:
        headers = {"Authorization": f"Bearer {settings.RECALL_SMS_GATEWAY_TOKEN}"}
        if key:
            headers["Idempotency-Key"] = key
        try:
            response = requests.post(
                settings.RECALL_SMS_GATEWAY_URL,
                json={"to": phone, "text": text},
                headers=headers,
                timeout=10,
            )
        except requests.RequestException as exc:
            raise SmsError(str(exc)) from exc
        if not 200 <= response.status_code < 300:
            raise SmsError(f"gateway answered {response.status_code}")


@cache
def _backend(path: str) -> BaseBackend:
    return import_string(path)()


def send(phone: str, text: str, *, key: str = "") -> None:
    try:
        _backend(settings.RECALL_SMS_BACKEND).send(phone, text, key=key)
    except Exception:
        metrics.SMS_FAILURES.inc()  # recall_sms_failures_total
        raise
