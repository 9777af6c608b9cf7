"""Whether a phone number belongs to an IIN: the interface a deployment implements to ask the
state's mobile-citizens database (through the government service bus, SHEP), and an example.

Off by default (``RECALL_PHONE_OWNERSHIP_BACKEND = ""``): a text-message code then proves only
that the signer holds the typed phone (``IdentityStrength.PHONE``). With a backend, the
notification worker asks it before it texts a signing code (recall.services.signing.codes.send_code):

- the number is the IIN's: the code is sent, and the signature is stored as
  ``IdentityStrength.PHONE_OF_IIN``;
- it is not: no code is sent, the request can never be confirmed, and the typed number is
  texted why. The page shows exactly what it shows when a code is sent (README, "Who signed
  stays private"): whoever types someone's IIN with a number learns nothing on the screen,
  and only the number's holder, who knows whose number it is, reads the reason;
- the backend cannot answer now (``PhoneOwnershipUnavailable``): the worker's task retries a
  few times, then nothing is sent and the voter asks for a new code.

A backend is a class named by its dotted path in ``RECALL_PHONE_OWNERSHIP_BACKEND``, made once
per process with the keyword arguments in ``RECALL_PHONE_OWNERSHIP_OPTIONS`` (a JSON object),
with one method::

    def owns(self, *, iin: str, phone: str) -> bool

``iin`` is 12 digits with a valid check digit, ``phone`` is ``+7XXXXXXXXXX``
(recall.phones.normalize_phone). Return True only on a positive answer from the register;
raise ``PhoneOwnershipUnavailable`` for a timeout or an outage (never return False for
those: False refuses the voter). Never log the IIN or the number.
"""

from __future__ import annotations

import csv
import functools
import hmac
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

from . import crypto
from .iin import normalize as normalize_iin
from .phones import normalize_phone


class PhoneOwnershipUnavailable(Exception):
    """The register could not answer just now (retried by the worker, never a refusal)."""


class PhoneOwnership(Protocol):
    def owns(self, *, iin: str, phone: str) -> bool:
        """True when the mobile-citizens database links ``phone`` to ``iin``."""
        ...


@functools.cache
def backend() -> PhoneOwnership | None:
    """The configured backend, made once per process; None when none is configured."""
    path = settings.RECALL_PHONE_OWNERSHIP_BACKEND
    if not path:
        return None
    return import_string(path)(**settings.RECALL_PHONE_OWNERSHIP_OPTIONS)


@receiver(setting_changed)
def _reset(*, setting: str, **kwargs: object) -> None:
    if setting.startswith("RECALL_PHONE_OWNERSHIP_"):
        backend.cache_clear()


class ListedPhones:
    """An example backend: the pairs of a CSV file (columns ``iin,phone``), read once and kept
    as keyed digests. For tests and demonstrations, and as a model for a real backend; a
    deployment asks the mobile-citizens database over SHEP instead (its adapter, its
    certificate and its timeouts are the deployment's own)."""

    def __init__(self, *, path: str) -> None:
        self._pairs: set[str] = set()
        with Path(path).open(newline="", encoding="utf-8") as stream:
            for row in csv.DictReader(stream):
                self._pairs.add(self._key(normalize_iin(row["iin"]), normalize_phone(row["phone"])))

    @staticmethod
    def _key(iin: str, phone: str) -> str:
        return hmac.new(crypto.iin_digest(iin).encode(), phone.encode(), "sha256").hexdigest()

    def owns(self, *, iin: str, phone: str) -> bool:
        return self._key(iin, phone) in self._pairs
