"""Witnesses' cosignatures of the ledger's checkpoints (C2SP tlog-witness, tlog-cosignature).

The accredited witnesses are a list in the settings (RECALL_LEDGER_WITNESSES: each one's
cosignature/v1 verifier key and, for a witness that can be reached, its submission URL),
published at ``GET /api/v1/ledger/witnesses/``. Only their cosignatures count on the public
pages: a "witness" registered in the database alone (an insider's) counts for nothing.

The service pushes every new checkpoint to each accredited witness (``push``: C2SP
``add-checkpoint`` with the size the witness last cosigned and a consistency proof from it), and
once an hour pushes each petition's latest checkpoint again so its cosignature stays fresh.
A witness that cannot be reached may instead post its cosignature through the API (``cosign``,
scope ``witness``). Each (checkpoint, witness) keeps the first cosignature and the latest.
"""

from __future__ import annotations

import base64
import functools
import logging
import re
import time
from dataclasses import dataclass
from typing import Any

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections, router, transaction
from django.db.models import Max, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from ...errors import InvalidCosignature, InvalidInput, MissingScope, NotFound, RootMismatch
from ...ledger import note
from ...models import LedgerCheckpoint, LedgerCosignature, Petition
from ..public import public_cache
from . import log
from .alerts import raise_alarm

logger = logging.getLogger(__name__)

MAX_FUTURE_SECONDS = 600
SIZE_TYPE = "text/x.tlog.size"


# --- the accredited list ---------------------------------------------------------------------


@dataclass(frozen=True)
class Accredited:
    verifier: note.Verifier
    url: str  # the submission prefix, "" for a witness that posts through the API

    @property
    def name(self) -> str:
        return self.verifier.name

    @property
    def vkey(self) -> str:
        return self.verifier.vkey


@functools.cache
def _parse(items: tuple[str, ...]) -> tuple[Accredited, ...]:
    out = []
    for item in items:
        vkey, _sep, url = item.strip().partition("|")
        try:
            verifier = note.Verifier.from_vkey(vkey.strip())
        except note.NoteError as error:
            raise ImproperlyConfigured(f"RECALL_LEDGER_WITNESSES: {error}") from error
        if verifier.alg != note.ALG_COSIGNATURE_V1:
            raise ImproperlyConfigured(f"RECALL_LEDGER_WITNESSES: {vkey} is not a cosignature/v1 key")
        if url and not re.match(r"https?://", url.strip()):
            raise ImproperlyConfigured(f"RECALL_LEDGER_WITNESSES: {url!r} is not an http(s) URL")
        out.append(Accredited(verifier, url.strip().rstrip("/")))
    if len({a.name for a in out}) != len(out):
        raise ImproperlyConfigured("RECALL_LEDGER_WITNESSES: two witnesses share a name")
    return tuple(out)


def accredited() -> tuple[Accredited, ...]:
    return _parse(tuple(i for i in settings.RECALL_LEDGER_WITNESSES if i.strip()))


def is_accredited(name: str, vkey: str) -> bool:
    return any(a.name == name and a.vkey == vkey for a in accredited())


def accredited_filter() -> Q:
    """Cosignatures by an accredited witness's key (name and key both: a name alone is cheap)."""
    condition = Q(pk__in=[])
    for a in accredited():
        condition |= Q(witness_name=a.name, vkey=a.vkey)
    return condition


def _latest_cosignatures(petition: Petition) -> QuerySet[LedgerCosignature]:
    """The accredited witnesses' cosignatures of the petition's latest checkpoint, in one query
    (the public page builds its counts on every count batch)."""
    latest = LedgerCheckpoint.objects.filter(petition=petition).order_by("-size", "-signed_at", "-pk").values("pk")[:1]
    return LedgerCosignature.objects.filter(accredited_filter(), checkpoint_id=Subquery(latest))


def witness_count(petition: Petition) -> int:
    """Accredited witnesses that cosigned the latest checkpoint."""
    return _latest_cosignatures(petition).values("witness_name").distinct().count()


def cosigned_by(petition: Petition) -> list[str]:
    """The names of the accredited witnesses that cosigned the latest checkpoint: the query of
    _latest_cosignatures, asked on every uncached build of the petition page, so its SQL is
    built once per process and number of accredited witnesses (with none, nothing is asked)."""
    found = accredited()
    if not found:
        return []
    connection = connections[router.db_for_read(LedgerCosignature)]
    with connection.cursor() as cursor:
        cursor.execute(
            _cosigned_sql(connection, len(found)), [petition.pk, *(v for a in found for v in (a.name, a.vkey))]
        )
        return sorted({name for (name,) in cursor.fetchall()})


_cosigned: dict[tuple[str, int], str] = {}


