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

from . import names

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


@functools.cache
def _name_digest() -> names.FastDigest:
    # Derived once per process from RECALL_IIN_KEY: a register import digests ~20 words per voter.
    return names.fast_digest(_digest)


def register_name_digests(full_name: str, iin: str) -> names.RegisterDigests:
    """Per-word digests of a register name (recall.names), bound to the voter's IIN."""
    return names.register_digests(full_name, _name_digest(), iin)


def typed_name_digests(full_name: str, iin: str) -> names.TypedDigests:
    """Per-word digests of a name as a signer typed it, bound to the IIN the signer typed."""
    return names.typed_digests(full_name, _name_digest(), iin)


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
        _name_digest.cache_clear()


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


class DigestArrayField(models.Field):
    """Name-word digests (recall.names): bigint[] on PostgreSQL, a JSON array in SQLite's text.

    The database default is the text '{}': PostgreSQL reads it as an empty array and SQLite's
    JSON functions as an empty object (no elements), so rows written by raw SQL that does not
    name these columns still have an empty, NOT NULL value on both."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("default", list)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def db_type(self, connection: Any) -> str:
        return "bigint[]" if connection.vendor == "postgresql" else "text"

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if value is None:
            return None
        value = [int(v) for v in value]
        return value if connection.vendor == "postgresql" else json.dumps(value)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> list[int] | None:
        return self.to_python(value)

    def to_python(self, value: Any) -> list[int] | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = json.loads(value)
            return value if isinstance(value, list) else []
        return list(value)
