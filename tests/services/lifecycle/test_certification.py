"""Submission, verification and certification (recall.services.lifecycle.certification)."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from recall.calendar import add_days
from recall.errors import PolicyViolation
from recall.models import Petition, PetitionState
from recall.services import lifecycle, verification
from recall.services.verification import review
from tests.factories import SignatureFactory
from tests.helpers import walk


def test_certification_needs_every_signature_decided_without_a_sample(collecting, voters, alice):
    SignatureFactory(petition=collecting, voter_row=voters[10])
    collecting = walk(collecting, PetitionState.VERIFYING)
    collecting.refresh_from_db()
    with pytest.raises(PolicyViolation, match="1 signatures still await a decision"):
        lifecycle.certify(collecting, actor=alice)


def test_certification_counts_the_signatures_not_a_cached_count(collecting, voters, alice):
    for voter in voters[10:20]:
        SignatureFactory(petition=collecting, voter_row=voter)
    verification.verify_all()
    collecting = walk(collecting, PetitionState.VERIFYING)
    Petition.objects.filter(pk=collecting.pk).update(valid_count=0)  # a drifted counter
    collecting.refresh_from_db()
    assert lifecycle.certify(collecting, actor=alice).state == PetitionState.SUFFICIENT
    assert collecting.audit_entries.filter(action="counts.repaired").exists()
    assert lifecycle.schedule_recall_vote(collecting, actor=alice).state == PetitionState.RECALL_VOTE


def test_a_petition_short_of_the_requirement_after_verification_is_certified_insufficient(collecting, voters, bob):
    for voter in voters[10:20]:  # 10 valid of the 10 required: the threshold is reached
        SignatureFactory(petition=collecting, voter_row=voter)
    verification.verify_all()
    collecting.refresh_from_db()
    lifecycle.submit(collecting, actor=bob)
    lifecycle.start_verification(collecting, actor=bob)
    forged = collecting.signatures.order_by("pk").first()
    review.decide(forged.pk, actor=bob, valid=False, ground="forgery", note="The sheet shows erasures.")
    certified_on = (timezone.now() + dt.timedelta(hours=1)).replace(microsecond=0)
    with time_machine.travel(certified_on, tick=False):
        petition = lifecycle.certify(collecting, actor=bob)
    assert (petition.state, petition.valid_count, petition.certified_at) == (
        PetitionState.INSUFFICIENT,
        9,
        certified_on,
    )
    assert petition.transitions.get(to_state=PetitionState.INSUFFICIENT).actor == bob
    assert lifecycle.available(petition.state) == []  # a closed petition: nothing can follow


def test_verification_starts_with_its_deadline(collecting, bob, policy):
    collecting = walk(collecting, PetitionState.SUBMITTED)
    collecting.refresh_from_db()
    petition = lifecycle.start_verification(collecting, actor=bob)
    assert petition.state == PetitionState.VERIFYING
    assert petition.verification_due == add_days(timezone.localdate(), policy.verification_days, "calendar")
