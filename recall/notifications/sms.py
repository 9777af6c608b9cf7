"""Text messages to voters (one-time codes, notices) through a pluggable backend.

RECALL_SMS_BACKEND names the class: ConsoleBackend (development: printed to the log),
EmailBackend (development: each message as an e-mail to RECALL_SMS_EMAIL_TO), LocmemBackend
(tests: kept in ``outbox``), HttpGatewayBackend (production: a JSON POST to an SMS gateway).
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


class SmsError(Exception):
    """The gateway did not accept the message."""


class BaseBackend:
    def send(self, phone: str, text: str) -> None:
        raise NotImplementedError


class ConsoleBackend(BaseBackend):
    def send(self, phone: str, text: str) -> None:
        logger.warning("SMS to %s: %s", phone, text)
        print(f"[SMS to {phone}] {text}", flush=True)


class EmailBackend(BaseBackend):
    def send(self, phone: str, text: str) -> None:
        send_mail(f"SMS to {phone}", text, None, [settings.RECALL_SMS_EMAIL_TO])


outbox: list[Message] = []


class LocmemBackend(BaseBackend):
    def send(self, phone: str, text: str) -> None:
        outbox.append(Message(phone, text))


class HttpGatewayBackend(BaseBackend):
    """POSTs {"to": phone, "text": text} with a bearer token; any non-2xx is an error."""

    def send(self, phone: str, text: str) -> None:
        try:
            response = requests.post(
                settings.RECALL_SMS_GATEWAY_URL,
                json={"to": phone, "text": text},
                headers={"Authorization": f"Bearer {settings.RECALL_SMS_GATEWAY_TOKEN}"},
                timeout=10,
            )
        except requests.RequestException as exc:
            raise SmsError(str(exc)) from exc
        if not 200 <= response.status_code < 300:
            raise SmsError(f"gateway answered {response.status_code}")


@cache
def _backend(path: str) -> BaseBackend:
    return import_string(path)()


def send(phone: str, text: str) -> None:
    try:
        _backend(settings.RECALL_SMS_BACKEND).send(phone, text)
    except Exception:
        metrics.SMS_FAILURES.inc()  # recall_sms_failures_total
        raise
