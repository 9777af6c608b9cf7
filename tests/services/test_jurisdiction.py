"""Every service that acts for an official checks the official's jurisdiction itself
(recall.jurisdiction.authorize), whatever the admin's forms offer: an official of another
commission (charlie) and an observer (olga) are refused, and nothing changes.

The imports are checked in their own files: tests/services/test_paper_import.py and
tests/services/test_register_import.py.
"""

import datetime as dt

import pytest

from recall.errors import OutsideJurisdiction
from recall.models import AuditEntry, Petition, PetitionState, RecallVote, SampleItem, SampleRun, Signature
from recall.services import lifecycle, verification
from recall.services.ledger import sampling
from recall.services.verification import review
from tests.factories import DeputyFactory, SignatureFactory
from tests.helpers import draw_sample, under_verification, walk

OUTSIDERS = ["charlie", "olga"]

# For each step an official takes: the state it starts from and what the official gives.
STEP_CASES = {
    "register": (PetitionState.APPLIED, {}),
    "refuse": (PetitionState.APPLIED, {"reason": "late"}),
    "withdraw": (PetitionState.COLLECTING, {"reason": "the group's request"}),
    "submit": (PetitionState.THRESHOLD_REACHED, {}),
    "start_verification": (PetitionState.SUBMITTED, {}),
    "certify": (PetitionState.VERIFYING, {}),
    "schedule_vote": (PetitionState.SUFFICIENT, {}),
    "record_vote": (
        PetitionState.RECALL_VOTE,
        {
            "held_on": dt.date(2026, 12, 20),
            "registered_voters": 100,
            "ballots_cast": 40,
            "votes_for": 30,
            "votes_against": 10,
        },
    ),
    "end_mandate": (PetitionState.COLLECTING, {"reason": "resigned"}),
}


def test_every_step_of_an_official_is_checked_below():
    assert set(STEP_CASES) == set(lifecycle.STEP_SERVICES)


@pytest.mark.parametrize("name", list(STEP_CASES))
def test_a_lifecycle_step_outside_the_jurisdiction_is_refused(applied, name, request):
    state, kwargs = STEP_CASES[name]
    petition = walk(applied, state)
    transitions, entries = petition.transitions.count(), AuditEntry.objects.count()
    for persona in OUTSIDERS:
        with pytest.raises(OutsideJurisdiction):
            lifecycle.STEP_SERVICES[name](petition, actor=request.getfixturevalue(persona), **kwargs)
    assert Petition.objects.get(pk=petition.pk).state == state
    assert (petition.transitions.count(), AuditEntry.objects.count()) == (transitions, entries)
    assert not RecallVote.objects.exists()


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_details_outside_the_jurisdiction_are_not_changed(collecting, persona, request):
    with pytest.raises(OutsideJurisdiction):
        lifecycle.update_details(collecting, actor=request.getfixturevalue(persona), contact_email="x@example.kz")
    assert Petition.objects.get(pk=collecting.pk).contact_email == ""
    assert not AuditEntry.objects.filter(action="petition.details_changed").exists()


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_an_application_outside_the_jurisdiction_is_not_recorded(karaganda, voters, persona, request):
    deputy = DeputyFactory(district=karaganda)
    with pytest.raises(OutsideJurisdiction):
        lifecycle.apply(
            deputy=deputy,
            grounds_category="lost_trust",
            grounds_text="x",
            initiative_iins=[v.personal["iin"] for v in voters[:3]],
            actor=request.getfixturevalue(persona),
        )
    assert not Petition.objects.filter(deputy=deputy).exists()


# --- Decisions on signatures -------------------------------------------------------------------


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_a_review_decision_outside_the_jurisdiction_is_refused(collecting, voters, persona, request):
    signature = SignatureFactory(petition=collecting, voter_row=voters[10], full_name="Someone Else")
    verification.verify_all()
    with pytest.raises(OutsideJurisdiction):
        review.decide(signature.pk, actor=request.getfixturevalue(persona), valid=True)
    signature.refresh_from_db()
    assert (signature.state, signature.decided_by) == ("review", None)
    assert Petition.objects.get(pk=collecting.pk).valid_count == 0


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_a_bulk_invalidation_outside_the_jurisdiction_is_refused(collecting, voters, persona, request):
    for line, voter in enumerate(voters[10:13], start=1):
        SignatureFactory(petition=collecting, voter_row=voter, channel="paper", sheet_number=1, sheet_line=line)
    verification.verify_all()
    criteria = review.Criteria(petition_id=collecting.pk, sheet_number=1)
    with pytest.raises(OutsideJurisdiction):
        review.bulk_invalidate(
            criteria, actor=request.getfixturevalue(persona), ground="forgery", note="forged", expected=3
        )
    assert set(Signature.objects.values_list("state", flat=True)) == {"valid"}
    assert Petition.objects.get(pk=collecting.pk).valid_count == 3


@pytest.fixture
def verifying(samples_of_3, collecting, voters):
    for voter in voters[10:16]:
        SignatureFactory(petition=collecting, voter_row=voter)
    verification.verify_all()
    return under_verification(collecting)


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_a_sample_outside_the_jurisdiction_is_not_drawn(verifying, persona, request):
    with pytest.raises(OutsideJurisdiction):
        draw_sample(verifying, request.getfixturevalue(persona))
    assert not SampleRun.objects.exists()


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_a_sample_finding_outside_the_jurisdiction_is_refused(verifying, bob, persona, request):
    item = draw_sample(verifying, bob).items.first()
    outsider = request.getfixturevalue(persona)
    # A finding that confirms the machine's decision changes no signature: only the sample's
    # own check stands between the outsider and the finding.
    with pytest.raises(OutsideJurisdiction):
        sampling.decide_item(item.pk, actor=outsider, valid=True)
    with pytest.raises(OutsideJurisdiction):
        sampling.decide_item(item.pk, actor=outsider, valid=False, ground="forgery", note="x")
    item.refresh_from_db()
    assert (item.decision, item.decided_by) == ("", None)
    assert Signature.objects.get(pk=item.signature_id).state == "valid"


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_a_sample_outside_the_jurisdiction_is_not_closed(verifying, bob, persona, request):
    run = draw_sample(verifying, bob)
    for item in run.items.all():
        sampling.decide_item(item.pk, actor=bob, valid=True)
    with pytest.raises(OutsideJurisdiction):
        sampling.close_sample(run.pk, actor=request.getfixturevalue(persona))
    run.refresh_from_db()
    assert (run.closed_at, run.outcome) == (None, "")
    assert SampleItem.objects.filter(run=run).count() == 3
