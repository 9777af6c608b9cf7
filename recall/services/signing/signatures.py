"""Storing a signature: one short transaction, one INSERT.

The sign path never updates the petition row (counts are the workers' job), so thousands of
voters signing the same petition do not queue on one row. The unique constraint
(one_signature_per_voter_per_petition) decides duplicates; verification is requested after
commit, and a signature stored while the broker is down is picked up by the periodic re-queue.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import re
import secrets
from dataclasses import dataclass
from typing import Any

import psycopg
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Field
from django.utils import timezone
from django.utils.translation import gettext as _

from config import metrics

from ... import crypto
from ... import iin as iin_module
from ...constraints import violated
from ...crypto import DigestArrayField, EncryptedJSONField
from ...errors import AlreadySigned, InvalidInput, NotFound, PetitionNotCollecting
from ...models import SIGNABLE_STATES, Channel, Petition, Signature
from .. import queue
from . import channels

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

    def as_dict(self) -> dict[str, str]:
        """As stored (encrypted) with a signature or a pending confirmation."""
        data = {
            "iin": self.iin,
            "full_name": self.full_name,
            "birth_date": self.birth_date.isoformat(),
            "address": self.address,
        }
        if self.phone:
            data["phone"] = self.phone
        return data

    @classmethod
    def from_dict(cls, data: dict[str, str]) -> Signer:
        return cls(
            data["iin"],
            data["full_name"],
            dt.date.fromisoformat(data["birth_date"]),
            data["address"],
            data.get("phone", ""),
        )


def new_receipt() -> str:
    """60 random bits as 12 base-32 characters."""
    value = secrets.randbits(5 * RECEIPT_LENGTH)
    return "".join(RECEIPT_ALPHABET[(value >> (5 * i)) & 31] for i in range(RECEIPT_LENGTH))


def format_receipt(receipt: str) -> str:
    return "-".join(receipt[i : i + 4] for i in range(0, len(receipt), 4))


def normalize_receipt(value: str) -> str:
    """Accept what people type: lower case, dashes, spaces, O for 0 and I/L for 1."""
    text = re.sub(r"[\s\-]", "", value or "").upper().translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
    return text if re.fullmatch(f"[{RECEIPT_ALPHABET}]{{1,{RECEIPT_LENGTH}}}", text) else ""


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


def signable_petition(petition_id: int, *, channel: str, at: dt.datetime | None = None) -> None:
    """Raise unless the petition accepts signatures through ``channel`` now (one indexed read
    on the sign path): NotFound, ChannelNotAccepted (its level's policy) or PetitionNotCollecting."""
    at = at or timezone.now()
    row = (
        Petition.objects.filter(pk=petition_id)
        .annotate(refused=channels.refusing_policies(channel))
        .values_list("state", "window_start", "window_end", "refused")
        .first()
    )
    if row is None:
        raise NotFound(_("No such petition."))
    state, start, end, refused = row
    channels.check_accepted(refused)
    if state not in SIGNABLE_STATES or not (start <= at < end):
        raise PetitionNotCollecting()


def _is_repeat(error: IntegrityError) -> bool:
    return violated(error, Signature, "one_signature_per_voter_per_petition")


_COLUMNS = tuple(Signature._meta.concrete_fields)


def _row(
    petition_id: int,
    signer: Signer,
    *,
    channel: str,
    signed_at: dt.datetime,
    phone_of_iin: bool = False,
    **fields: Any,
) -> Signature:
    values = {
        "petition_id": petition_id,
        "voter_id": signer.digest,
        "channel": channel,
        "identity_strength": channels.strength_of(channel, phone_of_iin=phone_of_iin),
        "signed_at": signed_at,
        "received_at": timezone.now(),
        "iin_checksum_ok": True,
        "iin_data_mismatch": bool(iin_module.data_warnings(signer.iin, birth_date=signer.birth_date)),
        "name_digest": crypto.name_digest(signer.full_name),
        **crypto.typed_name_digests(signer.full_name, signer.iin).as_columns(),
        "birth_digest": crypto.birth_digest(signer.birth_date),
        "personal": signer.as_dict(),
    }
    for name, value in fields.items():
        values[Signature._meta.get_field(name).attname] = value
    # Every column in order, so the model takes its fast path (positional values, as rows read
    # from the database are built) instead of matching forty keywords to fields.
    return Signature(*[values[f.attname] if f.attname in values else f.get_default() for f in _COLUMNS])


@functools.cache
def _conditional_insert(vendor: str, repeats: bool = False) -> tuple[str, tuple[tuple[Field, str], ...]]:
    """The statement, and each column's field with how its value is passed (PLAIN: to the
    driver as it is, text, numbers, times; PREPARE: through the field, JSON and encrypted;
    ARRAY: a bigint[] literal).

    ``repeats``: the row's ``duplicate_of`` is found by the statement itself (the voter's first
    signature of the petition, if any, except one of the partner given as the last parameter).
    A repeat and a first then cost the same one statement, the same index lookup included,
    instead of a repeat's failed INSERT, a SELECT and a second INSERT that a stopwatch could tell
    apart (README, "Who signed stays private"; bench/timing.py measures it)."""
    fields = tuple(f for f in Signature._meta.concrete_fields if not f.primary_key)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    # A SELECT list's parameter has no column type to take: an empty list would arrive as text.
    cast = "::bigint[]" if vendor == "postgresql" else ""
    column = Signature._meta.get_field
    first = (
        f"COALESCE(CAST(%s AS bigint), (SELECT s.id FROM {quote(Signature._meta.db_table)} s "
        f"WHERE s.{quote(column('petition').column)} = CAST(%s AS bigint) "
        f"AND s.{quote(column('voter').column)} = %s AND s.{quote(column('duplicate_of').column)} IS NULL "
        f"AND (CAST(%s AS bigint) IS NULL OR s.{quote(column('client').column)} IS NULL "
        f"OR s.{quote(column('client').column)} <> CAST(%s AS bigint))))"
    )
    placeholders = ", ".join(
        first if repeats and f.name == "duplicate_of" else "%s" + cast if isinstance(f, DigestArrayField) else "%s"
        for f in fields
    )
    states = ", ".join(f"'{state}'" for state in SIGNABLE_STATES)
    # FOR KEY SHARE: an insert in flight holds the petition row (as the foreign key's check
    # does), so closing the window (recall.services.lifecycle.windows, FOR UPDATE) waits for it
    # and sees it; and an insert that waited for a closing re-reads the petition after it, so it
    # cannot land in a petition that has just expired.
    lock = " FOR KEY SHARE" if vendor == "postgresql" else ""
    petitions = quote(Petition._meta.db_table)
    # The level's policy must not refuse the channel (recall.services.signing.channels): read in
    # the same statement, so a channel refused a moment ago is refused here too.
    refused = (
        f"SELECT 1 FROM recall_district d JOIN recall_recallpolicy pol ON pol.level = d.level "
        f"WHERE d.id = {petitions}.district_id AND NOT {channels.accept_sql('CAST(%s AS text)')}"
    )
    sql = (
        f"INSERT INTO {quote(Signature._meta.db_table)} ({columns}) SELECT {placeholders} "
        f"WHERE EXISTS (SELECT 1 FROM {petitions} WHERE id = %s "
        f"AND state IN ({states}) AND window_start <= %s AND window_end > %s "
        f"AND NOT EXISTS ({refused}){lock}) "
        f"RETURNING id, {quote(column('duplicate_of').column)}"
    )
    plain = (models.CharField, models.BooleanField, models.IntegerField, models.DateTimeField, models.ForeignKey)
    prepared = (EncryptedJSONField, models.JSONField)

    def kind(f: Field) -> str:
        if isinstance(f, DigestArrayField) and vendor == "postgresql":
            return ARRAY
        return PREPARE if isinstance(f, prepared) or not isinstance(f, plain) else PLAIN

    return sql, tuple((f, kind(f)) for f in fields)


# How _insert passes each column's value: as it is, through the field's own preparation, or
# (digest arrays on PostgreSQL) as an array literal the statement casts to bigint[]: psycopg's
# list adapter looks at every element to choose a type, a tenth of the sign path's driver work.
PLAIN, PREPARE, ARRAY = "plain", "prepare", "array"


class _SignCursor(psycopg.Cursor):
    """A server-binding cursor that prepares its statements, or never does (``prepare``),
    whatever the connection's threshold says (DATABASE_PREPARED_STATEMENTS sets it; with it
    off, psycopg prepares nothing). Prepared, the guarded INSERT, its three subqueries and their
    joins are planned once per connection instead of on every signature: that planning was two
    thirds of the database's work on the sign path."""

    prepare: bool

    def execute(self, query, params=None, *, prepare=None, binary=None):  # type: ignore[no-untyped-def,override]
        return super().execute(query, params, prepare=self.prepare if prepare is None else prepare, binary=binary)


class _PreparedCursor(_SignCursor):
    prepare = True


class _LoggedCursor(_SignCursor):
    # Django's query log reads the statement's text from the cursor, which psycopg leaves
    # empty when it runs a prepared one: a logged statement is never prepared.
    prepare = False


def _execute(sql: str, params: list) -> tuple | None:
    """On PostgreSQL the values are bound on the server (a psycopg cursor of its own, wrapped
    like Django's, so query logging and execute wrappers still see it) and the statement is
    prepared once per connection: the sign path then neither quotes thirty values nor has the
    statement parsed and planned again."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()
    # Django's own cursor() checks a reused connection before its first query of a request
    # (CONN_HEALTH_CHECKS); this path takes the raw connection, so it asks for the same check: a
    # connection the server dropped while idle (a failover, an idle timeout) is replaced here
    # instead of failing the voter's request.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    if connection.queries_logged:
        wrapped = connection.make_debug_cursor(_LoggedCursor(connection.connection))
    else:
        wrapped = connection.make_cursor(_PreparedCursor(connection.connection))
    with wrapped as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def _insert(signature: Signature, at: dt.datetime, *, repeats: bool = False, own_client: int | None = None) -> None:
    """INSERT the row only if its petition accepts signatures at ``at``: one statement, so the
    check and the write cannot be separated by a state change (and the sign path makes one
    round trip to the database). Raises PetitionNotCollecting / NotFound when nothing was
    inserted. Inside a caller's transaction a savepoint keeps a unique-constraint failure
    from aborting it; in autocommit (the request path) the statement is the transaction."""
    sql, columns = _conditional_insert(connection.vendor, repeats)
    # pre_save: the encrypted fields seal their value under the petition's data key there.
    try:
        params = []
        for f, how in columns:
            if how is PLAIN:
                value = getattr(signature, f.attname)
            elif how is ARRAY:
                value = "{" + ",".join(map(str, getattr(signature, f.attname))) + "}"
            else:
                value = f.get_db_prep_save(f.pre_save(signature, True), connection)
            if repeats and f.name == "duplicate_of":
                params += [value, signature.petition_id, signature.voter_id, own_client, own_client]
            else:
                params.append(value)
    except crypto.NoSuchPetition:
        raise NotFound(_("No such petition.")) from None
    params += [signature.petition_id, at, at, signature.channel]
    savepoint = transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext()
    with savepoint:
        row = _execute(sql, params)
    if row is None:
        # says why: not found, the channel refused, or not collecting
        signable_petition(signature.petition_id, channel=signature.channel, at=at)
        raise PetitionNotCollecting()
    signature.pk, signature.duplicate_of_id = row
    signature._state.adding = False
    metrics.signature_received(signature.channel)  # recall_signatures_received_total{channel}


def sign_on_web(
    petition_id: int, signer: Signer, *, repeat_as_duplicate: bool = False, phone_of_iin: bool = False
) -> Signature:
    """A voter confirmed the one-time code. A repeat raises AlreadySigned, or, with
    ``repeat_as_duplicate`` (the text-message path), is stored as a marked duplicate with a
    receipt of its own and answered like a first signature: whoever typed a known IIN and
    their own phone cannot tell from the answer that the IIN had signed (README, "Who signed
    stays private"). Verification counts the duplicate invalid; the first stays as it is.
    ``phone_of_iin``: the phone ownership backend said the number is the IIN's."""
    now = timezone.now()
    signature = _row(
        petition_id, signer, channel=Channel.WEB, signed_at=now, phone_of_iin=phone_of_iin, receipt=new_receipt()
    )
    for _attempt in range(3):
        try:
            _insert(signature, now, repeats=repeat_as_duplicate)
        except IntegrityError as error:
            # With repeat_as_duplicate only a race lands here: the first signature was being
            # stored by another request when this one looked for it.
            if not _is_repeat(error) or not repeat_as_duplicate or signature.duplicate_of_id:
                if _is_repeat(error):
                    raise AlreadySigned() from error
                raise
            first = _first_id(petition_id, signer.digest)
            if first is None:  # the first one was rolled back meanwhile: try again as a first
                continue
            signature.duplicate_of_id = first
        else:
            queue.request_verification()
            return signature
    raise AlreadySigned()


def _first_id(petition_id: int, digest: str) -> int | None:
    # duplicate_of IS NULL lets the partial unique index answer.
    return (
        Signature.objects.filter(petition_id=petition_id, voter_id=digest, duplicate_of__isnull=True)
        .values_list("pk", flat=True)
        .first()
    )


class Replay(Exception):
    """A partner's retry under an Idempotency-Key already used: answer from ``signature``."""

    def __init__(self, signature: Signature) -> None:
        super().__init__(signature.pk)
        self.signature = signature


def _replay_of(client_id: int, idempotency_key: str | None) -> Signature | None:
    if idempotency_key is None:
        return None
    return Signature.objects.filter(client_id=client_id, idempotency_key=idempotency_key).first()


def sign_for_partner(
    petition_id: int,
    signer: Signer,
    *,
    client_id: int,
    signed_at: dt.datetime | None = None,
    idempotency_key: str | None = None,
    request_hash: str = "",
) -> Signature:
    """An accredited partner submits a signature it collected under its own identity checks.

    One INSERT, outside any transaction block. A repeat of the partner's own earlier
    submission raises AlreadySigned; a repeat of a signature from anywhere else is stored as a
    marked duplicate (verification counts it invalid) and answered like any other: a partner
    never learns that someone else signed. A key already used raises Replay.
    """
    now = timezone.now()
    signed_at = signed_at or now
    if signed_at > now + CLOCK_SKEW:
        raise InvalidInput(_("The signing time is in the future."), field="signed_at", code="invalid_signed_at")
    signature = _row(
        petition_id,
        signer,
        channel=Channel.PARTNER,
        signed_at=signed_at,
        receipt=new_receipt(),
        client_id=client_id,
        idempotency_key=idempotency_key,
        request_hash=request_hash,
    )
    for _attempt in range(3):
        try:
            # A repeat of another's signature becomes a duplicate in the one statement; the
            # partner's own repeat (or a race) fails on the unique index and is sorted out below.
            _insert(signature, now, repeats=True, own_client=client_id)
        except IntegrityError as error:
            earlier = _replay_of(client_id, idempotency_key)
            if earlier is not None:  # a retry, possibly racing the original request
                raise Replay(earlier) from error
            if not _is_repeat(error) or signature.duplicate_of_id:
                raise
            first = (
                Signature.objects.filter(petition_id=petition_id, voter_id=signer.digest, duplicate_of__isnull=True)
                .only("id", "client_id", "receipt")
                .first()
            )
            if first is None:  # the first one was rolled back meanwhile: try again as a first
                continue
            if first.client_id == client_id:
                raise AlreadySigned(
                    _("This partner already submitted this voter's signature (receipt %(receipt)s).")
                    % {"receipt": format_receipt(first.receipt or "")},
                ) from error
            signature.duplicate_of_id = first.pk
        else:
            queue.request_verification()
            return signature
    raise AlreadySigned()


def partner_signature(receipt: str, *, client_id: int) -> Signature | None:
    """The signature with this receipt if this partner submitted it: a partner reads and
    withdraws its own signatures only, and learns nothing of any other receipt."""
    normalized = normalize_receipt(receipt)
    if not normalized:
        return None
    return Signature.objects.filter(receipt=normalized, client_id=client_id).first()
