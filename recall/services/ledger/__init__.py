"""The public signature ledger and what rests on it.

- ``log``: appending entries, signing checkpoints, serving proofs (recall/ledger/API.md);
- ``sampling``: random-sample verification, drawn from the ledger's population;
- ``witnesses``: witnesses' cosignatures of the checkpoints.

Callers use ``ledger.append_state`` and the other names re-exported here from ``log``; the pure
building blocks (tree, notes, entry encoding) are ``recall.ledger``.
"""

from .log import (
    DECIDED,
    TILE_HEIGHT,
    Inclusion,
    Row,
    append,
    append_policy,
    append_signatures,
    append_state,
    append_verified,
    b64,
    commitment,
    consistency_proof,
    entries_between,
    events,
    inclusion_proof,
    leaf_index,
    origin,
    percent_text,
    recorded_policy,
    row_of,
    sign_checkpoint,
    sign_due_checkpoints,
    signature_inclusion,
    signer,
    tree_hash,
)

__all__ = [
    "DECIDED",
    "Inclusion",
    "Row",
    "TILE_HEIGHT",
    "append",
    "append_policy",
    "append_signatures",
    "append_state",
    "append_verified",
    "b64",
    "commitment",
    "consistency_proof",
    "entries_between",
    "events",
    "inclusion_proof",
    "leaf_index",
    "origin",
    "percent_text",
    "recorded_policy",
    "row_of",
    "sign_checkpoint",
    "sign_due_checkpoints",
    "signature_inclusion",
    "signer",
    "tree_hash",
]
