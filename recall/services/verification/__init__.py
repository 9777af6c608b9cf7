"""Verification: what happens to a signature after it is stored.

- ``moves``: the one writer of ``Signature.state``, along ``recall.states.SIGNATURE_MOVES``;
- ``batches``: the workers' machine verification against the voter register, in batches of
  set-based SQL;
- ``review``: officials' decisions, the signer's withdrawal and bulk invalidation;
- ``counts``: each petition's counts and daily series, and their nightly reconciliation;
- ``name_digests``: re-deriving the per-word name digests of stored rows;
- ``paper_import``: paper signature sheets, imported from CSV.

Every change of ``Signature.state`` follows ``recall.states.SIGNATURE_MOVES`` and is written by
``moves`` (the batch's set-based UPDATE takes its SQL from there). Callers use
``verification.verify_all`` and the other names re-exported here from ``batches``.
"""

from .batches import judged_as_first, verify_all, verify_batch

__all__ = ["judged_as_first", "verify_all", "verify_batch"]
