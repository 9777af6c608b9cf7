"""Random-sample verification of a submitted petition (California's method by default).

The commission draws a sample of the petition's raw signatures (those not withdrawn), finds
each sampled signature valid or invalid, and projects the number of valid signatures:

    projected = raw * valid_in_sample / sample  -  duplicates * (raw / sample) * (raw / sample - 1)

Above the policy's sufficient band (110 % of the requirement) the petition qualifies, below the
insufficient band (95 %) it fails, in between every signature must be checked.

The draw is reproducible by anyone, from the public ledger alone (recall.ledger.sampling_draw
is the specification, tools/verify_ledger.py redoes it):

- the population is the ledger's signatures received and not withdrawn among the entries of the
  checkpoint signed when the petition was submitted, in log order (a petition whose ledger has
  no submission, such as one submitted before the ledger existed, gets a checkpoint signed at
  the draw);
- the seed comes from a public procedure, never from the server: digits drawn in a public
  ceremony and typed in (``{"kind": "dice", "digits"}``), or commit-reveal among the commission,
  the initiative group and any witness (``record_commitment`` for every party first, then
  ``record_reveal``; the seed is the hash of the reveals in name order);
- the members are ``recall-draw/v1`` of the seed and the population; the ``sample`` entry and
  each finding (``finding`` entry) go into the ledger.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ... import jurisdiction
from ...constraints import violated
from ...errors import IllegalTransition, InvalidInput, PolicyViolation
from ...ledger import entries, sampling_draw
from ...models import (
    Ground,
    Petition,
    PetitionState,
    SampleDecision,
    SampleItem,
    SampleOutcome,
    SampleRun,
    SeedCommitment,
    Signature,
    SignatureState,
    policy_for,
)
from .. import audit, ledger
from ..public import public_cache
from ..verification import review


def sample_size(population: int, percent: Decimal, minimum: int) -> int:
    """``percent`` of the population or ``minimum``, whichever is more, at most everyone."""
    return min(population, max(minimum, math.ceil(Decimal(population) * Decimal(percent) / 100)))


def draw(seed: bytes, population: int, size: int) -> list[int]:
    """Positions (0-based) in the ledger-ordered population (``recall-draw/v1``)."""
    return sampling_draw.draw(seed, population, size)


def projection(*, raw: int, sample: int, valid: int, duplicates: int) -> Decimal:
    ratio = Decimal(raw) / Decimal(sample)
    return Decimal(raw) * Decimal(valid) / Decimal(sample) - duplicates * ratio * (ratio - 1)


# --- the seed's public procedure -------------------------------------------------------------


def _check_open(petition: Petition, actor: Any) -> None:
    jurisdiction.authorize(actor, petition.district_id)
    if petition.state != PetitionState.VERIFYING:
        raise IllegalTransition(_("A sample is drawn from a petition under verification."))
    if SampleRun.objects.filter(petition=petition).exists():
        raise PolicyViolation(_("A sample was already drawn for this petition."), code="sample_exists")


def record_commitment(petition: Petition, *, actor: Any, name: str, commitment: str) -> SeedCommitment:
    """A party's commitment (commit-reveal), accepted only until the first reveal."""
    _check_open(petition, actor)
    commitment = commitment.strip().lower()
    try:
        sampling_draw.party_commitment(name, b"\0" * 32)  # checks the name's form
    except ValueError as error:
        raise InvalidInput(str(error), field="name") from error
    if not re.fullmatch(r"[0-9a-f]{64}", commitment):
        raise InvalidInput(_("A commitment is 64 hexadecimal digits."), field="commitment")
    with transaction.atomic():
        Petition.objects.select_for_update(no_key=True).filter(pk=petition.pk).exists()
        if SeedCommitment.objects.filter(petition=petition).exclude(reveal="").exists():
            raise PolicyViolation(_("A party has revealed already: no more commitments."), code="reveals_started")
        if SeedCommitment.objects.filter(petition=petition, name=name).exists():
            raise PolicyViolation(_("This party has committed already."), code="already_committed")
        item = SeedCommitment.objects.create(petition=petition, name=name, commitment=commitment)
        audit.record("sample.seed_committed", actor=actor, petition_id=petition.pk, party=name, commitment=commitment)
    return item


def record_reveal(petition: Petition, *, actor: Any, name: str, reveal: str) -> SeedCommitment:
    """A party's reveal: it must match the party's commitment."""
    _check_open(petition, actor)
    with transaction.atomic():
        item = SeedCommitment.objects.select_for_update().filter(petition=petition, name=name).first()
        if item is None:
            raise InvalidInput(_("This party has not committed."), field="name")
        if SeedCommitment.objects.filter(petition=petition).count() < 2:
            raise PolicyViolation(_("Commit-reveal needs two or more parties."), code="too_few_parties")
        try:
            value = bytes.fromhex(reveal.strip())
            matches = sampling_draw.party_commitment(name, value) == item.commitment
        except ValueError:
            matches = False
        if not matches:
            raise InvalidInput(_("The reveal does not match the party's commitment."), field="reveal")
        SeedCommitment.objects.filter(pk=item.pk).update(reveal=value.hex(), revealed_at=timezone.now())
        audit.record("sample.seed_revealed", actor=actor, petition_id=petition.pk, party=name, reveal=value.hex())
    item.refresh_from_db()
    return item


