"""Officials' decisions on signatures (recall.services.verification.review): the review queue, later
invalidation, bulk invalidation, and the audit of each."""

import datetime as dt

import pytest

from recall.errors import IllegalTransition, InvalidInput, OutsideJurisdiction
from recall.models import AuditEntry, Petition, PetitionState, Signature
from recall.services import verification
from recall.services.verification import counts, review
from tests.factories import SignatureFactory
from tests.helpers import walk


@pytest.fixture
def in_review(collecting, voters):
    signature = SignatureFactory(petition=collecting, voter_row=voters[10], full_name="Someone Else")
    verification.verify_all()
    signature.refresh_from_db()
    assert signature.state == "review"
    return signature


def stored_counts(petition):
    petition.refresh_from_db()
    return {k: getattr(petition, k) for k in counts.truth(petition.pk)}


def test_an_official_validates_a_signature_from_the_queue(in_review, bob):
    review.decide(in_review.pk, actor=bob, valid=True)
    in_review.refresh_from_db()
    assert (in_review.state, in_review.decided_by, in_review.decided_at is not None) == ("valid", bob, True)
    assert stored_counts(in_review.petition) == counts.truth(in_review.petition_id)


def test_an_invalid_decision_needs_a_ground(in_review, bob):
    with pytest.raises(InvalidInput, match="ground"):
        review.decide(in_review.pk, actor=bob, valid=False)
    review.decide(in_review.pk, actor=bob, valid=False, ground="signed_by_other", note="Different handwriting")
    assert Signature.objects.get(pk=in_review.pk).ground == "signed_by_other"


def test_changing_an_earlier_decision_needs_a_reason(in_review, bob):
    review.decide(in_review.pk, actor=bob, valid=True)
    with pytest.raises(InvalidInput, match="why"):
        review.decide(in_review.pk, actor=bob, valid=False, ground="forgery")
    review.decide(in_review.pk, actor=bob, valid=False, ground="forgery", note="Erasures found on the sheet")
    petition = Petition.objects.get(pk=in_review.petition_id)
    assert (petition.valid_count, petition.invalid_count) == (0, 1)


def test_decisions_are_recorded_in_the_audit_log(in_review, bob):
    review.decide(in_review.pk, actor=bob, valid=False, ground="pencil", note="Written in pencil")
    entry = AuditEntry.objects.get(action="signature.decided")
    assert (entry.actor, entry.reason, entry.details["ground"], entry.details["previous"]) == (
        bob,
        "Written in pencil",
        "pencil",
        "review",
    )


def test_an_official_of_another_commission_cannot_decide(in_review, charlie, olga):
    with pytest.raises(OutsideJurisdiction):
        review.decide(in_review.pk, actor=charlie, valid=True)
    with pytest.raises(OutsideJurisdiction):
        review.decide(in_review.pk, actor=olga, valid=True)
    in_review.refresh_from_db()
    assert (in_review.state, in_review.decided_by) == ("review", None)
    assert not AuditEntry.objects.filter(action="signature.decided").exists()


def test_no_decisions_after_certification(in_review, bob):
    walk(in_review.petition, PetitionState.SUFFICIENT)
    with pytest.raises(IllegalTransition):
        review.decide(in_review.pk, actor=bob, valid=True)


def test_a_decision_can_reach_the_threshold(collecting, voters, bob):
    for voter in voters[10:19]:
        SignatureFactory(petition=collecting, voter_row=voter)
    last = SignatureFactory(petition=collecting, voter_row=voters[19], full_name="Someone Else")
    verification.verify_all()
    review.decide(last.pk, actor=bob, valid=True)
    assert Petition.objects.get(pk=collecting.pk).state == PetitionState.THRESHOLD_REACHED


# --- Bulk invalidation ------------------------------------------------------------------------------


@pytest.fixture
def sheets(collecting, voters):
    for i, voter in enumerate(voters[10:20]):
        SignatureFactory(
            petition=collecting,
            voter_row=voter,
            channel="paper",
            sheet_number=1 + i // 5,
            sheet_line=1 + i % 5,
            collector="Aliya" if i < 5 else "Bolat",
        )
    verification.verify_all()
    return collecting


def test_bulk_invalidation_previews_then_applies(sheets, bob):
    criteria = review.Criteria(petition_id=sheets.pk, collector="bolat")
    assert review.bulk_preview(criteria) == 5
    done = review.bulk_invalidate(criteria, actor=bob, ground="forgery", note="Collector's sheets forged", expected=5)
    assert done == 5
    assert stored_counts(sheets) == counts.truth(sheets.pk)
    assert Petition.objects.get(pk=sheets.pk).invalid_count == 5
    entry = AuditEntry.objects.get(action="signatures.bulk_invalidated")
    assert entry.details["count"] == 5 and entry.details["criteria"]["collector"] == "bolat"


def test_bulk_invalidation_refuses_a_changed_selection(sheets, bob):
    criteria = review.Criteria(petition_id=sheets.pk, sheet_number=1)
    with pytest.raises(IllegalTransition, match="preview it again"):
        review.bulk_invalidate(criteria, actor=bob, ground="forgery", note="x", expected=4)
    assert Petition.objects.get(pk=sheets.pk).invalid_count == 0


def test_bulk_invalidation_needs_a_criterion_and_a_reason(sheets, bob):
    with pytest.raises(InvalidInput, match="criterion"):
        review.bulk_preview(review.Criteria(petition_id=sheets.pk))
    with pytest.raises(InvalidInput, match="why"):
        review.bulk_invalidate(
            review.Criteria(petition_id=sheets.pk, sheet_number=1), actor=bob, ground="forgery", note="", expected=5
        )


def test_bulk_invalidation_by_address_and_time(sheets, bob):
    Signature.objects.filter(sheet_number=2, sheet_line__lte=2).update(
        personal={"iin": "1", "full_name": "x", "birth_date": "1980-01-01", "address": "Karaganda, Bukhar Zhyrau 5"}
    )
    assert review.bulk_preview(review.Criteria(petition_id=sheets.pk, address_contains="bukhar")) == 2
    later = review.Criteria(petition_id=sheets.pk, received_from=dt.datetime(2999, 1, 1, tzinfo=dt.UTC))
    assert review.bulk_preview(later) == 0


def test_officials_decide_with_the_commissions_grounds(collecting, voters, bob):
    signature = SignatureFactory(petition=collecting, voter_row=voters[10], full_name="Typo")
    verification.verify_all()
    with pytest.raises(InvalidInput):
        review.decide(signature.pk, actor=bob, valid=False, ground="not_in_register")
    review.decide(signature.pk, actor=bob, valid=False, ground="signed_by_other")


def test_a_repeat_can_never_be_made_valid(collecting, voters, bob):
    first = SignatureFactory(petition=collecting, voter_row=voters[10])
    repeat = SignatureFactory(petition=collecting, voter_row=voters[10], channel="partner", duplicate_of=first)
    verification.verify_all()
    with pytest.raises(IllegalTransition, match="repeat cannot be valid"):
        review.decide(repeat.pk, actor=bob, valid=True, note="looks fine")
    assert Petition.objects.get(pk=collecting.pk).valid_count == 1
