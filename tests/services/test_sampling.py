"""Random-sample verification (recall.services.ledger.sampling): size, reproducible draw, findings,
the projection with its duplicate penalty, the outcome, and certification from it."""

from decimal import Decimal
from fractions import Fraction

import pytest

from recall.errors import InvalidInput, PolicyViolation
from recall.ledger import entries, sampling_draw
from recall.models import Petition, PetitionState, SampleOutcome, Signature
from recall.services import ledger, lifecycle, verification
from recall.services.ledger import sampling
from tests.factories import SignatureFactory
from tests.helpers import draw_sample, under_verification


def test_the_worked_example_of_the_california_procedure():
    # raw 24,034, sample 722, 516 valid, 2 duplicates (docs/domain.md, "Random samples"): computed by hand with exact fractions.
    raw, sample, valid, dups = 24034, 722, 516, 2
    ratio = Fraction(raw, sample)
    by_hand = Fraction(raw * valid, sample) - dups * ratio * (ratio - 1)
    projected = sampling.projection(raw=raw, sample=sample, valid=valid, duplicates=dups)
    assert abs(projected - Decimal(by_hand.numerator) / Decimal(by_hand.denominator)) < Decimal("1e-20")
    assert round(projected) == 15027  # "about 15,028" in the published example
    assert abs(projected - 15028) < 1


@pytest.mark.parametrize(
    ("projected", "outcome"),
    [
        (Decimal("1101"), SampleOutcome.SUFFICIENT),
        (Decimal("1100"), SampleOutcome.FULL_CHECK),
        (Decimal("950"), SampleOutcome.FULL_CHECK),
        (Decimal("949.99"), SampleOutcome.INSUFFICIENT),
    ],
)
def test_the_bands_around_the_requirement(projected, outcome):
    assert (
        sampling.outcome(projected, required=1000, sufficient_percent=Decimal(110), insufficient_percent=Decimal(95))
        == outcome
    )


def test_the_sample_is_three_percent_or_five_hundred():
    assert sampling.sample_size(24034, Decimal(3), 500) == 722
    assert sampling.sample_size(10000, Decimal(3), 500) == 500
    assert sampling.sample_size(300, Decimal(3), 500) == 300


def test_the_draw_is_reproducible_from_the_seed():
    seed, other = b"\x01" * 32, b"\x02" * 32
    assert sampling.draw(seed, 1000, 30) == sampling.draw(seed, 1000, 30)
    assert sampling.draw(seed, 1000, 30) != sampling.draw(other, 1000, 30)
    assert len(set(sampling.draw(seed, 1000, 30))) == 30


@pytest.fixture
def verifying(samples_of_10, collecting, voters):
    for voter in voters[10:40]:
        SignatureFactory(petition=collecting, voter_row=voter)
    verification.verify_all()
    return under_verification(collecting)


def test_an_official_samples_finds_and_the_petition_is_certified(verifying, bob):
    run = draw_sample(verifying, bob)
    assert (run.population_size, run.sample_size) == (30, 10)
    assert run.procedure["kind"] == "beacon" and run.seed == sampling_draw.seed_from_procedure(run.procedure).hex()
    # Anyone can redo the draw from the public ledger: the population is its received signatures.
    population = entries.population(ledger.events(verifying.pk), run.population_tree_size)
    members = [population[p] for p in sampling.draw(bytes.fromhex(run.seed), 30, 10)]
    by_id = {s.pk: ledger.row_of(s).commitment for s in Signature.objects.filter(petition=verifying)}
    assert [by_id[i] for i in run.items.order_by("position").values_list("signature_id", flat=True)] == members
    items = list(run.items.all())
    for item in items[:9]:
        sampling.decide_item(item.pk, actor=bob, valid=True)
    with pytest.raises(PolicyViolation, match="1 sampled signatures have no finding"):
        sampling.close_sample(run.pk, actor=bob)
    sampling.decide_item(items[9].pk, actor=bob, valid=False, ground="forgery", note="sheet shows erasures")
    run = sampling.close_sample(run.pk, actor=bob)
    assert (run.valid_in_sample, run.duplicates_in_sample, run.projected_valid) == (9, 0, Decimal("27.00"))
    assert run.outcome == SampleOutcome.SUFFICIENT  # 27 > 110 % of 10
    assert lifecycle.certify(verifying, actor=bob).state == PetitionState.SUFFICIENT
    assert Signature.objects.get(pk=items[9].signature_id).state == "invalid"  # the finding is the decision


def test_duplicates_found_in_the_sample_lower_the_projection(verifying, bob):
    Petition.objects.filter(pk=verifying.pk).update(required_signatures=20)
    run = draw_sample(verifying, bob)
    items = list(run.items.order_by("position"))
    for item in items[:9]:
        sampling.decide_item(item.pk, actor=bob, valid=True)
    sampling.decide_item(items[9].pk, actor=bob, valid=False, ground="duplicate", note="signed twice on paper")
    run = sampling.close_sample(run.pk, actor=bob)
    # 30 × 9/10 − 1 × (30/10) × (30/10 − 1) = 27 − 6 = 21. Without the duplicate penalty it
    # would be 27, above 110 % of the 20 required (22); 21 is between the bands (19 to 22).
    assert (run.valid_in_sample, run.duplicates_in_sample) == (9, 1)
    assert (run.projected_valid, run.outcome) == (Decimal("21.00"), SampleOutcome.FULL_CHECK)


def test_a_projection_in_the_middle_band_requires_every_signature(verifying, bob, policy):
    Petition.objects.filter(pk=verifying.pk).update(required_signatures=28)
    verifying.refresh_from_db()
    run = draw_sample(verifying, bob)
    for item in run.items.all():
        sampling.decide_item(item.pk, actor=bob, valid=True)
    run = sampling.close_sample(run.pk, actor=bob)
    # 30 projected is 107 % of 28: between the bands, so certification counts every signature.
    assert (run.projected_valid, run.outcome) == (Decimal("30.00"), SampleOutcome.FULL_CHECK)
    assert lifecycle.certify(verifying, actor=bob).state == PetitionState.SUFFICIENT


def test_a_petition_has_one_sample(verifying, bob):
    draw_sample(verifying, bob)
    with pytest.raises(PolicyViolation, match="already drawn"):
        draw_sample(verifying, bob)


def test_a_changed_sample_finding_needs_a_reason(collecting, voters, bob, policy):
    SignatureFactory(petition=collecting, voter_row=voters[10])
    verification.verify_all()
    under_verification(collecting)
    item = draw_sample(collecting, bob).items.get()
    sampling.decide_item(item.pk, actor=bob, valid=False, ground="forgery", note="erasures")
    with pytest.raises(InvalidInput, match="why"):
        sampling.decide_item(item.pk, actor=bob, valid=True)
