"""Signing: every way a signature reaches the service, up to the one guarded INSERT.

- ``signatures``: storing a signature (web, partner, paper's checks), receipts, the signer
  rules every channel shares;
- ``codes``: the one-time text-message codes that confirm a web signature, a withdrawal or a
  view of one's own data;
- ``eds``: signing and withdrawing with the voter's own EDS key (a signed statement, verified
  by ``recall.eds``).

Callers use ``signing.sign_on_web`` and the other names re-exported here from ``signatures``.
"""

from .signatures import (
    MAX_ADDRESS,
    MAX_NAME,
    Replay,
    Signer,
    check_iin,
    check_signer,
    format_receipt,
    new_receipt,
    normalize_receipt,
    partner_signature,
    sign_for_partner,
    sign_on_web,
    signable_petition,
)

__all__ = [
    "MAX_ADDRESS",
    "MAX_NAME",
    "Replay",
    "Signer",
    "check_iin",
    "check_signer",
    "format_receipt",
    "new_receipt",
    "normalize_receipt",
    "partner_signature",
    "sign_for_partner",
    "sign_on_web",
    "signable_petition",
]
