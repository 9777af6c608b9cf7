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
import functools
import hmac
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import F, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from ..ledger import entries, note, tlog
from ..models import LedgerCheckpoint, LedgerEntry, LedgerNode, Petition, SignatureState

logger = logging.getLogger(__name__)

SS = SignatureState
DECIDED = {SS.VALID: True, SS.INVALID: False}


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


def enabled() -> bool:
    return settings.RECALL_LEDGER_ENABLED


def origin(petition_id: int) -> str:
    return f"{settings.RECALL_LEDGER_HOST}/petitions/{petition_id}"


def b64(data: bytes) -> str:
    return base64.b64encode(bytes(data)).decode()


# --- commitments -----------------------------------------------------------------------------


def _paper_secret(signature_id: int) -> bytes:
    """A paper line's commitment secret: keyed by the service's IIN key and the signature's id,
    so it is stable (the line's later entries repeat its commitment), unguessable without the
    key, and needs no column on the signatures table (whose INSERT is the benchmarked path)."""
    key = settings.RECALL_IIN_KEY.encode()
    return hmac.digest(key, b"recall-paper-secret/v1\x00" + str(signature_id).encode(), "sha256")


def commitment(petition_id: int, signature_id: int, receipt: str | None) -> str:
    """The commitment the signature's entries carry (recall.ledger.entries, "Commitments")."""
    if receipt:
        return entries.receipt_commitment(petition_id, receipt)
    return entries.paper_commitment(petition_id, _paper_secret(signature_id))


@dataclass(frozen=True)
class Row:
    """What the ledger needs of a signature; nothing about the signer beyond the day."""

    id: int
    petition_id: int
    receipt: str | None
    channel: str
    day: str  # the local day of signing, YYYY-MM-DD

    @property
    def commitment(self) -> str:
        return commitment(self.petition_id, self.id, self.receipt)

    def received(self) -> entries.Received:
        return entries.Received(self.commitment, self.channel, self.day)


def row_of(signature: Any) -> Row:
    day = timezone.localtime(signature.signed_at).date().isoformat()
    return Row(signature.pk, signature.petition_id, signature.receipt, signature.channel, day)


# --- appending -------------------------------------------------------------------------------


def _reader(petition_id: int):
    def read(nodes: list[tuple[int, int]]) -> list[bytes]:
        if not nodes:
            return []
        q = Q()
        for level, index in nodes:
            q |= Q(level=level, index=index)
        found = {
            (level, index): bytes(h)
            for level, index, h in LedgerNode.objects.filter(q, petition_id=petition_id).values_list(
                "level", "index", "hash"
            )
        }
        try:
            return [found[n] for n in nodes]
        except KeyError as error:
            raise LookupError(f"petition {petition_id}: ledger node {error} is missing") from error

    return read


def append(petition_id: int, events: Sequence[entries.Event]) -> int:
    """Append ``events`` to the petition's log; call inside the transaction that changed what they
    record. Returns the new size. O(len(events)) hashing, at most log2(size) stored hashes read."""
    if not enabled() or not events:
        return 0
    assert transaction.get_connection().in_atomic_block, "append inside the transaction that changes the data"
    size = Petition.objects.select_for_update().values_list("ledger_size", flat=True).get(pk=petition_id)
    data = [entries.encode(e) for e in events]
    leaves = [tlog.leaf_hash(d) for d in data]
    new = tlog.stored_hashes_for_append(size, leaves, _reader(petition_id))
    LedgerEntry.objects.bulk_create(
        [LedgerEntry(petition_id=petition_id, index=size + i, data=d) for i, d in enumerate(data)], batch_size=2000
    )
    LedgerNode.objects.bulk_create(
        [LedgerNode(petition_id=petition_id, level=lv, index=ix, hash=h) for (lv, ix), h in new], batch_size=2000
    )
    Petition.objects.filter(pk=petition_id).update(ledger_size=F("ledger_size") + len(data))
    return size + len(data)


def append_signatures(changes: Iterable[tuple[Row, str | None, str]]) -> None:
    """Entries for signatures that changed state: ``(row, old, new)`` with ``old`` None (or
    ``received``) when the workers had not reached the signature yet, so its ``received`` entry
    comes first. Grouped by petition (in id order, the order counts lock petitions in), each
    petition's entries ordered by signature id, never by anything about the signer."""
    if not enabled():
        return
    by_petition: dict[int, list[tuple[Row, str | None, str]]] = defaultdict(list)
    for change in changes:
        by_petition[change[0].petition_id].append(change)
    for petition_id in sorted(by_petition):
        events: list[entries.Event] = []
        for row, old, new in sorted(by_petition[petition_id], key=lambda c: c[0].id):
            if old in (None, SS.RECEIVED):
                events.append(row.received())
            if new in DECIDED:
                events.append(entries.Decided(row.commitment, DECIDED[new]))
            elif new == SS.WITHDRAWN:
                events.append(entries.Withdrawn(row.commitment))
        append(petition_id, events)


def append_state(petition_id: int, from_state: str, to_state: str, when: Any) -> None:
    append(petition_id, [entries.StateChanged.at_time(from_state, to_state, when)])


# --- checkpoints -----------------------------------------------------------------------------


def sign_checkpoint(petition_id: int) -> LedgerCheckpoint | None:
    """Sign a checkpoint of the petition's log at its current size (inside the caller's
    transaction when there is one, so a state change's checkpoint has exactly its size).
    None when the latest checkpoint already has this size."""
    if not enabled():
        return None
    with transaction.atomic():
        size = Petition.objects.select_for_update().values_list("ledger_size", flat=True).get(pk=petition_id)
        latest = LedgerCheckpoint.objects.filter(petition_id=petition_id).order_by("-size", "-signed_at").first()
        if latest is not None and latest.size == size:
            return None
        root = tlog.tree_hash(size, _reader(petition_id))
        text = note.Checkpoint(origin(petition_id), size, root).sign(signer())
        return LedgerCheckpoint.objects.create(petition_id=petition_id, size=size, root_hash=root, note=text)


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
    return (
        LedgerNode.objects.filter(petition_id=petition_id, level=0, hash=leaf, index__lt=below)
        .order_by("index")
        .values_list("index", flat=True)
        .first()
    )


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


def signature_inclusion(signature: Any) -> Inclusion | None:
    """The voter's check page: the index of the signature's ``received`` entry and an inclusion
    proof of it, checked here against the latest signed checkpoint's root (as the verifier
    would with ``--receipt``). None if the workers have not reached the signature yet."""
    data = entries.encode(row_of(signature).received())
    leaf = tlog.leaf_hash(data)
    index = leaf_index(signature.petition_id, leaf, 2**62)
    if index is None:
        return None
    latest = LedgerCheckpoint.objects.filter(petition_id=signature.petition_id).order_by("-size", "-signed_at").first()
    if latest is None or latest.size <= index:
        return Inclusion(index, None, False)
    proof = inclusion_proof(signature.petition_id, index, latest.size)
    proved = tlog.verify_inclusion(leaf, index, latest.size, proof, bytes(latest.root_hash))
    return Inclusion(index, latest.size, proved)
