"""Changes of a signature's state after the machine: the signer's withdrawal, officials'
decisions (review queue, later invalidation, sampled signatures) and bulk invalidation.

Each change locks the signature row, checks its current state against the table of moves
(recall.states.SIGNATURE_MOVES), writes it through the one writer (``moves``), and adds the
count delta in the same transaction, so a change racing a verification batch is applied to the
state that batch wrote. Every official decision records who, when and why, in the row and in the audit log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from ... import jurisdiction, names
from ...errors import IllegalTransition, InvalidInput, NotFound
from ...models import COUNTING_STATES, OFFICIAL_GROUNDS, Petition, Signature, SignatureState, Voter
from ...states import SIGNATURE_MOVES, By, signature_move
from .. import audit, ledger, lifecycle, signing
from ..notices import outcome_notices
from . import counts, moves

# The parts of a name and what verification found for each (recall.names.NameMatch).
NAME_PARTS = (
    ("surname", gettext_lazy("Surname")),
    ("given", gettext_lazy("Given name")),
    ("patronymic", gettext_lazy("Patronymic")),
)
NAME_OUTCOMES = {
    "exact": gettext_lazy("matched"),
    "partial": gettext_lazy("only one part of the double name matched"),
    "different": gettext_lazy("different or not entered"),
    "initial": gettext_lazy("matched by its initial"),
    "slip": gettext_lazy("matched with a one-letter slip"),
    "absent": gettext_lazy("not entered (allowed)"),
}
MATCHED_OUTCOMES = frozenset({"exact", "initial", "slip", "absent"})


@dataclass(frozen=True)
class NameComparison:
    """What the decision page shows of the name: (part, outcome, outcome's label, matched) and
    how many entered words are none of the register's surname, given name and patronymic."""

    parts: list[tuple[str, str, str, bool]]
    extra: int

    @property
    def extra_text(self) -> str:
        return ngettext(
            "%(count)d entered word is not part of the name in the register.",
            "%(count)d entered words are not part of the name in the register.",
            self.extra,
        ) % {"count": self.extra}


def name_comparison(signature: Signature, voter: Voter | None) -> NameComparison | None:
    """Which parts of the name matched the register. Verification records it for signatures
    the name sent to review; for the others (a valid signature reconsidered, a sampled one) it
    is the same rule (recall.names.match) over the same stored digests. None when a side has no
    word digests (stored before the rule and not re-derived)."""
    found = signature.name_parts
    if found is None:
        if voter is None or not voter.name_surname or not signature.name_tokens:
            return None
        register = names.RegisterDigests(
            tuple(voter.name_surname),
            tuple(voter.name_given),
            tuple(voter.name_patronymic),
            tuple(voter.name_patronymic_near),
        )
        result = names.match(register, names.TypedDigests(tuple(signature.name_tokens), tuple(signature.name_near)))
        found = {"surname": result.surname, "given": result.given, "patronymic": result.patronymic}
        found["extra"] = result.extra
    parts = [
        (str(label), found[key], str(NAME_OUTCOMES[found[key]]), found[key] in MATCHED_OUTCOMES)
        for key, label in NAME_PARTS
    ]
    # The patronymic, when it matched, is one of the words beside the surname and given name.
    extra = int(found.get("extra", 0)) - (found["patronymic"] in ("exact", "initial", "slip"))
    return NameComparison(parts, max(extra, 0))


# An official's decision on one signature: what the machine left to them, or overturning an
# earlier decision (recall.states.SIGNATURE_MOVES says which needs a note).
DECISIONS = ("decide", "invalidate", "reinstate")


def _lock(signature_id: int) -> Signature:
    return Signature.objects.select_for_update(of=("self",)).select_related("petition").get(pk=signature_id)


def count_decision(signature: Signature, new: str) -> None:
    """The first decision of a signature the batches never took (an EDS signature held for its
    certificate's status, recall.services.signing.held): counted and in the public ledger as a
    batch would have done it."""
    _count(signature, SignatureState.RECEIVED, new)


def _count(signature: Signature, old: str, new: str) -> None:
    delta = counts.Delta()
    delta.move(None if old == SignatureState.RECEIVED else old, new, signature.signed_at, signature.identity_strength)
    counts.apply({signature.petition_id: delta})
    # The public ledger records the change in the same transaction (never the ground).
    ledger.append_signatures([(ledger.row_of(signature), old, new)])


def withdraw_by_signer(signature_id: int, *, through: str = "signer") -> Signature:
    """The signer withdraws while the window is open: identity confirmed by a one-time code to
    the number on record, by their EDS key, or by the partner that collected the signature
    (``through`` names it in the audit log)."""
    with transaction.atomic():
        signature = _lock(signature_id)
        petition = signature.petition
        # A web repeat (invalid as a duplicate) is withdrawn like a first: its signer must not
        # learn from the answer that the IIN had signed before (recall.services.signing.codes).
        if not signature.withdrawable_by_signer():
            raise IllegalTransition(_("This signature cannot be withdrawn any more."))
        if not petition.accepts_signatures():
            raise IllegalTransition(_("Signatures can be withdrawn only while the collection window is open."))
        old = signature.state
        now = timezone.now()
        # withdrawable_by_signer allows an invalid signature only when it is a web repeat.
        step = "withdraw_repeat" if old == SignatureState.INVALID else "withdraw"
        moves.move(
            [signature.pk], step, to=SignatureState.WITHDRAWN, by=By.SIGNER, seen=old, ground="", withdrawn_at=now
        )
        _count(signature, old, SignatureState.WITHDRAWN)
        outcome_notices.cancel(signature.pk)
        audit.record("signature.withdrawn", system_label=through, petition_id=petition.pk, obj=signature, previous=old)
    signature.refresh_from_db()
    return signature


def withdraw_for_partner(receipt: str, *, client_id: int) -> Signature:
    """A partner withdraws, on the voter's request, a signature it submitted itself (API scope
    ``withdraw``): the way to withdraw a partner's signature made without a phone number. Any
    other receipt is not found, so a partner learns nothing of others' signatures."""
    signature = signing.partner_signature(receipt, client_id=client_id)
    if signature is None:
        raise NotFound(_("No signature with this receipt was submitted by this partner."))
    return withdraw_by_signer(signature.pk, through=f"partner:{client_id}")


def decide(
    signature_id: int,
    *,
    actor: Any,
    valid: bool,
    ground: str = "",
    note: str = "",
    action: str = "signature.decided",
    grounds: tuple[str, ...] = OFFICIAL_GROUNDS,
    audit_reason: str | None = None,
    audited: bool = True,
) -> Signature:
    """An official's decision: valid, or invalid with one of ``grounds`` (the commission's nine).
    Overturning an earlier decision (valid -> invalid, invalid -> valid) needs a note saying why.
    ``audit_reason``: what the audit log says the reason was, if not the note (a note the
    system wrote is not the official's reason); ``audited=False`` when the caller records the
    whole action as one entry."""
    new = SignatureState.VALID if valid else SignatureState.INVALID
    if not valid and ground not in grounds:
        raise InvalidInput(_("Choose the ground for an invalid signature."), field="ground", code="ground_required")
    if valid:
        ground = ""
    with transaction.atomic():
        signature = _lock(signature_id)
        jurisdiction.authorize(actor, signature.petition.district_id)
        if signature.petition.state not in COUNTING_STATES:
            raise IllegalTransition(_("The petition's signatures can no longer be changed in its current state."))
        old = signature.state
        step = signature_move(old, new, by=By.OFFICIAL, among=DECISIONS)
        if step is None:
            raise IllegalTransition(
                _("A signature cannot go from “%(old)s” to “%(new)s”.")
                % {"old": SignatureState(old).label, "new": SignatureState(new).label}
            )
        if valid and (
            signature.duplicate_of_id
            or Signature.objects.filter(
                petition_id=signature.petition_id, voter_id=signature.voter_id, state=SignatureState.VALID
            )
            .exclude(pk=signature.pk)
            .exists()
        ):
            raise IllegalTransition(
                _("This voter already has a counted signature on this petition; a repeat cannot be valid."),
                code="repeat_cannot_be_valid",
            )
        if step.reason_required and not note.strip():
            raise InvalidInput(_("Say why the earlier decision is changed."), field="note", code="reason_required")
        decision = {"ground": ground, "decided_by": actor, "decided_at": timezone.now(), "decision_note": note.strip()}
        moves.move([signature.pk], step.name, to=new, by=By.OFFICIAL, seen=old, **decision)
        _count(signature, old, new)
        lifecycle.after_counts_changed([signature.petition_id])
        if audited:
            audit.record(
                action,
                actor=actor,
                petition_id=signature.petition_id,
                obj=signature,
                reason=note if audit_reason is None else audit_reason,
                previous=old,
                state=new,
                ground=ground,
            )
    signature.refresh_from_db()
    return signature


# --- Bulk invalidation ------------------------------------------------------------------------


@dataclass(frozen=True)
class Criteria:
    """Which signatures of one petition to invalidate; every given criterion must match."""

    petition_id: int
    sheet_number: int | None = None
    collector: str = ""
    paper_import_id: int | None = None
    client_id: int | None = None
    received_from: dt.datetime | None = None
    received_to: dt.datetime | None = None
    address_contains: str = ""

    def is_empty(self) -> bool:
        return not any(
            [
                self.sheet_number is not None,
                self.collector,
                self.paper_import_id,
                self.client_id,
                self.received_from,
                self.received_to,
                self.address_contains,
            ]
        )


BULK_FROM = SIGNATURE_MOVES["bulk_invalidate"].sources
# Signatures changed per UPDATE (and per progress report) in a bulk invalidation.
BULK_CHUNK = 5000


def bulk_queryset(criteria: Criteria) -> QuerySet:
    """The signatures the criteria select that a bulk invalidation would change."""
    if criteria.is_empty():
        raise InvalidInput(_("Give at least one criterion besides the petition."), code="criteria_required")
    q = Q(petition_id=criteria.petition_id, state__in=BULK_FROM)
    if criteria.sheet_number is not None:
        q &= Q(sheet_number=criteria.sheet_number)
    if criteria.collector:
        q &= Q(collector__iexact=criteria.collector.strip())
    if criteria.paper_import_id:
        q &= Q(paper_import_id=criteria.paper_import_id)
    if criteria.client_id:
        q &= Q(client_id=criteria.client_id)
    if criteria.received_from:
        q &= Q(received_at__gte=criteria.received_from)
    if criteria.received_to:
        q &= Q(received_at__lt=criteria.received_to)
    return Signature.objects.filter(q)


def _address_matches(signatures: Iterable[Signature], needle: str) -> list[Signature]:
    # Addresses are encrypted: the filter runs on decrypted rows of the narrowed selection.
    needle = needle.casefold().strip()
    return [s for s in signatures if needle in (s.personal or {}).get("address", "").casefold()]


def bulk_preview(criteria: Criteria) -> int:
    qs = bulk_queryset(criteria)
    if criteria.address_contains:
        return len(_address_matches(qs.only("id", "personal"), criteria.address_contains))
    return qs.count()


def check_bulk_invalidation(criteria: Criteria, *, actor: Any, ground: str, note: str) -> Petition:
    """Raise unless the invalidation may be carried out (before it is queued, and again when it runs)."""
    if ground not in OFFICIAL_GROUNDS:
        raise InvalidInput(_("Choose the ground for an invalid signature."), field="ground", code="ground_required")
    if not note.strip():
        raise InvalidInput(_("Say why these signatures are invalidated."), field="note", code="reason_required")
    petition = Petition.objects.get(pk=criteria.petition_id)
    jurisdiction.authorize(actor, petition.district_id)
    if petition.state not in COUNTING_STATES:
        raise IllegalTransition(_("The petition's signatures can no longer be changed in its current state."))
    if criteria.is_empty():
        raise InvalidInput(_("Give at least one criterion besides the petition."), code="criteria_required")
    return petition


def bulk_invalidate(
    criteria: Criteria,
    *,
    actor: Any,
    ground: str,
    note: str,
    expected: int,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Invalidate every selected signature with one ground. ``expected`` is the previewed count:
    if the selection changed since the preview, nothing is done and the official looks again.
    One transaction: ``progress(done, total)`` is called after each chunk, and an exception it
    raises (a cancelled job) takes back everything."""
    petition = check_bulk_invalidation(criteria, actor=actor, ground=ground, note=note)
    with transaction.atomic():
        rows = list(
            bulk_queryset(criteria)
            .select_for_update()
            .only("id", "petition_id", "state", "signed_at", "personal", "receipt", "channel", "identity_strength")
        )
        if criteria.address_contains:
            rows = _address_matches(rows, criteria.address_contains)
        if len(rows) != expected:
            raise IllegalTransition(
                _("The selection now holds %(n)s signatures, not %(expected)s; preview it again.")
                % {"n": len(rows), "expected": expected},
                code="selection_changed",
            )
        decision = {"ground": ground, "decided_by": actor, "decided_at": timezone.now(), "decision_note": note.strip()}
        delta = counts.Delta()
        ids = [s.pk for s in rows]
        for start in range(0, len(ids), BULK_CHUNK):
            if progress:
                progress(start, len(ids))
            chunk = ids[start : start + BULK_CHUNK]
            moves.move(chunk, "bulk_invalidate", to=SignatureState.INVALID, by=By.OFFICIAL, **decision)
        for s in rows:
            delta.move(s.state, SignatureState.INVALID, s.signed_at, s.identity_strength)
        counts.apply({petition.pk: delta})
        ledger.append_signatures((ledger.row_of(s), s.state, SignatureState.INVALID) for s in rows)
        audit.record(
            "signatures.bulk_invalidated",
            actor=actor,
            petition_id=petition.pk,
            reason=note,
            ground=ground,
            count=len(rows),
            criteria={k: str(v) for k, v in criteria.__dict__.items() if v not in (None, "")},
        )
    return len(rows)
