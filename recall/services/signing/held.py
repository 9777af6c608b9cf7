"""EDS signatures held for their certificate's revocation status (state ``pending``).

A signature whose CMS, certificate and chain verified, but whose revocation status could not be
asked because the responder was down, was stored with a receipt and is not counted
(``eds.sign_with_eds``). Beat runs ``decide_held`` every minute: each
held signature's stored CMS is verified again in full, as of the moment it was signed, and

- with the status known and good, it goes on to verification like any received signature;
- revoked, or no longer valid for another reason, it is invalid with the ground
  ``certificate_not_valid`` (counted, in the public ledger, the signer sees it on the check page);
- with the responder still down, it waits for the next run.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from ...eds import EdsError
from ...eds.parse import decode_cms, parse_cms
from ...models import Ground, Signature, SignatureState
from .. import lifecycle, queue
from ..verification import moves, review
from . import eds

logger = logging.getLogger(__name__)

HELD = SignatureState.REVOCATION_PENDING


def decide_held(limit: int = 200) -> dict[str, int]:
    """Verify the held signatures again; returns how many were passed on, refused, still held."""
    outcome = {"passed": 0, "refused": 0, "held": 0}
    if not eds.enabled():
        return outcome
    ids = list(Signature.objects.filter(state=HELD).order_by("id").values_list("pk", flat=True)[:limit])
    for pk in ids:
        with transaction.atomic():
            signature = (
                Signature.objects.select_for_update(skip_locked=True, of=("self",)).filter(pk=pk, state=HELD).first()
            )
            if signature is None:
                continue
            verdict = _verify_again(eds.verifier(), signature)
            if verdict == "held":
                outcome["held"] += 1
                continue
            if verdict == "passed":
                moves.move([signature.pk], "revocation_known", to=SignatureState.RECEIVED, by=None, seen=HELD)
                outcome["passed"] += 1
                continue
            now = timezone.now()
            moves.move(
                [signature.pk],
                "revocation_refused",
                to=SignatureState.INVALID,
                by=None,
                seen=HELD,
                ground=Ground.CERTIFICATE_NOT_VALID,
                verified_at=now,
            )
            # Counted and in the public ledger as any signature the workers decide.
            review.count_decision(signature, SignatureState.INVALID)
            lifecycle.after_counts_changed([signature.petition_id])
            outcome["refused"] += 1
    if outcome["passed"]:
        queue.request_verification()
    if any(outcome.values()):
        logger.info("held EDS signatures: %s", outcome)
    return outcome


def _verify_again(verifier: object, signature: Signature) -> str:
    der = decode_cms(signature.eds_cms or "")
    content = parse_cms(der).content
    if content is None:  # never held (only attached signatures are): refuse rather than guess
        return "refused"
    try:
        info = verifier.verify(der, expected_content=content, at=signature.signed_at)  # type: ignore[attr-defined]
    except EdsError as error:
        if error.code in ("revocation_unknown", "backend_unavailable"):
            return "held" if error.code == "backend_unavailable" else "refused"
        logger.info("held EDS signature refused on the second look: %s", error.code)
        return "refused"
    return "held" if info.revocation_pending else "passed"
