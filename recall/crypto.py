"""Keyed digests and encryption of personal data.

IINs are looked up and compared by an HMAC-SHA256 digest under RECALL_IIN_KEY; names and birth
dates are compared the same way so verification can match them in SQL. Everything a person
typed is stored encrypted with Fernet (AES-128-CBC + HMAC); RECALL_ENCRYPTION_KEYS lists the
keys newest first, so a new key can be introduced and old rows rotated without downtime.
"""

from __future__ import annotations

import datetime as dt
import functools
import hmac
import json
import re
import unicodedata
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import models
from django.dispatch import receiver

DIGEST_LENGTH = 64


@functools.cache
def _digest_key() -> bytes:
    key = settings.RECALL_IIN_KEY
    if not key:
        raise ImproperlyConfigured("RECALL_IIN_KEY is not set.")
    return key.encode()


def _digest(purpose: str, value: str) -> str:
    # hmac.digest is OpenSSL's one-shot HMAC: a register import computes three per voter.
    return hmac.digest(_digest_key(), f"{purpose}:{value}".encode(), "sha256").hex()


def iin_digest(iin: str) -> str:
    return _digest("iin", iin)


_NOT_LETTERS = re.compile(r"[^\w]+")


def normalize_name(full_name: str) -> str:
    """Case, accents of ё/й, hyphens and spacing do not make two names differ."""
    text = unicodedata.normalize("NFKC", full_name).casefold().replace("ё", "е")
    return " ".join(_NOT_LETTERS.sub(" ", text).split())


def name_digest(full_name: str) -> str:
    return _digest("name", normalize_name(full_name))


def birth_digest(birth_date: dt.date) -> str:
    return _digest("birth", birth_date.isoformat())


def phone_digest(phone: str) -> str:
    return _digest("phone", phone)


@functools.cache
def _fernet() -> MultiFernet:
    keys = settings.RECALL_ENCRYPTION_KEYS
    if not keys:
        raise ImproperlyConfigured("RECALL_ENCRYPTION_KEYS is not set.")
    return MultiFernet([Fernet(key) for key in keys])


@receiver(setting_changed)
def _reset_keys(*, setting: str, **kwargs: Any) -> None:
    if setting == "RECALL_ENCRYPTION_KEYS":
        _fernet.cache_clear()
    elif setting == "RECALL_IIN_KEY":
        _digest_key.cache_clear()


def encrypt(data: dict) -> str:
    return _fernet().encrypt(json.dumps(data, separators=(",", ":")).encode()).decode()


def decrypt(token: str) -> dict:
    try:
        return json.loads(_fernet().decrypt(token.encode()))
    except InvalidToken as exc:
        raise ImproperlyConfigured("Personal data cannot be decrypted with RECALL_ENCRYPTION_KEYS.") from exc


def rotate(token: str) -> str:
    """Re-encrypt a token under the newest key."""
    return _fernet().rotate(token.encode()).decode()


class EncryptedJSONField(models.TextField):
    """A dict stored as a Fernet token. Never filter on it: use the digests."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> dict | None:
        return None if value is None else decrypt(value)

    def to_python(self, value: Any) -> dict | None:
        if value is None or isinstance(value, dict):
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> str | None:
        if value is None:
            return None
        return encrypt(value)

    def value_to_string(self, obj: models.Model) -> str:
        return "[encrypted]"


class EncryptedTextField(models.TextField):
    """A short secret (e.g. a webhook signing secret) stored as a Fernet token."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        return None if value is None else decrypt(value)["v"]

    def get_prep_value(self, value: Any) -> str | None:
        return None if value is None else encrypt({"v": str(value)})