def commit_reveal_procedure(petition: Petition) -> dict[str, Any]:
    parties = list(SeedCommitment.objects.filter(petition=petition).order_by("name"))
    if len(parties) < 2 or any(not p.reveal for p in parties):
        raise PolicyViolation(_("Every party must commit and reveal first."), code="reveals_missing")
    return sampling_draw.commit_reveal_procedure([(p.name, bytes.fromhex(p.reveal)) for p in parties])


def dice_procedure(digits: str) -> dict[str, Any]:
    digits = "".join(digits.split())
    try:
        sampling_draw.dice_seed(digits)
    except ValueError as error:
        raise InvalidInput(_("Type the 20 to 200 digits of the dice ceremony."), field="digits") from error
    return {"kind": "dice", "digits": digits}


def population_checkpoint(petition: Petition) -> int:
    """The ledger size whose signatures are the population: the checkpoint signed at submission.
    A ledger without a submission (a petition submitted before the ledger) gets one now."""
    events = ledger.events(petition.pk)
    submitted = [i for i, e in enumerate(events) if isinstance(e, entries.StateChanged) and e.to_state == "submitted"]
    if submitted:
        return submitted[-1] + 1
    ledger.sign_checkpoint(petition.pk)
    return len(events)


def outcome(projected: Decimal, *, required: int, sufficient_percent: Decimal, insufficient_percent: Decimal) -> str:
    if projected * 100 > required * Decimal(sufficient_percent):
        return SampleOutcome.SUFFICIENT
    if projected * 100 < required * Decimal(insufficient_percent):
        return SampleOutcome.INSUFFICIENT
    return SampleOutcome.FULL_CHECK


def start_sample(petition: Petition, *, actor: Any, procedure: dict[str, Any]) -> SampleRun:
    """Draw the petition's one sample with the seed of a public ``procedure`` (``dice_procedure``
    or ``commit_reveal_procedure``); the ``sample`` entry goes into the ledger."""
    _check_open(petition, actor)
    try:
        seed = sampling_draw.seed_from_procedure(procedure)
    except ValueError as error:
        raise InvalidInput(str(error), field="procedure") from error
    waiting = Signature.objects.filter(petition=petition, state=SignatureState.RECEIVED).count()
    if waiting:
        raise PolicyViolation(
            _("%(n)s signatures still wait for the machine check; draw the sample after it.") % {"n": waiting},
            code="verification_backlog",
        )
    policy = policy_for(petition.district.level)
    percent = f"{Decimal(policy.sample_percent):.2f}"
    try:
        with transaction.atomic():
            Petition.objects.select_for_update(no_key=True).filter(pk=petition.pk).exists()
            tree_size = population_checkpoint(petition)
            members_of = entries.population(ledger.events(petition.pk, tree_size), tree_size)
            if not members_of:
                raise PolicyViolation(_("The petition has no signatures to sample."), code="empty_population")
            size = sampling_draw.sample_size(len(members_of), percent, policy.sample_minimum)
            positions = draw(seed, len(members_of), size)
            by_commitment = _signatures_by_commitment(petition)
            run = SampleRun.objects.create(
                petition=petition,
                seed=seed.hex(),
                procedure=procedure,
                population_tree_size=tree_size,
                population_size=len(members_of),
                sample_size=size,
                sample_percent=policy.sample_percent,
                sample_minimum=policy.sample_minimum,
                sufficient_percent=policy.sample_sufficient_percent,
                insufficient_percent=policy.sample_insufficient_percent,
                started_by=actor,
            )
            SampleItem.objects.bulk_create(
                SampleItem(run=run, signature_id=by_commitment[members_of[p]], position=p) for p in positions
            )
            ledger.append(
                petition.pk,
                [
                    entries.SampleDrawn(
                        tree_size, len(members_of), size, percent, policy.sample_minimum, seed.hex(), procedure
                    )
                ],
            )
            audit.record(
                "sample.started",
                actor=actor,
                petition_id=petition.pk,
                obj=run,
                seed=seed.hex(),
                procedure=procedure,
                population=len(members_of),
                population_tree_size=tree_size,
                size=size,
            )
    except IntegrityError as error:
        if violated(error, SampleRun, "one_sample_per_petition"):
            raise PolicyViolation(_("A sample was already drawn for this petition."), code="sample_exists") from error
        raise
    return run


def _signatures_by_commitment(petition: Petition) -> dict[str, int]:
    rows = Signature.objects.filter(petition=petition).values_list("pk", "receipt")
    key = settings.RECALL_IIN_KEY
    return {ledger.commitment(petition.pk, pk, receipt, key=key): pk for pk, receipt in rows.iterator()}


