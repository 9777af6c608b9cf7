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
- the seed nobody can steer: every party that wants a share (the commission from the admin,
  the initiative group from its page, each accredited witness through the API) publishes a
  commitment in the ledger (``commit``); the commission then fixes a drand round that does not
  exist yet (``fix_round``: a ``beacon`` entry, cosigned by the witnesses before the round's
  time); the parties reveal before that time (``reveal``); once the round exists the sample is
  drawn (``draw_sample``, or beat's ``draw_due``) with the round's randomness and the reveals
  made in time. A party that did not reveal is recorded as absent and the draw goes on. Every
  choice anyone has is made before the round's randomness exists, and a petition has one sample;
- the members are ``recall-draw/v1`` of the seed and the population; the ``sample`` entry and
  each finding (``finding`` entry) go into the ledger.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ... import jurisdiction
from ...constraints import violated
from ...errors import IllegalTransition, InvalidInput, MissingScope, PolicyViolation
from ...ledger import beacon, entries, note, sampling_draw
from ...models import (
    AWAITING_WORKERS,
    Ground,
    LedgerCosignature,
    Petition,
    PetitionState,
    SampleDecision,
    SampleItem,
    SampleOutcome,
    SampleRun,
    SeedCommitment,
    SeedRound,
    Signature,
    SignatureState,
    policy_for,
)
from .. import audit, ledger
from ..public import public_cache
from ..verification import review
from . import beacon_source, witnesses

logger = logging.getLogger(__name__)


def sample_size(population: int, percent: Decimal, minimum: int) -> int:
    """``percent`` of the population or ``minimum``, whichever is more, at most everyone."""
    return min(population, max(minimum, math.ceil(Decimal(population) * Decimal(percent) / 100)))


def draw(seed: bytes, population: int, size: int) -> list[int]:
    """Positions (0-based) in the ledger-ordered population (``recall-draw/v1``)."""
    return sampling_draw.draw(seed, population, size)


def projection(*, raw: int, sample: int, valid: int, duplicates: int) -> Decimal:
    ratio = Decimal(raw) / Decimal(sample)
    return Decimal(raw) * Decimal(valid) / Decimal(sample) - duplicates * ratio * (ratio - 1)


# --- the seed: commitments, a beacon round fixed before it exists, reveals --------------------

COMMISSION = "commission"
GROUP = "initiative group"


def _lock(petition: Petition) -> Petition:
    return Petition.objects.select_for_update(no_key=True).get(pk=petition.pk)


def _check_open(petition: Petition) -> None:
    if petition.state != PetitionState.VERIFYING:
        raise IllegalTransition(_("A sample is drawn from a petition under verification."))
    if SampleRun.objects.filter(petition=petition).exists():
        raise PolicyViolation(_("A sample was already drawn for this petition."), code="sample_exists")


def _publish(petition_id: int, event: entries.Event) -> int:
    """Append one seed entry and sign a checkpoint of it at once, so the witnesses see it now
    (their cosignatures' times are what proves when it was made). Returns its index."""
    size = ledger.append(petition_id, [event])
    ledger.sign_checkpoint(petition_id)
    return size - 1


def commit(
    petition: Petition, *, party: str, commitment: str, actor: Any = None, held_reveal: str = ""
) -> SeedCommitment:
    """A party's commitment, published in the ledger; taken until the beacon round is fixed."""
    commitment = (commitment or "").strip().lower()
    try:
        sampling_draw.party_commitment(party, b"\0" * 32)  # checks the name's form
    except ValueError as error:
        raise InvalidInput(str(error), field="name") from error
    if not re.fullmatch(r"[0-9a-f]{64}", commitment):
        raise InvalidInput(_("A commitment is 64 hexadecimal digits."), field="commitment")
    with transaction.atomic():
        petition = _lock(petition)
        _check_open(petition)
        if SeedRound.objects.filter(petition=petition).exists():
            raise PolicyViolation(
                _("The commitments are closed: the beacon round is fixed."), code="commitments_closed"
            )
        if SeedCommitment.objects.filter(petition=petition, name=party).exists():
            raise PolicyViolation(_("This party has committed already."), code="already_committed")
        item = SeedCommitment.objects.create(
            petition=petition, name=party, commitment=commitment, held_reveal=held_reveal
        )
        _publish(petition.pk, entries.SeedCommitted(party, commitment))
        audit.record("sample.seed_committed", actor=actor, petition_id=petition.pk, party=party, commitment=commitment)
    return item


def commit_for_commission(petition: Petition, *, actor: Any) -> SeedCommitment:
    """The commission's share: 32 random bytes drawn here, kept until the commission reveals."""
    jurisdiction.authorize(actor, petition.district_id)
    share = secrets.token_bytes(32)
    commitment = sampling_draw.party_commitment(COMMISSION, share)
    return commit(petition, party=COMMISSION, commitment=commitment, actor=actor, held_reveal=share.hex())


def witness_party(client: Any) -> str:
    """An accredited witness takes part under its key's name (an API client's registered key)."""
    if not client.witness_vkey or not witnesses.is_accredited(
        note.Verifier.from_vkey(client.witness_vkey).name, client.witness_vkey
    ):
        raise MissingScope(_("Only an accredited witness takes part in the sample."))
    name = note.Verifier.from_vkey(client.witness_vkey).name
    if name in (COMMISSION, GROUP):  # a witness never takes another party's place
        raise MissingScope(_("Only an accredited witness takes part in the sample."))
    return name


def fix_round(petition: Petition, *, actor: Any) -> SeedRound:
    """Close the commitments and fix the beacon round: the first one after the reveal period,
    which does not exist yet (the ledger's ``beacon`` entry, signed and pushed to the witnesses
    at once). Its randomness and the parties' reveals make the seed."""
    jurisdiction.authorize(actor, petition.district_id)
    chain = beacon_source.source().chain
    with transaction.atomic():
        petition = _lock(petition)
        _check_open(petition)
        if SeedRound.objects.filter(petition=petition).exists():
            raise PolicyViolation(_("The beacon round is fixed already."), code="round_fixed")
        if not _submitted_at(petition.pk):
            raise PolicyViolation(_("The petition's ledger does not record its submission."), code="no_submission")
        now = timezone.now().timestamp()
        round_ = chain.round_at(now + settings.RECALL_SAMPLE_REVEAL_SECONDS) + 1
        index = _publish(petition.pk, entries.BeaconFixed(chain.hash, round_))
        fixed = SeedRound.objects.create(
            petition=petition,
            chain=chain.hash,
            round=round_,
            round_time=dt.datetime.fromtimestamp(chain.round_time(round_), dt.UTC),
            entry_index=index,
            fixed_by=actor,
        )
        audit.record("sample.round_fixed", actor=actor, petition_id=petition.pk, chain=chain.hash, round=round_)
    return fixed


def reveals_close(fixed: SeedRound) -> dt.datetime:
    """Reveals are taken until shortly before the round exists (time for the witnesses to see them)."""
    return fixed.round_time - dt.timedelta(seconds=settings.RECALL_SAMPLE_REVEAL_MARGIN_SECONDS)


def reveal(petition: Petition, *, party: str, reveal: str, actor: Any = None) -> SeedCommitment:
    """A party's reveal, published in the ledger; it must match the party's commitment and come
    before the round exists."""
    with transaction.atomic():
        petition = _lock(petition)
        _check_open(petition)
        fixed = SeedRound.objects.filter(petition=petition).first()
        if fixed is None:
            raise PolicyViolation(_("Reveals start once the beacon round is fixed."), code="round_not_fixed")
        if timezone.now() >= reveals_close(fixed):
            raise PolicyViolation(_("The time to reveal has passed."), code="reveals_closed")
        item = SeedCommitment.objects.select_for_update().filter(petition=petition, name=party).first()
        if item is None:
            raise InvalidInput(_("This party has not committed."), field="name")
        if item.reveal:
            raise PolicyViolation(_("This party has revealed already."), code="already_revealed")
        try:
            value = bytes.fromhex((reveal or "").strip())
            matches = sampling_draw.party_commitment(party, value) == item.commitment
        except ValueError:
            matches = False
        if not matches:
            raise InvalidInput(_("The reveal does not match the party's commitment."), field="reveal")
        index = _publish(petition.pk, entries.SeedRevealed(party, value.hex()))
        SeedCommitment.objects.filter(pk=item.pk).update(
            reveal=value.hex(), revealed_at=timezone.now(), reveal_index=index, held_reveal=""
        )
        audit.record("sample.seed_revealed", actor=actor, petition_id=petition.pk, party=party, reveal=value.hex())
    item.refresh_from_db()
    return item


def reveal_for_commission(petition: Petition, *, actor: Any) -> SeedCommitment:
    jurisdiction.authorize(actor, petition.district_id)
    item = SeedCommitment.objects.filter(petition=petition, name=COMMISSION).first()
    if item is None or not item.held_reveal:
        raise PolicyViolation(_("The commission has no share to reveal."), code="nothing_to_reveal")
    return reveal(petition, party=COMMISSION, reveal=item.held_reveal, actor=actor)


def timely(index: int, deadline: dt.datetime) -> bool:
    """Did entry ``index`` exist before ``deadline``? Shown by an accredited witness's first
    cosignature of a checkpoint covering it (what a verifier with those witnesses pinned reads);
    without accredited witnesses (development), by this service's own record."""
    if not witnesses.accredited():
        return True  # the reveal was taken before the deadline (``reveal`` refuses later ones)
    return (
        LedgerCosignature.objects.filter(witnesses.accredited_filter())
        .filter(checkpoint__size__gt=index, timestamp__lt=int(deadline.timestamp()))
        .exists()
    )


def draw_sample(petition: Petition, *, actor: Any = None) -> SampleRun:
    """Draw the petition's one sample once its beacon round exists: the seed is the round's
    randomness and the reveals made in time (recall.ledger.sampling_draw, ``beacon``)."""
    if actor is not None:
        jurisdiction.authorize(actor, petition.district_id)
    fixed = SeedRound.objects.filter(petition=petition).first()
    if fixed is None:
        raise PolicyViolation(_("Fix the beacon round first."), code="round_not_fixed")
    source = beacon_source.source()
    if source.chain.hash != fixed.chain:
        raise ImproperlyConfigured(
            f"the beacon source is chain {source.chain.hash}, the round was fixed on {fixed.chain}"
        )
    signature = source.fetch(fixed.round)
    if signature is None:
        raise PolicyViolation(
            _("Beacon round %(round)s does not exist yet; it comes at %(at)s.")
            % {"round": fixed.round, "at": timezone.localtime(fixed.round_time).strftime("%Y-%m-%d %H:%M:%S")},
            code="round_not_yet",
        )
    beacon.verify(source.chain, fixed.round, signature)
    parties = list(SeedCommitment.objects.filter(petition=petition).order_by("name"))
    counted = [
        (p.name, bytes.fromhex(p.reveal))
        for p in parties
        if p.reveal and p.reveal_index is not None and timely(p.reveal_index, fixed.round_time)
    ]
    absent = [(p.name, p.commitment) for p in parties if p.name not in {name for name, _ in counted}]
    procedure = sampling_draw.beacon_procedure(fixed.chain, fixed.round, signature, counted, absent)
    return start_sample(petition, actor=actor, procedure=procedure)


def draw_due() -> int:
    """Beat: draw every sample whose beacon round exists now (no official chooses the moment)."""
    drawn = 0
    due = SeedRound.objects.filter(round_time__lte=timezone.now(), petition__sample_runs__isnull=True)
    for fixed in due.select_related("petition").order_by("round_time"):
        try:
            draw_sample(fixed.petition, actor=None)
            drawn += 1
        except (PolicyViolation, IllegalTransition, beacon_source.BeaconUnavailable) as error:
            logger.warning("sample of petition %s not drawn yet: %s", fixed.petition_id, error)
    return drawn


def _submitted_at(petition_id: int) -> int | None:
    """The index of the ledger's last ``submitted`` state entry, if any."""
    events = ledger.events(petition_id)
    submitted = [i for i, e in enumerate(events) if isinstance(e, entries.StateChanged) and e.to_state == "submitted"]
    return submitted[-1] if submitted else None


def population_checkpoint(petition: Petition) -> int:
    """The ledger size whose signatures are the population: the entries up to the submission
    (a checkpoint of exactly that size is signed with it, recall.services.lifecycle)."""
    at = _submitted_at(petition.pk)
    if at is None:
        raise PolicyViolation(_("The petition's ledger does not record its submission."), code="no_submission")
    return at + 1


def outcome(projected: Decimal, *, required: int, sufficient_percent: Decimal, insufficient_percent: Decimal) -> str:
    if projected * 100 > required * Decimal(sufficient_percent):
        return SampleOutcome.SUFFICIENT
    if projected * 100 < required * Decimal(insufficient_percent):
        return SampleOutcome.INSUFFICIENT
    return SampleOutcome.FULL_CHECK


def start_sample(petition: Petition, *, actor: Any, procedure: dict[str, Any]) -> SampleRun:
    """Draw the petition's one sample with the seed of a ``beacon`` procedure (``draw_sample``);
    the policy's numbers are those the ledger recorded at registration, the population the
    ledger's signatures up to the submission; the ``sample`` entry goes into the ledger."""
    if procedure.get("kind") != "beacon":
        raise InvalidInput(_("The seed takes a public beacon round."), field="procedure")
    try:
        seed = sampling_draw.seed_from_procedure(procedure)
    except ValueError as error:
        raise InvalidInput(str(error), field="procedure") from error
    waiting = Signature.objects.filter(petition=petition, state__in=AWAITING_WORKERS).count()
    if waiting:
        raise PolicyViolation(
            _("%(n)s signatures still wait for the machine check; draw the sample after it.") % {"n": waiting},
            code="verification_backlog",
        )
    current = policy_for(petition.district.level)
    recorded = ledger.recorded_policy(petition.pk)
    percent = recorded.percent if recorded else ledger.percent_text(current.sample_percent)
    minimum = recorded.minimum if recorded else current.sample_minimum
    sufficient = Decimal(recorded.sufficient_percent) if recorded else current.sample_sufficient_percent
    insufficient = Decimal(recorded.insufficient_percent) if recorded else current.sample_insufficient_percent
    try:
        with transaction.atomic():
            petition = _lock(petition)
            _check_open(petition)
            tree_size = population_checkpoint(petition)
            members_of = entries.population(ledger.events(petition.pk, tree_size), tree_size)
            if not members_of:
                raise PolicyViolation(_("The petition has no signatures to sample."), code="empty_population")
            size = sampling_draw.sample_size(len(members_of), percent, minimum)
            positions = draw(seed, len(members_of), size)
            by_commitment = _signatures_by_commitment(petition)
            run = SampleRun.objects.create(
                petition=petition,
                seed=seed.hex(),
                procedure=procedure,
                population_tree_size=tree_size,
                population_size=len(members_of),
                sample_size=size,
                sample_percent=Decimal(percent),
                sample_minimum=minimum,
                sufficient_percent=sufficient,
                insufficient_percent=insufficient,
                started_by=actor,
            )
            SampleItem.objects.bulk_create(
                SampleItem(run=run, signature_id=by_commitment[members_of[p]], position=p) for p in positions
            )
            ledger.append(
                petition.pk,
                [entries.SampleDrawn(tree_size, len(members_of), size, percent, minimum, seed.hex(), procedure)],
            )
            ledger.sign_checkpoint(petition.pk)
            audit.record(
                "sample.started",
                actor=actor,
                system_label="sample",
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


def decide_item(
    item_id: int, *, actor: Any, valid: bool, ground: str = "", note: str = "", audited: bool = True
) -> SampleItem:
    """The official's finding on a sampled signature. It is also the signature's decision when
    it differs from the machine's (or the signature waited for review). ``audited=False``: the
    caller records its findings as one audit entry (``decide_items``)."""
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
                audit_reason=note,  # only what the official wrote, never a text made in some language
                audited=audited,
            )
        elif audited:
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
                decide_item(
                    finding.item_id, actor=actor, valid=finding.valid, ground=finding.ground, note=note, audited=False
                )
            except InvalidInput as error:
                raise InvalidInput(
                    _("Signature at position %(position)s: %(error)s")
                    % {"position": items[finding.item_id].position, "error": error.message},
                    field=error.field,
                    code=error.code,
                ) from error
        if findings:
            # One entry for the official's one action, with what it decided signature by signature.
            run = SampleRun.objects.only("petition_id").get(pk=run_id)
            audit.record(
                "sample.findings_recorded",
                actor=actor,
                petition_id=run.petition_id,
                obj=run,
                reason=note,
                count=len(findings),
                valid=sum(f.valid for f in findings),
                invalid=sum(not f.valid for f in findings),
                findings=[
                    {
                        "position": items[f.item_id].position,
                        "signature": items[f.item_id].signature_id,
                        "valid": f.valid,
                        "ground": "" if f.valid else f.ground,
                    }
                    for f in findings
                ],
            )
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
