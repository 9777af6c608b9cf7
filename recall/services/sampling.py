"""Random-sample verification of a submitted petition (California's method by default).

The commission draws a sample of the petition's raw signatures (those not withdrawn), finds
each sampled signature valid or invalid, and projects the number of valid signatures:

    projected = raw * valid_in_sample / sample  -  duplicates * (raw / sample) * (raw / sample - 1)

Above the policy's sufficient band (110 % of the requirement) the petition qualifies, below the
insufficient band (95 %) it fails, in between every signature must be checked.

The draw is reproducible by anyone: the population is the petition's non-withdrawn signatures
ordered by id, and the sample is ``sorted(random.Random(seed).sample(range(N), n))`` (Python 3's
Mersenne Twister, string seed). The seed is published with the result.
"""

from __future__ import annotations

import math
import random
import secrets
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import jurisdiction
from ..constraints import violated
from ..errors import IllegalTransition, InvalidInput, PolicyViolation
from ..models import (
    Ground,
    Petition,
    PetitionState,
    SampleDecision,
    SampleItem,
    SampleOutcome,
    SampleRun,
    Signature,
    SignatureState,
    policy_for,
)
from . import audit, review


def sample_size(population: int, percent: Decimal, minimum: int) -> int:
    """``percent`` of the population or ``minimum``, whichever is more, at most everyone."""
    return min(population, max(minimum, math.ceil(Decimal(population) * Decimal(percent) / 100)))


def draw(seed: str, population: int, size: int) -> list[int]:
    """Positions (0-based) in the id-ordered population; the same for the same seed, anywhere."""
    return sorted(random.Random(seed).sample(range(population), size))


def projection(*, raw: int, sample: int, valid: int, duplicates: int) -> Decimal:
    ratio = Decimal(raw) / Decimal(sample)
    return Decimal(raw) * Decimal(valid) / Decimal(sample) - duplicates * ratio * (ratio - 1)


def outcome(projected: Decimal, *, required: int, sufficient_percent: Decimal, insufficient_percent: Decimal) -> str:
    if projected * 100 > required * Decimal(sufficient_percent):
        return SampleOutcome.SUFFICIENT
    if projected * 100 < required * Decimal(insufficient_percent):
        return SampleOutcome.INSUFFICIENT
    return SampleOutcome.FULL_CHECK


def start_sample(petition: Petition, *, actor: Any) -> SampleRun:
    """Draw the petition's one sample, with a seed generated here (never chosen by a person)."""
    jurisdiction.authorize(actor, petition.district_id)
    if petition.state != PetitionState.VERIFYING:
        raise IllegalTransition(_("A sample is drawn from a petition under verification."))
    waiting = Signature.objects.filter(petition=petition, state=SignatureState.RECEIVED).count()
    if waiting:
        raise PolicyViolation(
            _("%(n)s signatures still wait for the machine check; draw the sample after it.") % {"n": waiting},
            code="verification_backlog",
        )
    policy = policy_for(petition.district.level)
    population = list(
        Signature.objects.filter(petition=petition)
        .exclude(state=SignatureState.WITHDRAWN)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not population:
        raise PolicyViolation(_("The petition has no signatures to sample."), code="empty_population")
    size = sample_size(len(population), policy.sample_percent, policy.sample_minimum)
    seed = secrets.token_hex(16)
    positions = draw(seed, len(population), size)
    try:
        with transaction.atomic():
            run = SampleRun.objects.create(
                petition=petition,
                seed=seed,
                population_size=len(population),
                sample_size=size,
                sample_percent=policy.sample_percent,
                sample_minimum=policy.sample_minimum,
                sufficient_percent=policy.sample_sufficient_percent,
                insufficient_percent=policy.sample_insufficient_percent,
                started_by=actor,
            )
            SampleItem.objects.bulk_create(
                SampleItem(run=run, signature_id=population[p], position=p) for p in positions
            )
            audit.record(
                "sample.started",
                actor=actor,
                petition_id=petition.pk,
                obj=run,
                seed=seed,
                population=len(population),
                size=size,
            )
    except IntegrityError as error:
        if violated(error, SampleRun, "one_sample_per_petition"):
            raise PolicyViolation(_("A sample was already drawn for this petition."), code="sample_exists") from error
        raise
    return run


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
        projected = projection(
            raw=run.population_size, sample=run.sample_size, valid=valid, duplicates=duplicates
        ).quantize(Decimal("0.01"))
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