def _cosigned_sql(connection: Any, accredited_count: int) -> str:
    sql = _cosigned.get((connection.alias, accredited_count))
    if sql is None:
        q = connection.ops.quote_name
        cosignature, checkpoint = LedgerCosignature._meta, LedgerCheckpoint._meta
        name, vkey, of = (q(cosignature.get_field(f).column) for f in ("witness_name", "vkey", "checkpoint"))
        size, signed_at, petition = (q(checkpoint.get_field(f).column) for f in ("size", "signed_at", "petition"))
        pk = q(checkpoint.pk.column)
        witnesses = " OR ".join([f"({name} = %s AND {vkey} = %s)"] * accredited_count)
        sql = _cosigned[(connection.alias, accredited_count)] = (
            f"SELECT DISTINCT {name} FROM {q(cosignature.db_table)} WHERE {of} = ("
            f"SELECT {pk} FROM {q(checkpoint.db_table)} WHERE {petition} = %s"
            f" ORDER BY {size} DESC, {signed_at} DESC, {pk} DESC LIMIT 1) AND ({witnesses})"
        )
    return sql


# --- storing a cosignature -------------------------------------------------------------------


def store(checkpoint: LedgerCheckpoint, verifier: note.Verifier, line: str, timestamp: int, client: Any = None) -> bool:
    """Keep a verified cosignature: the first of this witness on this checkpoint, or its latest."""
    with transaction.atomic():
        stored, created = LedgerCosignature.objects.select_for_update().get_or_create(
            checkpoint=checkpoint,
            vkey=verifier.vkey,
            defaults={"witness": client, "witness_name": verifier.name, "line": line, "timestamp": timestamp},
        )
        if not created and timestamp > max(stored.timestamp, stored.latest_timestamp or 0):
            LedgerCosignature.objects.filter(pk=stored.pk).update(latest_line=line, latest_timestamp=timestamp)
        public_cache.changed(checkpoint.petition_id)  # the public page counts the witnesses
    return created


def verifier_of(client: Any) -> note.Verifier:
    if not client.witness_vkey:
        raise MissingScope()
    verifier = note.Verifier.from_vkey(client.witness_vkey)
    if verifier.alg != note.ALG_COSIGNATURE_V1:
        raise MissingScope(_("The registered witness key is not a cosignature/v1 key."))
    return verifier


def cosign(
    petition: Petition, client: Any, *, size: int, root_hash: bytes, line: str
) -> tuple[LedgerCosignature, bool]:
    """A cosignature posted through the API: verify it and store it."""
    verifier = verifier_of(client)
    checkpoints = list(LedgerCheckpoint.objects.filter(petition=petition, size=size))
    if not checkpoints:
        raise NotFound(_("No checkpoint of that size."))
    checkpoint = next((c for c in checkpoints if bytes(c.root_hash) == root_hash), None)
    if checkpoint is None:
        # A witness saw a root this log never signed for this size: a split view or a forgery.
        raise_alarm(
            petition.pk,
            "ledger.root_mismatch",
            _("A witness reports another root for a checkpoint of this petition's ledger."),
            witness=verifier.name,
            size=size,
            root_hash=root_hash.hex(),
        )
        raise RootMismatch()
    text = note.parse_note(checkpoint.note).text
    line = line if line.endswith("\n") else line + "\n"
    try:
        timestamp = note.verify_cosignature(text, line, verifier)
    except (note.NoteError, ValueError) as error:
        raise InvalidCosignature(str(error)) from error
    if timestamp > time.time() + MAX_FUTURE_SECONDS:
        raise InvalidInput(_("The cosignature's time is in the future."), field="cosignature")
    created = store(checkpoint, verifier, line, timestamp, client)
    return LedgerCosignature.objects.get(checkpoint=checkpoint, vkey=verifier.vkey), created


# --- pushing checkpoints to witnesses (C2SP tlog-witness, the log's side) --------------------


def known_size(witness: Accredited, petition_id: int) -> int:
    """The largest size this witness cosigned of the petition's log (0 if none: it says if not)."""
    found = LedgerCosignature.objects.filter(
        checkpoint__petition_id=petition_id, witness_name=witness.name, vkey=witness.vkey
    ).aggregate(m=Max("checkpoint__size"))["m"]
    return found or 0


def request_body(petition_id: int, old: int, checkpoint: LedgerCheckpoint) -> bytes:
    proof = [] if old in (0, checkpoint.size) else log.consistency_proof(petition_id, old, checkpoint.size)
    lines = "".join(base64.b64encode(h).decode() + "\n" for h in proof)
    return f"old {old}\n{lines}\n{checkpoint.note}".encode()


@functools.cache
def _session() -> requests.Session:
    return requests.Session()  # keep-alive, as C2SP asks of clients


