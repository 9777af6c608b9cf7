"""After the threshold: the signatures are submitted, verified (every one, or by a random
sample) and the result certified. See docs/domain.md, "Verifying and certifying"."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from ... import jurisdiction
from ...errors import IllegalTransition, PolicyViolation
from ...models import AWAITING_WORKERS, Petition, PetitionState, SampleOutcome, SampleRun, Signature, SignatureState
from . import deadlines
from .transitions import move


def submit(petition: Petition, *, actor: Any | None, reason: str = "") -> Petition:
    """The initiators hand in the signatures before the window ends (it closes on its own too)."""
    return move(petition, "submit", actor=actor, reason=reason)


def start_verification(petition: Petition, *, actor: Any | None, reason: str = "") -> Petition:
    """The verification period runs from the submission (recall.services.lifecycle.deadlines), so
    starting the checks later does not give the commission more time."""
    updates = {}
    if petition.verification_due is None:  # submitted before due dates were kept
        updates["verification_due"] = deadlines.verification_due(
            petition.district.level, petition.submitted_at or timezone.now()
        )
    return move(petition, "start_verification", actor=actor, reason=reason, updates=updates)


def certification_result(petition: Petition) -> PetitionState:
    """Sufficient or insufficient, from a closed sample or from every signature decided."""
    if SampleRun.objects.filter(petition=petition, closed_at__isnull=True).exists():
        raise PolicyViolation(_("Close the open random sample first."), code="sample_open")
    run = SampleRun.objects.filter(petition=petition, closed_at__isnull=False).order_by("-closed_at").first()
    if run is not None and run.outcome in (SampleOutcome.SUFFICIENT, SampleOutcome.INSUFFICIENT):
        return PetitionState.SUFFICIENT if run.outcome == SampleOutcome.SUFFICIENT else PetitionState.INSUFFICIENT
    undecided = Signature.objects.filter(
        petition=petition, state__in=[*AWAITING_WORKERS, SignatureState.REVIEW]
    ).count()
    if undecided:
        raise PolicyViolation(
            _("%(n)s signatures still await a decision; every signature must be checked.") % {"n": undecided},
            code="signatures_undecided",
        )
    return (
        PetitionState.SUFFICIENT
        if petition.valid_count >= (petition.required_signatures or 0)
        else PetitionState.INSUFFICIENT
    )


def certify(petition: Petition, *, actor: Any | None, reason: str = "") -> Petition:
    if petition.state != PetitionState.VERIFYING:
        raise IllegalTransition(_("Only a petition under verification can be certified."))
    jurisdiction.authorize(actor, petition.district_id)
    # Here, not at the top: the verification package's batch calls this package's
    # after_counts_changed, so a top-level import would make the two packages load in a circle.
    from ..verification import counts

    counts.reconcile([petition.pk])  # certify on the signatures themselves, not on a cached count
    petition.refresh_from_db()
    return move(petition, "certify", to=certification_result(petition), actor=actor, reason=reason)
