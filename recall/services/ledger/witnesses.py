"""Witnesses' cosignatures of the ledger's checkpoints (C2SP tlog-cosignature, recall/ledger/API.md).

An accredited partner with the ``witness`` scope registers a cosignature/v1 key on its API
client, verifies each new checkpoint's consistency with the last one it saw (tools/witness.py)
and posts its cosignature; the service checks it against the stored checkpoint of that size
and keeps one line per witness and checkpoint (a newer line replaces the older).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.db import transaction
from django.db.models import Subquery
from django.utils.translation import gettext as _

from ...errors import InvalidCosignature, InvalidInput, MissingScope, NotFound, RootMismatch
from ...ledger import note
from ...models import LedgerCheckpoint, LedgerCosignature, Petition
from .. import audit
from ..public import public_cache

logger = logging.getLogger(__name__)

MAX_FUTURE_SECONDS = 600


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
    """Verify and store ``line``; returns the stored cosignature and whether it is new."""
    verifier = verifier_of(client)
    checkpoints = list(LedgerCheckpoint.objects.filter(petition=petition, size=size))
    if not checkpoints:
        raise NotFound(_("No checkpoint of that size."))
    checkpoint = next((c for c in checkpoints if bytes(c.root_hash) == root_hash), None)
    if checkpoint is None:
        # A witness saw a root this log never signed for this size: a split view or a forgery.
        logger.error("witness %s reports another root for petition %s at size %s", verifier.name, petition.pk, size)
        audit.record(
            "ledger.root_mismatch",
            system_label="witness",
            petition_id=petition.pk,
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
    with transaction.atomic():
        stored, created = LedgerCosignature.objects.select_for_update().get_or_create(
            checkpoint=checkpoint,
            witness=client,
            defaults={"witness_name": verifier.name, "vkey": verifier.vkey, "line": line, "timestamp": timestamp},
        )
        if not created:
            LedgerCosignature.objects.filter(pk=stored.pk).update(
                witness_name=verifier.name, vkey=verifier.vkey, line=line, timestamp=timestamp
            )
            stored.refresh_from_db()
        public_cache.changed(checkpoint.petition_id)  # the public page counts the witnesses
    return stored, created


def witness_count(petition: Petition) -> int:
    """Independent witnesses (by key name) that cosigned the latest checkpoint."""
    latest = LedgerCheckpoint.objects.filter(petition=petition).order_by("-size", "-signed_at", "-pk").values("pk")[:1]
    # One query (the public page builds this on every count batch).
    return LedgerCosignature.objects.filter(checkpoint_id=Subquery(latest)).values("witness_name").distinct().count()