def push(checkpoint_id: int, only: str | None = None) -> dict[str, str]:
    """Push a checkpoint to every accredited witness with a URL (or to ``only``); returns each outcome."""
    checkpoint = LedgerCheckpoint.objects.filter(pk=checkpoint_id).first()
    if checkpoint is None:
        return {}
    outcomes = {}
    for witness in accredited():
        if witness.url and (only is None or witness.name == only):
            outcomes[witness.name] = push_to(witness, checkpoint)
    return outcomes


def push_to(witness: Accredited, checkpoint: LedgerCheckpoint) -> str:
    """One add-checkpoint exchange (retried once after a 409, as Sigsum's log does).
    Returns "cosigned" or what went wrong; raises ``requests.RequestException`` to be retried."""
    petition_id = checkpoint.petition_id
    old = known_size(witness, petition_id)
    if old > checkpoint.size:
        return "behind"  # an older checkpoint: the witness has cosigned a newer one already
    for attempt in (1, 2):
        response = _session().post(
            f"{witness.url}/add-checkpoint",
            data=request_body(petition_id, old, checkpoint),
            timeout=settings.RECALL_LEDGER_WITNESS_TIMEOUT_SECONDS,
        )
        if response.status_code == 200:
            return _accept(witness, checkpoint, response.text)
        if response.status_code == 409 and attempt == 1:
            content_type = response.headers.get("Content-Type", "").split(";")[0].strip()
            if content_type != SIZE_TYPE or not re.fullmatch(r"(0|[1-9][0-9]*)\n", response.text):
                break
            theirs = int(response.text)
            if theirs > checkpoint.size:
                # The witness cosigned a larger tree of this log than the log now has: a rollback
                # or a fork on this side. Never silently.
                signed = LedgerCheckpoint.objects.filter(petition_id=petition_id, size=theirs).exists()
                if not signed:
                    raise_alarm(
                        petition_id,
                        "ledger.witness_ahead",
                        _("A witness has cosigned a larger tree of this ledger than the ledger now has."),
                        witness=witness.name,
                        witness_size=theirs,
                        size=checkpoint.size,
                    )
                    return "witness ahead"
                return "behind"
            old = theirs
            continue
        break
    if response.status_code == 422:
        raise_alarm(
            petition_id,
            "ledger.witness_refused",
            _("A witness refused a checkpoint as inconsistent with one it cosigned before."),
            witness=witness.name,
            size=checkpoint.size,
            old=old,
            answer=response.text[:500],
        )
        return "refused"
    logger.warning(
        "witness %s answered %s to petition %s size %s: %s",
        witness.name,
        response.status_code,
        petition_id,
        checkpoint.size,
        response.text[:200],
    )
    if response.status_code >= 500:
        raise requests.HTTPError(f"witness {witness.name} answered {response.status_code}")
    return f"answered {response.status_code}"


def _accept(witness: Accredited, checkpoint: LedgerCheckpoint, body: str) -> str:
    text = note.parse_note(checkpoint.note).text
    for line in body.splitlines():
        try:
            parsed = note.parse_signature_line(line)
        except note.NoteError:
            continue
        if (parsed.name, parsed.key_id) != (witness.name, witness.verifier.key_id):
            continue  # another key's: ignored, as the spec says
        try:
            timestamp = note.verify_cosignature(text, line + "\n", witness.verifier)
        except note.NoteError as error:
            logger.error("witness %s sent a cosignature that does not verify: %s", witness.name, error)
            return "bad cosignature"
        if timestamp > time.time() + MAX_FUTURE_SECONDS:
            return "cosignature from the future"
        store(checkpoint, witness.verifier, line + "\n", timestamp)
        return "cosigned"
    return "no cosignature by its key"


def due_pushes(limit: int = 500) -> list[tuple[int, str]]:
    """(checkpoint, witness) pairs to push: each petition's latest checkpoint that a witness has
    not cosigned, or whose newest cosignature by it is older than the refresh interval."""
    witnesses = [w for w in accredited() if w.url]
    if not witnesses:
        return []
    latest = (
        LedgerCheckpoint.objects.filter(petition_id=OuterRef("petition_id")).order_by("-size", "-signed_at", "-pk")
    ).values("pk")[:1]
    checkpoints = LedgerCheckpoint.objects.filter(pk=Subquery(latest)).order_by("pk").prefetch_related("cosignatures")
    cutoff = int(time.time()) - settings.RECALL_LEDGER_WITNESS_REFRESH_SECONDS
    keys = {(w.name, w.vkey) for w in witnesses}
    due = []
    for checkpoint in checkpoints.iterator(chunk_size=500):
        cosigned = {
            c.witness_name: max(c.timestamp, c.latest_timestamp or 0)
            for c in checkpoint.cosignatures.all()
            if (c.witness_name, c.vkey) in keys  # a key under a witness's name is not that witness
        }
        for witness in witnesses:
            if witness.name not in cosigned or cosigned[witness.name] < cutoff:
                due.append((checkpoint.pk, witness.name))
        if len(due) >= limit:
            break
    return due[:limit]
