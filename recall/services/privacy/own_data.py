"""The voter's own-data page: everything the service holds about one signature, shown to its
signer, and when it will be destroyed.

Three things open it: the receipt, the IIN, and a one-time code texted to the number on record
(recall.services.signing.codes.start_data_view: the same codes, limits and attempt counters as a
withdrawal). A signature without a number on record (EDS, a paper line, a partner's without
one) is shown by the election commission.

After the petition's personal data is purged (recall.services.privacy.retention) the receipt alone
finds the signature's anonymous remains; the page then says the data was destroyed, and when.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from ...ledger import entries
from ...models import Channel, LedgerEntry, PetitionDataKey, Signature
from .. import ledger, signing
from ..signing import codes
from . import retention


@dataclass(frozen=True)
class Destroyed:
    """A receipt whose petition's personal data no longer exists."""

    petition_id: int
    destroyed_at: dt.datetime


def destroyed(receipt: str) -> Destroyed | None:
    """The purge of this receipt's petition, if its personal data was destroyed."""
    petition_id = (
        Signature.objects.filter(receipt=signing.normalize_receipt(receipt), personal__isnull=True)
        .values_list("petition_id", flat=True)
        .first()
    )
    return _purge_of(petition_id)


def destroyed_signature(signature_id: int) -> Destroyed | None:
    """The same for a signature already opened (the page stays open a few minutes)."""
    petition_id = Signature.objects.filter(pk=signature_id).values_list("petition_id", flat=True).first()
    return _purge_of(petition_id)


def _purge_of(petition_id: int | None) -> Destroyed | None:
    if petition_id is None:
        return None
    at = PetitionDataKey.objects.filter(petition_id=petition_id).values_list("destroyed_at", flat=True).first()
    return Destroyed(petition_id, at) if at else None


@dataclass(frozen=True)
class Entry:
    index: int
    leaf_hash: str  # base64, as the ledger's API serves it
    text: str  # the entry as stored: canonical JSON (recall.ledger.entries)
    event: dict[str, Any]

    @property
    def kind(self) -> str:
        return self.event.get("type", "")

    @property
    def day(self) -> dt.date | None:
        """The day the entry names (received, verified), for the page to write in its language."""
        value = self.event.get("day", "")
        if "W" in value:  # a week (Python reads "2026-W48" as its Monday)
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None

    @property
    def when(self) -> str:
        """The day the entry names, in the page's language; or, for an entry whose day was
        coarsened to its ISO week (a small group, recall.ledger.entries), that week."""
        value = self.event.get("day", "")
        if self.day is not None:
            return date_format(self.day, "DATE_FORMAT")
        try:
            monday = dt.date.fromisocalendar(int(value[:4]), int(value[6:]), 1)
        except (ValueError, IndexError):
            return value
        return _("the week of %(date)s") % {"date": date_format(monday, "DATE_FORMAT")}

    @property
    def channel_label(self) -> str:
        channel = self.event.get("channel", "")
        if channel == entries.WITHHELD:
            return _("channel not shown: too few signatures of its kind that week")
        return str(Channel(channel).label) if channel in Channel.values else channel


@dataclass(frozen=True)
class Report:
    signature: Signature
    receipt: str  # as printed on the receipt page
    personal: dict[str, Any]
    purge_date: dt.date | None
    entries: list[Entry]


def ledger_entries(signature: Signature) -> list[Entry]:
    """The public ledger's entries about this signature (found by its commitment)."""
    commitment = ledger.commitment(signature.petition_id, signature.pk, signature.receipt)
    needle = f'"commitment":"{commitment}"'.encode()
    table = LedgerEntry._meta.db_table
    index = connection.ops.quote_name("index")  # a keyword in both databases
    # Finding bytes inside bytes: position() on PostgreSQL's bytea, instr() on SQLite's blob.
    found_in = "position(%s::bytea in data) > 0" if connection.vendor == "postgresql" else "instr(data, %s) > 0"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {index}, leaf_hash, data FROM {table} WHERE petition_id = %s AND {found_in} ORDER BY {index}",
            [signature.petition_id, needle],
        )
        rows = cursor.fetchall()
    found = []
    for index, leaf_hash, data in rows:
        entries.decode(bytes(data))  # canonical version 1, or EntryError
        text = bytes(data).decode()
        found.append(Entry(index, base64.b64encode(bytes(leaf_hash)).decode(), text, json.loads(text)))
    if signature.hidden_repeat:
        # Shown like a first signature (codes.as_seen_by_signer): its decisions are not.
        found = [e for e in found if e.event.get("type") == "received"]
    return found


def report(signature_id: int) -> Report:
    signature = codes.as_seen_by_signer(
        Signature.objects.select_related("petition__deputy", "petition__district").get(pk=signature_id)
    )
    personal = dict(signature.personal or {})
    if personal.get("birth_date"):
        # Stored as ISO text; the page writes it in its language's format.
        with contextlib.suppress(TypeError, ValueError):
            personal["birth_date"] = dt.date.fromisoformat(personal["birth_date"])
    receipt = signing.format_receipt(signature.receipt or "")
    return Report(signature, receipt, personal, retention.purge_date(signature.petition), ledger_entries(signature))