def decide_item(item_id: int, *, actor: Any, valid: bool, ground: str = "", note: str = "") -> SampleItem:
    """The official's finding on a sampled signature. It is also the signature's decision when
    it differs from the machine's (or the signature waited for review)."""
    if not valid and ground not in Ground.values:
        raise InvalidInput(_("Choose the ground for an invalid signature."), field="ground", code="ground_required")
    with transaction.atomic():
        item = (
            SampleItem.objects.select_for_update(of=("self",))
            .select_related("run__petition", "signature")
            .get(pk=item_id)
        )
        run = item.run
        jurisdiction.authorize(actor, run.petition.district_id)
        if run.closed_at is not None:
            raise IllegalTransition(_("This sample is closed."))
        finding = SampleDecision.VALID if valid else SampleDecision.INVALID
        if item.decision and item.decision != finding and not note.strip():
            raise InvalidInput(_("Say why the earlier finding is changed."), field="note", code="reason_required")
        SampleItem.objects.filter(pk=item.pk).update(
            decision=SampleDecision.VALID if valid else SampleDecision.INVALID,
            ground="" if valid else ground,
            decided_by=actor,
            decided_at=timezone.now(),
        )
        signature = item.signature
        # The finding goes into the public ledger (duplicate: the one ground the projection needs).
        ledger.append(
            run.petition_id,
            [
                entries.SampleFinding(
                    ledger.row_of(signature).commitment,
                    counted=valid,
                    duplicate=not valid and ground == Ground.DUPLICATE,
                )
            ],
        )
        target = SignatureState.VALID if valid else SignatureState.INVALID
        if signature.state != target:
            review.decide(
                signature.pk,
                actor=actor,
                valid=valid,
                ground=ground,
                note=note or _("finding of random sample #%(run)s") % {"run": run.pk},
                action="sample.decided",
                grounds=tuple(Ground.values),  # a finding may confirm one of the machine's grounds
            )
        else:
            audit.record(
                "sample.decided",
                actor=actor,
                petition_id=run.petition_id,
                obj=signature,
                reason=note,
                state=target,
                ground=ground,
                confirmed=True,
            )
    item.refresh_from_db()
    return item


@dataclass(frozen=True)
class Finding:
    item_id: int
    valid: bool
    ground: str = ""


def decide_items(run_id: int, findings: list[Finding], *, actor: Any, note: str = "") -> int:
    """Many findings at once (the admin's findings form): all recorded, or none. Each goes
    through ``decide_item``; a refused one raises with the sampled signature's position, and
    the transaction takes back the findings recorded before it."""
    items = {i.pk: i for i in SampleItem.objects.filter(run_id=run_id, pk__in=[f.item_id for f in findings])}
    if len(items) != len({f.item_id for f in findings}):
        raise InvalidInput(_("A finding names a signature that is not in this sample."), code="not_in_sample")
    with transaction.atomic():
        for finding in findings:
            try:
                decide_item(finding.item_id, actor=actor, valid=finding.valid, ground=finding.ground, note=note)
            except InvalidInput as error:
                raise InvalidInput(
                    _("Signature at position %(position)s: %(error)s")
                    % {"position": items[finding.item_id].position, "error": error.message},
                    field=error.field,
                    code=error.code,
                ) from error
    return len(findings)


def close_sample(run_id: int, *, actor: Any) -> SampleRun:
    """Compute the projection once every sampled signature has a finding."""
    with transaction.atomic():
        run = SampleRun.objects.select_for_update(of=("self",)).select_related("petition").get(pk=run_id)
        jurisdiction.authorize(actor, run.petition.district_id)
        if run.closed_at is not None:
            raise IllegalTransition(_("This sample is already closed."))
        undecided = run.items.filter(decision="").count()
        if undecided:
            raise PolicyViolation(
                _("%(n)s sampled signatures have no finding yet.") % {"n": undecided}, code="sample_undecided"
            )
        valid = run.items.filter(decision=SampleDecision.VALID).count()
        duplicates = run.items.filter(decision=SampleDecision.INVALID, ground=Ground.DUPLICATE).count()
        # Rounded half-even as the ledger's specification says, so a verifier gets the same cents.
        projected = sampling_draw.projection(
            raw=run.population_size, sample=run.sample_size, valid=valid, duplicates=duplicates
        )
        result = outcome(
            projected,
            required=run.petition.required_signatures or 0,
            sufficient_percent=run.sufficient_percent,
            insufficient_percent=run.insufficient_percent,
        )
        SampleRun.objects.filter(pk=run.pk, closed_at__isnull=True).update(
            valid_in_sample=valid,
            duplicates_in_sample=duplicates,
            projected_valid=projected,
            outcome=result,
            closed_at=timezone.now(),
        )
        public_cache.changed(run.petition_id, content=True)  # the page shows the sample's result
        audit.record(
            "sample.closed",
            actor=actor,
            petition_id=run.petition_id,
            obj=run,
            valid=valid,
            duplicates=duplicates,
            projected=str(projected),
            outcome=result,
        )
    run.refresh_from_db()
    return run
