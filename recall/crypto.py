"""Keyed digests and encryption of personal data.

IINs are looked up and compared by an HMAC-SHA256 digest under RECALL_IIN_KEY; names and birth
dates are compared the same way so verification can match them in SQL. Everything a person
typed is stored encrypted with Fernet (AES-128-CBC + HMAC); RECALL_ENCRYPTION_KEYS lists the
keys newest first, so a new key can be introduced and old rows rotated without downtime.

Personal data of a petition (its signatures, their EDS material, its one-time-code requests) is
encrypted under a data key of its own (``PetitionDataKey``), stored wrapped by the master keys.
Such a token is ``p<petition id>:<Fernet token>``; a bare Fernet token is under the master keys
(the register, secrets, and rows written before data keys existed, which still decrypt).
Destroying a petition's data key makes every copy of its tokens unreadable, backups included
(crypto-shredding, recall.services.privacy.retention); rotating the master keys re-wraps the data keys
and leaves the rows alone.
"""

from __future__ import annotations

import datetime as dt
import functools
import hmac
import json
import re
import unicodedata
from collections.abc import Callable
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import models
from django.dispatch import receiver

from . import names
from .text import printable

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


def register_source_digest(values: str) -> int:
    """A keyed digest (bigint) of a register line's values as the import read them
    (Voter.source_digest): a re-import rebuilds only the voters whose line changed. Keyed, so it
    says nothing about the values to someone without RECALL_IIN_KEY; a new key changes every
    one, and the next import rebuilds every voter under it."""
    return names.to_int64(_name_digest()(REGISTER_SOURCE_PURPOSE, values))


# Bumped when what the import derives from a line changes (the name rule, the columns kept),
# so that the next import rebuilds every voter rather than skipping "unchanged" lines.
REGISTER_SOURCE_PURPOSE = "register-source-v1"


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


def _dumps(data: dict) -> bytes:
    # UTF-8 rather than \u escapes: a Cyrillic name is a third of the size, and so is its token.
    # A lone surrogate (only ever inside a JSON string) is written as its \u escape, which
    # json.loads reads back as the same character.
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8", "backslashreplace")


def encrypt(data: dict, *, petition_id: int | None = None) -> str:
    """A token under the petition's data key, or under the master keys without a petition."""
    if petition_id is None:
        return _fernet().encrypt(_dumps(data)).decode()
    return f"{DATA_KEY_PREFIX}{petition_id}:{data_key(petition_id).encrypt(_dumps(data)).decode()}"


def decrypt(token: str) -> dict:
    petition_id, body = split_token(token)
    fernet = _fernet() if petition_id is None else data_key(petition_id, create=False)
    try:
        data = json.loads(fernet.decrypt(body.encode()))
    except InvalidToken as exc:
        raise ImproperlyConfigured("Personal data cannot be decrypted with RECALL_ENCRYPTION_KEYS.") from exc
    return printable(data)


def rotate(token: str) -> str:
    """Re-encrypt a master-key token under the newest key (a data-key token is left as it is:
    rotating the master keys re-wraps its data key instead)."""
    if split_token(token)[0] is not None:
        return token
    return _fernet().rotate(token.encode()).decode()


# --- Per-petition data keys ----------------------------------------------------------------------

DATA_KEY_PREFIX = "p"
# A Fernet token is URL-safe base64 and never holds ":", so the prefix cannot be mistaken.
_DATA_TOKEN = re.compile(r"^p(\d+):(.*)$", re.DOTALL)


def split_token(token: str) -> tuple[int | None, str]:
    """(petition id, Fernet token) of a data-key token; (None, token) for a master-key one."""
    match = _DATA_TOKEN.match(token)
    return (int(match.group(1)), match.group(2)) if match else (None, token)


class DataKeyDestroyed(ImproperlyConfigured):
    """The petition's personal data was purged: its data key no longer exists."""


class NoSuchPetition(LookupError):
    """A data key was asked for a petition that does not exist."""


def wrap_new_key() -> bytes:
    return _fernet().encrypt(Fernet.generate_key())


def rewrap(wrapped: bytes) -> bytes:
    """The same data key, wrapped under the newest master key."""
    return _fernet().rotate(bytes(wrapped))


def unwrap(wrapped: bytes) -> Fernet:
    return Fernet(_fernet().decrypt(bytes(wrapped)))


# The petitions' data keys are kept in the database by recall.services.privacy.keys, which
# registers its lookup here when the app is ready (recall.apps): the fields below are used by
# the models, so this module cannot import them.
_data_key_source: Callable[[int, bool], Fernet] | None = None


def use_data_keys(source: Callable[[int, bool], Fernet]) -> None:
    global _data_key_source
    _data_key_source = source


def data_key(petition_id: int, *, create: bool = True) -> Fernet:
    """The petition's data key, unwrapped (recall.services.privacy.keys.data_key)."""
    if _data_key_source is None:
        raise ImproperlyConfigured("No source of petition data keys: the recall app is not ready.")
    return _data_key_source(petition_id, create)


class _Sealed(str):
    """A token already made by ``pre_save`` (which knows the row's petition)."""


def _petition_of(instance: models.Model, path: str) -> int | None:
    value: Any = instance
    for part in path.split("."):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value


class EncryptedJSONField(models.TextField):
    """A dict stored as a Fernet token. Never filter on it: use the digests.

    ``petition``: the attribute path of the row's petition id ("petition_id"); the value is then
    encrypted under that petition's data key (on save, bulk_create and the sign path's INSERT,
    which all call ``pre_save``; a value given to QuerySet.update goes under the master keys)."""

    def __init__(self, *args: Any, petition: str = "", **kwargs: Any) -> None:
        self.petition_path = petition
        super().__init__(*args, **kwargs)

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = super().pre_save(model_instance, add)
        if value is None or not self.petition_path:
            return value
        return _Sealed(self._encrypt(value, _petition_of(model_instance, self.petition_path)))

    def _encrypt(self, value: Any, petition_id: int | None) -> str:
        return encrypt(value, petition_id=petition_id)

    def _decrypt(self, value: str) -> Any:
        return decrypt(value)

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Any:
        return None if value is None else self._decrypt(value)

    def to_python(self, value: Any) -> Any:
        if value is None or isinstance(value, dict):
            return value
        return self._decrypt(value)

    def get_prep_value(self, value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, _Sealed):
            return str(value)
        return self._encrypt(value, None)

    def value_to_string(self, obj: models.Model) -> str:
        return "[encrypted]"


class EncryptedTextField(EncryptedJSONField):
    """A short secret (a webhook signing secret, an EDS signature's CMS) stored as a token."""

    def _encrypt(self, value: Any, petition_id: int | None) -> str:
        return encrypt({"v": str(value)}, petition_id=petition_id)

    def _decrypt(self, value: str) -> Any:
        return decrypt(value)["v"]

    def to_python(self, value: Any) -> Any:
        return value


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
