"""The public signature ledger: appending entries, signing checkpoints, serving proofs.

One append-only Merkle log per petition (recall/ledger/API.md is the contract, the pure
building blocks are in recall.ledger). Entries are appended by the services that change
signatures and states, inside their transactions: the verification batch, officials'
decisions, withdrawals, the lifecycle's ``move``, the sample. Never on the sign request.

Appending locks the petition row (``SELECT ... FOR UPDATE``: the batch's count UPDATE locks it
anyway, in the same id order), reads at most log2(size) stored hashes in one query, stores
the new leaves and every subtree they complete, and raises ``ledger_size`` in the same
transaction as the counts: a reader sees counts, state and ledger size of one snapshot.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import hmac
import logging
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from operator import itemgetter
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.db.models import F, Max, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from ... import task_names
from ...ledger import entries, note, tlog
from ...models import LedgerCheckpoint, LedgerEntry, Petition, Signature, SignatureState
from .. import queue
from ..public import public_cache

logger = logging.getLogger(__name__)

DECIDED = {SignatureState.VALID: True, SignatureState.INVALID: False}


# --- keys and names --------------------------------------------------------------------------


@functools.cache
def _signer(skey: str) -> note.Signer:
    return note.Signer.from_skey(skey)


def signer() -> note.Signer:
    """The log's key (RECALL_LEDGER_SIGNING_KEY), its own: never another of the service's keys."""
    skey = settings.RECALL_LEDGER_SIGNING_KEY
    if not skey:
        raise ImproperlyConfigured("RECALL_LEDGER_SIGNING_KEY is not set.")
    return _signer(skey)


def origin(petition_id: int) -> str:
    return f"{settings.RECALL_LEDGER_HOST}/petitions/{petition_id}"


def b64(data: bytes) -> str:
    return base64.b64encode(bytes(data)).decode()


# --- commitments -----------------------------------------------------------------------------


@functools.cache
def _paper_mac(key: str) -> hmac.HMAC:
    """The keyed HMAC state after the fixed prefix; copied per signature (a verification batch
    computes thousands of these, and re-keying each one cost more than the hash)."""
    return hmac.new(key.encode(), b"recall-paper-secret/v1\x00", "sha256")


def _paper_secret(signature_id: int, key: str | None = None) -> bytes:
    """A paper line's commitment secret: keyed by the service's IIN key and the signature's id,
    so it is stable (the line's later entries repeat its commitment), unguessable without the
    key, and needs no column on the signatures table (whose INSERT is the benchmarked path).
    HMAC-SHA256(RECALL_IIN_KEY, "recall-paper-secret/v1" 0x00 || decimal id)."""
    mac = _paper_mac(key or settings.RECALL_IIN_KEY).copy()
    mac.update(str(signature_id).encode())
    return mac.digest()


def commitment(petition_id: int, signature_id: int, receipt: str | None, *, key: str | None = None) -> str:
    """The commitment the signature's entries carry (recall.ledger.entries, "Commitments").
    ``key``: RECALL_IIN_KEY read once by a caller computing many."""
    if receipt:
        return entries.receipt_commitment(petition_id, receipt)
    return entries.paper_commitment(petition_id, _paper_secret(signature_id, key))


@dataclass(frozen=True)
class Row:
    """What the ledger needs of a signature; nothing about the signer beyond the day."""

    id: int
    petition_id: int
    receipt: str | None
    channel: str
    day: str  # the local day of signing, YYYY-MM-DD
    # A web repeat (Signature.hidden_repeat): its decision goes in an entry of its own.
    repeat: bool = False

    @property
    def commitment(self) -> str:
        return commitment(self.petition_id, self.id, self.receipt)

    def commitment_with(self, key: str) -> str:
        return commitment(self.petition_id, self.id, self.receipt, key=key)

    def received(self) -> entries.Received:
        return entries.Received(self.commitment, self.channel, self.day)


def row_of(signature: Any) -> Row:
    day = timezone.localtime(signature.signed_at).date().isoformat()
    return Row(signature.pk, signature.petition_id, signature.receipt, signature.channel, day, signature.hidden_repeat)


# --- appending -------------------------------------------------------------------------------


# Storage in tiles (Go's sumdb/tlog idea): the leaf hashes live in the entries' rows, and of
# the interior nodes only those at levels 8, 16, 24... are stored; a node between two stored
# levels is recomputed from at most 128 stored hashes below it. An append then writes one row
# per entry plus one per 255, instead of about two per entry.
TILE_HEIGHT = 8


def _is_stored_level(level: int) -> bool:
    """Interior levels kept in LedgerNode (level 0, the leaves, is in the entries' rows)."""
    return level > 0 and level % TILE_HEIGHT == 0


def _stored_level(level: int) -> int:
    return level - level % TILE_HEIGHT


def _reader(petition_id: int):
    """``read`` for recall.ledger.tlog: the hashes of complete subtrees, in two queries at most.
    The SQL is written out (ranges of indexes, OR'ed): a proof at a million entries asks for
    some twenty ranges, and building them through the ORM cost more than running them."""

    def read(nodes: list[tuple[int, int]]) -> list[bytes]:
        if not nodes:
            return []
        leaves: list[tuple[int, int]] = []
        stored: list[tuple[int, int, int]] = []
        for level, index in nodes:
            base = _stored_level(level)
            lo, hi = index << (level - base), (index + 1) << (level - base)
            if base == 0:
                leaves.append((lo, hi))
            else:
                stored.append((base, lo, hi))
        found: dict[tuple[int, int], bytes] = {}
        at = connection.ops.quote_name("index")  # a keyword in SQLite
        with connection.cursor() as cursor:
            if leaves:
                ranges = " OR ".join([f"({at} >= %s AND {at} < %s)"] * len(leaves))
                cursor.execute(
                    f"SELECT {at}, leaf_hash FROM recall_ledgerentry WHERE petition_id = %s AND ({ranges})",
                    [petition_id, *(bound for pair in leaves for bound in pair)],
                )
                found.update(((0, i), bytes(h)) for i, h in cursor.fetchall())
            if stored:
                ranges = " OR ".join([f"(level = %s AND {at} >= %s AND {at} < %s)"] * len(stored))
                cursor.execute(
                    f"SELECT level, {at}, hash FROM recall_ledgernode WHERE petition_id = %s AND ({ranges})",
                    [petition_id, *(value for triple in stored for value in triple)],
                )
                found.update(((lv, i), bytes(h)) for lv, i, h in cursor.fetchall())
        try:
            return [_node(found, level, index) for level, index in nodes]
        except KeyError as error:
            raise LookupError(f"petition {petition_id}: ledger node {error} is missing") from error

    return read


def _node(found: dict[tuple[int, int], bytes], level: int, index: int) -> bytes:
    base = _stored_level(level)
    span = 1 << (level - base)
    hashes = [found[(base, i)] for i in range(index * span, (index + 1) * span)]
    while len(hashes) > 1:  # a complete subtree: pairwise up to its root
        hashes = [tlog.node_hash(hashes[i], hashes[i + 1]) for i in range(0, len(hashes), 2)]
    return hashes[0]


def append(petition_id: int, events: Sequence[entries.Event]) -> int:
    """Append ``events`` to the petition's log; call inside the transaction that changed what they
    record. Returns the new size. O(len(events)) hashing, at most log2(size) stored hashes read."""
    if not events:
        return 0
    return _append_encoded(petition_id, [_encode(e) for e in events])


def _append_encoded(petition_id: int, data: list[bytes]) -> int:
    assert transaction.get_connection().in_atomic_block, "append inside the transaction that changes the data"
    size = Petition.objects.select_for_update(no_key=True).values_list("ledger_size", flat=True).get(pk=petition_id)
    leaves = [tlog.leaf_hash(d) for d in data]
    new = tlog.stored_hashes_for_append(size, leaves, _reader(petition_id), keep=_is_stored_level)
    _insert(
        "recall_ledgerentry",
        ("petition_id", "index", "data", "leaf_hash"),
        [(petition_id, size + i, d, leaves[i]) for i, d in enumerate(data)],
    )
    _insert(
        "recall_ledgernode",
        ("petition_id", "level", "index", "hash"),
        [(petition_id, level, index, h) for (level, index), h in new],
    )
    Petition.objects.filter(pk=petition_id).update(ledger_size=F("ledger_size") + len(data))
    public_cache.changed(petition_id)  # the public page shows the ledger's size
    if settings.RECALL_LEDGER_CHECKPOINT_AFTER_COMMIT:
        # Without beat (the embedded default) nothing else would sign it; a second callback of the
        # same transaction finds the checkpoint signed and does nothing.
        transaction.on_commit(lambda: sign_checkpoint(petition_id))
    return size + len(data)


_RECEIVED = '{"channel":"%s","commitment":"%s","day":"%s","type":"received","v":1}'
_VERIFIED = '{"channel":"%s","commitment":"%s","counted":%s,"day":"%s","type":"verified","v":1}'
_DECIDED = '{"commitment":"%s","counted":%s,"type":"decided","v":1}'


def _encode(event: entries.Event) -> bytes:
    """``entries.encode``, without its re-parse for the two kinds a verification batch writes by
    the thousand. Their fields come from the service (a SHA-256 hex digest, a channel of the
    model's choices, an ISO date), and the test suite holds the bytes equal to ``entries.encode``."""
    if type(event) is entries.Received:
        return _received_bytes(event.commitment, event.channel, event.day)
    if type(event) is entries.Verified:
        return _verified_bytes(event.commitment, event.channel, event.day, event.counted)
    if type(event) is entries.Decided and len(event.commitment) == 64:
        return (_DECIDED % (event.commitment, "true" if event.counted else "false")).encode()
    return entries.encode(event)


_SHOWN_CHANNELS = (*entries.CHANNELS, entries.WITHHELD)


def _received_bytes(commitment: str, channel: str, day: str) -> bytes:
    if channel in _SHOWN_CHANNELS and len(day) in (8, 10) and len(commitment) == 64:
        return (_RECEIVED % (channel, commitment, day)).encode()
    return entries.encode(entries.Received(commitment, channel, day))


def _verified_bytes(commitment: str, channel: str, day: str, counted: bool) -> bytes:
    if channel in _SHOWN_CHANNELS and len(day) in (8, 10) and len(commitment) == 64:
        return (_VERIFIED % (channel, commitment, "true" if counted else "false", day)).encode()
    return entries.encode(entries.Verified(commitment, channel, day, counted))


# The columns' PostgreSQL types, for binary COPY (no text escaping of the hashes either way).
_COPY_TYPES = {
    "petition_id": "int8",
    "index": "int8",
    "level": "int2",
    "data": "bytea",
    "leaf_hash": "bytea",
    "hash": "bytea",
}


def _insert(table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Rows into a ledger table: binary COPY on PostgreSQL (a batch of 5,000 signatures writes
    some 10,000 rows; the ORM's bulk INSERT would cost more than the verification itself)."""
    if not rows:
        return
    names = ", ".join(connection.ops.quote_name(c) for c in columns)  # "index" is a keyword in SQLite
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types([_COPY_TYPES[c] for c in columns])
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)


# --- small groups (recall.ledger.entries, "Small groups") --------------------------------------


def _coarsening(petition_id: int, days: Iterable[str]) -> entries.Coarsening:
    """The counts the small-group rule reads: the petition's signatures already in the log by
    channel and day, over the weeks of ``days`` (one indexed query)."""
    dates = [dt.date.fromisoformat(d) for d in set(days)]
    if not dates:
        return entries.Coarsening()
    first = min(d - dt.timedelta(days=d.weekday()) for d in dates)
    last = max(d + dt.timedelta(days=6 - d.weekday()) for d in dates)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT channel, day, n FROM recall_ledgergroupcount WHERE petition_id = %s AND day BETWEEN %s AND %s",
            [petition_id, first, last],
        )
        rows = cursor.fetchall()
    by_day = Counter({(channel, _iso(day)): n for channel, day, n in rows})
    return entries.Coarsening(by_day)


def _iso(day: Any) -> str:
    return day if isinstance(day, str) else day.isoformat()


def _save_group_counts(petition_id: int, added: Counter) -> None:
    rows = [(petition_id, channel, day, n) for (channel, day), n in sorted(added.items()) if n]
    if not rows:
        return
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO recall_ledgergroupcount (petition_id, channel, day, n) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (petition_id, day, channel) DO UPDATE SET n = recall_ledgergroupcount.n + excluded.n",
            rows,
        )


def append_signatures(changes: Iterable[tuple[Row, str | None, str]]) -> None:
    """Entries for signatures that changed state: ``(row, old, new)`` with ``old`` None (or
    ``received``) when the workers had not reached the signature yet, so its ``received`` entry
    comes first (with the decision in it, a ``verified`` entry, unless the row is a web
    repeat: recall.ledger.entries). Grouped by petition (in id order, the order counts lock
    petitions in), each petition's entries ordered by signature id, never by anything about the
    signer."""
    by_petition: dict[int, list[tuple[Row, str | None, str]]] = defaultdict(list)
    for change in changes:
        by_petition[change[0].petition_id].append(change)
    key = settings.RECALL_IIN_KEY
    for petition_id in sorted(by_petition):
        data: list[bytes] = []
        changes_here = sorted(by_petition[petition_id], key=lambda c: c[0].id)
        firsts = [row for row, old, _ in changes_here if old in (None, SignatureState.RECEIVED)]
        groups = _coarsening(petition_id, [row.day for row in firsts])
        added: Counter = Counter()
        for row, old, new in changes_here:
            committed = row.commitment_with(key)  # one hash per signature, for all its entries
            if old in (None, SignatureState.RECEIVED):
                channel, day = groups.label(row.channel, row.day)
                added[(row.channel, row.day)] += 1
            if old in (None, SignatureState.RECEIVED) and new in DECIDED and not row.repeat:
                data.append(_verified_bytes(committed, channel, day, DECIDED[new]))
                continue
            if old in (None, SignatureState.RECEIVED):
                data.append(_received_bytes(committed, channel, day))
            if new in DECIDED:
                data.append((_DECIDED % (committed, "true" if DECIDED[new] else "false")).encode())
            elif new == SignatureState.WITHDRAWN:
                data.append(entries.encode(entries.Withdrawn(committed)))
        if data:
            _append_encoded(petition_id, data)
            _save_group_counts(petition_id, added)


_CANONICAL_RECEIPT = re.compile(f"[{entries.RECEIPT_ALPHABET}]{{{entries.RECEIPT_LENGTH}}}")


def append_verified(rows: Iterable[tuple[int, str, str, int, str, str | None, int | None]]) -> None:
    """``append_signatures`` for a verification batch, straight from its statement's rows
    ``(petition_id, new state, local day YYYY-MM-DD, signature id, channel, receipt,
    duplicate_of_id)``: one ``verified`` entry per decided signature, a ``received`` for one
    left to an official (and for a web repeat, its ``decided`` after it). The same bytes as
    ``append_signatures`` (the test suite holds them equal) without a ``Row`` per signature: a
    batch writes thousands, and building them was a fifth of the ledger's cost."""
    by_petition: dict[int, list[tuple]] = defaultdict(list)
    for row in rows:
        by_petition[row[0]].append(row)
    key = settings.RECALL_IIN_KEY
    canonical, sha256 = _CANONICAL_RECEIPT.fullmatch, hashlib.sha256
    for petition_id in sorted(by_petition):
        prefix = entries.RECEIPT_PREFIX + str(petition_id).encode() + b"\x00"
        data: list[bytes] = []
        add = data.append
        rows_here = sorted(by_petition[petition_id], key=itemgetter(3))
        groups = _coarsening(petition_id, [row[2] for row in rows_here])
        added: Counter = Counter()
        for _, state, day, sid, channel, receipt, repeat_of in rows_here:
            if receipt and canonical(receipt):  # as the service stores them
                committed = sha256(prefix + receipt.encode()).hexdigest()
            else:
                committed = commitment(petition_id, sid, receipt, key=key)
            shown_channel, shown_day = groups.label(channel, day)
            added[(channel, day)] += 1
            counted = DECIDED.get(state)
            if counted is None:
                add(_received_bytes(committed, shown_channel, shown_day))
            elif repeat_of is None or not Signature.is_hidden_repeat(channel, repeat_of):
                add(_verified_bytes(committed, shown_channel, shown_day, counted))
            else:
                add(_received_bytes(committed, shown_channel, shown_day))
                add((_DECIDED % (committed, "true" if counted else "false")).encode())
        if data:
            _append_encoded(petition_id, data)
            _save_group_counts(petition_id, added)


def append_state(petition_id: int, from_state: str, to_state: str, when: Any) -> None:
    append(petition_id, [entries.StateChanged.at_time(from_state, to_state, when)])


def percent_text(value: Any) -> str:
    """A policy's percentage as the ledger writes it: a decimal string with two places."""
    return f"{Decimal(value):.2f}"


def append_policy(petition_id: int, policy: Any, required: int) -> None:
    """The ``policy`` entry at registration (recall.ledger.entries): once per petition."""
    append(
        petition_id,
        [
            entries.Policy(
                required=required,
                percent=percent_text(policy.sample_percent),
                minimum=policy.sample_minimum,
                sufficient_percent=percent_text(policy.sample_sufficient_percent),
                insufficient_percent=percent_text(policy.sample_insufficient_percent),
            )
        ],
    )


def recorded_policy(petition_id: int) -> entries.Policy | None:
    """The policy the ledger recorded at registration (None for a log without one): it follows
    the registration's state entry, among a log's first entries."""
    for data in (
        LedgerEntry.objects.filter(petition_id=petition_id, index__lt=64)
        .order_by("index")
        .values_list("data", flat=True)
    ):
        if b'"type":"policy"' in bytes(data):
            event = entries.decode(bytes(data))
            if isinstance(event, entries.Policy):
                return event
    return None


# --- checkpoints -----------------------------------------------------------------------------


def sign_checkpoint(petition_id: int) -> LedgerCheckpoint | None:
    """Sign a checkpoint of the petition's log at its current size (inside the caller's
    transaction when there is one, so a state change's checkpoint has exactly its size).
    None when the latest checkpoint already has this size."""
    with transaction.atomic():
        size = Petition.objects.select_for_update(no_key=True).values_list("ledger_size", flat=True).get(pk=petition_id)
        latest = LedgerCheckpoint.objects.filter(petition_id=petition_id).order_by("-size", "-signed_at").first()
        if latest is not None and latest.size == size:
            return None
        root = tlog.tree_hash(size, _reader(petition_id))
        text = note.Checkpoint(origin(petition_id), size, root).sign(signer())
        checkpoint = LedgerCheckpoint.objects.create(petition_id=petition_id, size=size, root_hash=root, note=text)
        if any(w.strip() for w in settings.RECALL_LEDGER_WITNESSES):
            # Every new checkpoint goes to the accredited witnesses at once (C2SP tlog-witness).
            queue.after_commit(task_names.PUSH_CHECKPOINT, checkpoint.pk)
        return checkpoint


def sign_due_checkpoints() -> int:
    """Beat: a checkpoint for every petition whose log grew since its latest one."""
    latest = (
        LedgerCheckpoint.objects.filter(petition_id=OuterRef("pk"))
        .values("petition_id")
        .annotate(m=Max("size"))
        .values("m")
    )
    due = (
        Petition.objects.annotate(signed=Coalesce(Subquery(latest), -1))
        .filter(ledger_size__gt=F("signed"))
        .values_list("pk", flat=True)
    )
    signed = 0
    for petition_id in sorted(due):
        if sign_checkpoint(petition_id) is not None:
            signed += 1
    return signed


# --- reading ---------------------------------------------------------------------------------


def tree_hash(petition_id: int, size: int) -> bytes:
    return tlog.tree_hash(size, _reader(petition_id))


def inclusion_proof(petition_id: int, index: int, size: int) -> list[bytes]:
    return tlog.inclusion_proof(index, size, _reader(petition_id))


def consistency_proof(petition_id: int, first: int, second: int) -> list[bytes]:
    return tlog.consistency_proof(first, second, _reader(petition_id))


def leaf_index(petition_id: int, leaf: bytes, below: int) -> int | None:
    """The first index below ``below`` whose leaf hash is ``leaf`` (served by the leaf index)."""
    found = _first_leaf(petition_id, [leaf], below)
    return None if found is None else found[0]


# PostgreSQL: the leaf hash index first, then the petition and the bound. OFFSET 0 keeps the
# planner from adding a scan of the petition's whole range of indexes, as it does when its
# statistics predate a large append (59 ms instead of 0.1 at a million entries).
_FENCE = {"postgresql": "OFFSET 0"}


def _first_leaf(petition_id: int, leaves: list[bytes], below: int) -> tuple[int, bytes] | None:
    """The first entry below ``below`` whose leaf hash is one of ``leaves``: (index, leaf)."""
    at = connection.ops.quote_name("index")
    marks = ", ".join(["%s"] * len(leaves))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {at}, leaf_hash FROM (SELECT petition_id, {at}, leaf_hash FROM recall_ledgerentry "
            f"WHERE leaf_hash IN ({marks}) {_FENCE.get(connection.vendor, '')}) AS found "
            f"WHERE petition_id = %s AND {at} < %s ORDER BY {at} LIMIT 1",
            [*leaves, petition_id, below],
        )
        row = cursor.fetchone()
    return None if row is None else (row[0], bytes(row[1]))


def entries_between(petition_id: int, start: int, end: int) -> list[tuple[int, bytes]]:
    rows = (
        LedgerEntry.objects.filter(petition_id=petition_id, index__gte=start, index__lt=end)
        .order_by("index")
        .values_list("index", "data")
    )
    return [(i, bytes(d)) for i, d in rows]


def events(petition_id: int, end: int | None = None) -> list[entries.Event]:
    """The decoded entries (the sample reads its population from them)."""
    qs = LedgerEntry.objects.filter(petition_id=petition_id)
    if end is not None:
        qs = qs.filter(index__lt=end)
    return [entries.decode(bytes(d)) for d in qs.order_by("index").values_list("data", flat=True).iterator()]


@dataclass(frozen=True)
class Inclusion:
    """Where a signature is in the public ledger, proved against a signed checkpoint."""

    index: int
    checkpoint_size: int | None  # None: not yet under a checkpoint (signed within seconds)
    proved: bool
    entry: str = ""  # the entry's bytes as the ledger serves them (ASCII JSON)


def signature_inclusion(signature: Any) -> Inclusion | None:
    """The voter's check page: the signature's first entry (its ``received``, or ``verified``
    with either decision, under any labels the small-group rule may have given it), proved as
    a verifier would with ``--receipt``: the leaf is the hash of the entry's bytes as served,
    they must be this signature's entry, and the inclusion proof must reach the root of the
    latest checkpoint whose log signature verifies. None if the workers have not reached it."""
    row = row_of(signature)
    committed = row.commitment
    week = entries.week_of(row.day)
    candidates = []
    for channel, day in ((row.channel, row.day), (row.channel, week), (entries.WITHHELD, week)):
        candidates.append(_received_bytes(committed, channel, day))
        candidates += [_verified_bytes(committed, channel, day, counted) for counted in (True, False)]
    found = _first_leaf(signature.petition_id, [tlog.leaf_hash(d) for d in candidates], 2**62)
    if found is None:
        return None
    index = found[0]
    data = bytes(
        LedgerEntry.objects.filter(petition_id=signature.petition_id, index=index).values_list("data", flat=True)[0]
    )
    try:
        mine = getattr(entries.decode(data), "commitment", None) == committed
    except entries.EntryError:
        mine = False
    latest = LedgerCheckpoint.objects.filter(petition_id=signature.petition_id).order_by("-size", "-signed_at").first()
    if latest is None or latest.size <= index:
        return Inclusion(index, None, False, data.decode("ascii", "replace"))
    try:
        checkpoint, _ = note.open_checkpoint(latest.note, signer().verifier)
    except note.NoteError:
        return Inclusion(index, latest.size, False, data.decode("ascii", "replace"))
    proof = inclusion_proof(signature.petition_id, index, checkpoint.size)
    proved = mine and tlog.verify_inclusion(tlog.leaf_hash(data), index, checkpoint.size, proof, checkpoint.root_hash)
    return Inclusion(index, checkpoint.size, proved, data.decode("ascii", "replace"))
