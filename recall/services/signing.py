"""Storing a signature: one short transaction, one INSERT.

The sign path never updates the petition row (counts are the workers' job), so thousands of
voters signing the same petition do not queue on one row. The unique constraint
(one_signature_per_voter_per_petition) decides duplicates; verification is requested after
commit, and a signature stored while the broker is down is picked up by the periodic re-queue.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import crypto
from .. import iin as iin_module
from ..errors import AlreadySigned, InvalidInput, NotFound, PetitionNotCollecting
from ..models import SIGNABLE_STATES, Channel, Petition, Signature
from . import queue

# Crockford's base32 without I, L, O, U: easy to read aloud and to type from a phone.
RECEIPT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RECEIPT_LENGTH = 12
CLOCK_SKEW = dt.timedelta(minutes=5)
MAX_NAME = 200
MAX_ADDRESS = 300


@dataclass(frozen=True)
class Signer:
    """What a signer entered, checked: the IIN normalized, the strings stripped."""

    iin: str
    full_name: str
    birth_date: dt.date
    address: str
    phone: str = ""

    @property
    def digest(self) -> str:
        return crypto.iin_digest(self.iin)


def new_receipt() -> str:
    return "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_LENGTH))


def format_receipt(receipt: str) -> str:
    return "-".join(receipt[i : i + 4] for i in range(0, len(receipt), 4))


def normalize_receipt(value: str) -> str:
    """Accept what people type: lower case, dashes, spaces, O for 0 and I/L for 1."""
    text = re.sub(r"[\s\-]", "", value or "").upper()
    return text.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))


def check_iin(value: str, field: str = "iin") -> str:
    try:
        return iin_module.validate(value)
    except iin_module.InvalidIIN as exc:
        message = (
            _("An IIN is exactly 12 digits.")
            if exc.code == "malformed"
            else _("This IIN's check digit is wrong; please check the number.")
        )
        raise InvalidInput(message, field=field, code="invalid_iin") from exc


def check_signer(
    *, iin: str, full_name: str, birth_date: dt.date | None, address: str, phone: str = "", today: dt.date | None = None
) -> Signer:
    """Validate what a voter or partner entered; raises InvalidInput naming the field."""
    today = today or timezone.localdate()
    number = check_iin(iin)
    full_name = " ".join((full_name or "").split())
    address = " ".join((address or "").split())
    if not full_name:
        raise InvalidInput(_("Enter the full name."), field="full_name", code="required")
    if len(full_name) > MAX_NAME:
        raise InvalidInput(_("The name is too long."), field="full_name", code="too_long")
    if birth_date is None:
        raise InvalidInput(_("Enter the date of birth."), field="birth_date", code="required")
    if birth_date > today:
        raise InvalidInput(_("The date of birth is in the future."), field="birth_date", code="invalid_birth_date")
    if birth_date < dt.date(1900, 1, 1):
        raise InvalidInput(_("Check the date of birth."), field="birth_date", code="invalid_birth_date")
    if not address:
        raise InvalidInput(_("Enter the address of residence."), field="address", code="required")
    if len(address) > MAX_ADDRESS:
        raise InvalidInput(_("The address is too long."), field="address", code="too_long")
    return Signer(number, full_name, birth_date, address, phone)


def signable_petition(petition_id: int, *, at: dt.datetime | None = None) -> Petition:
    """The petition, if it accepts signatures now; raises PetitionNotCollecting otherwise."""
    at = at or timezone.now()
    petition = Petition.objects.filter(pk=petition_id).only("id", "state", "window_start", "window_end").first()
    if petition is None:
        raise NotFound(_("No such petition."))
    if petition.state not in SIGNABLE_STATES or not (petition.window_start <= at < petition.window_end):
        raise PetitionNotCollecting(field=None)
    return petition


def _is_repeat(error: IntegrityError) -> bool:
    text = str(error)
    return "one_signature_per_voter_per_petition" in text or (
        "recall_signature.petition_id, recall_signature.voter_digest" in text  # SQLite's wording
    )


def _row(petition_id: int, signer: Signer, *, channel: str, signed_at: dt.datetime, **fields: Any) -> Signature:
    personal = {
        "iin": signer.iin,
        "full_name": signer.full_name,
        "birth_date": signer.birth_date.isoformat(),
        "address": signer.address,
    }
    if signer.phone:
        personal["phone"] = signer.phone
    return Signature(
        petition_id=petition_id,
        voter_id=signer.digest,
        channel=channel,
        signed_at=signed_at,
        received_at=timezone.now(),
        iin_checksum_ok=True,
        iin_data_mismatch=bool(iin_module.data_warnings(signer.iin, birth_date=signer.birth_date)),
        name_digest=crypto.name_digest(signer.full_name),
        birth_digest=crypto.birth_digest(signer.birth_date),
        personal=personal,
        **fields,
    )


def sign_on_web(petition_id: int, signer: Signer) -> Signature:
    """A voter confirmed the one-time code. Raises AlreadySigned for a repeat (the web page
    never shows it: the voter got the same screen as anyone else)."""
    signable_petition(petition_id)
    signature = _row(petition_id, signer, channel=Channel.WEB, signed_at=timezone.now(), receipt=new_receipt())
    try:
        with transaction.atomic():
            signature.save(force_insert=True)
            queue.request_verification()
    except IntegrityError as error:
        if _is_repeat(error):
            raise AlreadySigned() from error
        raise
    return signature


def sign_for_partner(
    petition_id: int,
    signer: Signer,
    *,
    client_id: int,
    signed_at: dt.datetime | None = None,
    receipt: str | None = None,
) -> Signature:
    """An accredited partner submits a signature it collected under its own identity checks.

    A repeat of the partner's own earlier submission raises AlreadySigned. A repeat of a
    signature from anywhere else is stored as a marked duplicate (verification counts it
    invalid) and answered like any other: a partner never learns that someone else signed.
    """
    now = timezone.now()
    signed_at = signed_at or now
    if signed_at > now + CLOCK_SKEW:
        raise InvalidInput(_("The signing time is in the future."), field="signed_at", code="invalid_signed_at")
    signable_petition(petition_id, at=now)
    signature = _row(
        petition_id, signer, channel=Channel.PARTNER, signed_at=signed_at, receipt=receipt or new_receipt(),
        client_id=client_id,
    )
    try:
        with transaction.atomic():
            signature.save(force_insert=True)
    except IntegrityError as error:
        if not _is_repeat(error):
            raise
        first = Signature.objects.filter(
            petition_id=petition_id, voter_id=signer.digest, duplicate_of__isnull=True
        ).only("id", "client_id", "receipt").first()
        if first is None:  # the first one was rolled back meanwhile: try once more as a first
            return sign_for_partner(petition_id, signer, client_id=client_id, signed_at=signed_at, receipt=receipt)
        if first.client_id == client_id:
            raise AlreadySigned(
                _("This partner already submitted this voter's signature (receipt %(receipt)s).")
                % {"receipt": format_receipt(first.receipt or "")},
                code="already_signed",
            ) from error
        signature.duplicate_of_id = first.pk
        signature.save(force_insert=True)
    queue.request_verification()
    return signature
