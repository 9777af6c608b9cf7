"""Verification of voters' EDS (digital signature) CMS signatures made with NCALayer.

No Django imports: configuration comes in as arguments (see ``make_verifier``).

    verifier = make_verifier("ncanode", base_url="http://ncanode:14579")
    statement = build_statement(petition_id=..., ..., challenge=new_challenge())
    info = verifier.verify(cms, expected_content=statement, at=timezone.now())  # or EdsError
"""

from __future__ import annotations

from typing import Any

from .parse import decode_cms
from .statement import DEFAULT_LABELS, StatementError, build_statement, new_challenge, parse_statement
from .subject import Subject, parse_subject
from .verify import ERROR_CODES, TRANSIENT_CODES, EdsError, SignerInfo, Verifier

__all__ = [
    "DEFAULT_LABELS",
    "ERROR_CODES",
    "TRANSIENT_CODES",
    "EdsError",
    "SignerInfo",
    "StatementError",
    "Subject",
    "Verifier",
    "build_statement",
    "decode_cms",
    "make_verifier",
    "new_challenge",
    "parse_statement",
    "parse_subject",
]


def make_verifier(backend: str, **options: Any) -> Verifier:
    """``"builtin"``: BuiltinVerifier(trust_roots=[...], intermediates=[...], timeout=...,
    check_revocation=...); ``"ncanode"``: NcaNodeVerifier(base_url=..., timeout=...,
    revocation_checks=[...]). Imported lazily: NCANode's backend needs no pyhanko."""
    if backend == "builtin":
        from .builtin import BuiltinVerifier

        return BuiltinVerifier(**options)
    if backend == "ncanode":
        from .ncanode import NcaNodeVerifier

        return NcaNodeVerifier(**options)
    raise ValueError(f"unknown EDS backend {backend!r} (builtin or ncanode)")
