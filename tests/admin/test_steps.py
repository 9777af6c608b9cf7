"""A petition's steps taken by officials in the admin, and the admin's steps derived from the
lifecycle's transition table (recall.services.lifecycle.transitions)."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from recall.admin.petitions import STEPS
from recall.calendar import add_days
from recall.models import Deputy, DeputyStatus, Petition, PetitionState, RecallVote
from recall.services import lifecycle, verification
from recall.services.verification import review
from tests.factories import DistrictFactory, SignatureFactory
from tests.helpers import application, populate, walk


def take_step(client, petition, name, **data):
    """POST the confirmation of step ``name`` on the petition's page, as the admin's form does."""
    return client.post(
        reverse("admin:recall_petition_step", args=[petition.pk, name]),
        {"confirm": "yes", "reason": "", **data},
        follow=True,
    )


def transition_to(petition, state):
    return petition.transitions.get(to_state=state)


@pytest.fixture
def reached(collecting, voters):
    """A petition whose 10 required signatures were verified valid: the threshold is reached."""
    for voter in voters[10:20]:
        SignatureFactory(petition=collecting, voter_row=voter)
    verification.verify_all()
    collecting.refresh_from_db()
    assert collecting.state == PetitionState.THRESHOLD_REACHED
    return collecting


@pytest.fixture
def verifying(reached, bob):
    lifecycle.submit(reached, actor=bob)
    return lifecycle.start_verification(reached, actor=bob)


# --- Each step through the admin -------------------------------------------------------------------


def test_an_official_records_the_initiators_withdrawal_in_the_admin(client, bob, collecting):
    client.force_login(bob)
    page = take_step(client, collecting, "withdraw")
    assert "This field is required" in page.content.decode()
    assert Petition.objects.get(pk=collecting.pk).state == PetitionState.COLLECTING
    page = take_step(client, collecting, "withdraw", reason="The initiative group's written request.")
    assert "done for 1 petition" in page.content.decode()
    collecting.refresh_from_db()
    assert collecting.state == PetitionState.WITHDRAWN
    transition = transition_to(collecting, PetitionState.WITHDRAWN)
    assert (transition.actor, transition.reason) == (bob, "The initiative group's written request.")


def test_an_official_records_the_submission_in_the_admin(client, bob, reached):
    client.force_login(bob)
    page = take_step(client, reached, "submit")
    assert "done for 1 petition" in page.content.decode()
    reached.refresh_from_db()
    assert reached.state == PetitionState.SUBMITTED and reached.submitted_at is not None
    assert transition_to(reached, PetitionState.SUBMITTED).actor == bob


def test_an_official_starts_verification_in_the_admin(client, bob, reached, policy):
    lifecycle.submit(reached, actor=bob)
    client.force_login(bob)
    take_step(client, reached, "start_verification")
    reached.refresh_from_db()
    assert reached.state == PetitionState.VERIFYING
    # The period runs from the submission (today), whatever day verification starts.
    assert reached.verification_due == add_days(timezone.localdate(), policy.verification_days, "calendar")
    assert transition_to(reached, PetitionState.VERIFYING).actor == bob


def test_an_official_certifies_a_sufficient_result_in_the_admin(client, bob, verifying):
    client.force_login(bob)
    take_step(client, verifying, "certify")
    verifying.refresh_from_db()
    assert verifying.state == PetitionState.SUFFICIENT and verifying.certified_at is not None
    assert transition_to(verifying, PetitionState.SUFFICIENT).actor == bob


def test_an_official_certifies_an_insufficient_result_in_the_admin(client, bob, verifying):
    forged = verifying.signatures.order_by("pk").first()
    review.decide(forged.pk, actor=bob, valid=False, ground="forgery", note="The sheet shows erasures.")
    client.force_login(bob)
    take_step(client, verifying, "certify")
    verifying.refresh_from_db()
    assert (verifying.state, verifying.valid_count) == (PetitionState.INSUFFICIENT, 9)
    assert transition_to(verifying, PetitionState.INSUFFICIENT).actor == bob


def test_an_official_calls_the_recall_vote_in_the_admin(client, bob, verifying):
    lifecycle.certify(verifying, actor=bob)
    client.force_login(bob)
    page = take_step(client, verifying, "schedule_vote")
    verifying.refresh_from_db()
    assert verifying.state == PetitionState.RECALL_VOTE
    assert transition_to(verifying, PetitionState.RECALL_VOTE).actor == bob
    assert f"/admin/recall/recallvote/add/?petition={verifying.pk}" in page.content.decode()


def test_an_official_enters_a_vote_that_retains_the_deputy_in_the_admin(client, bob, verifying):
    lifecycle.certify(verifying, actor=bob)
    lifecycle.schedule_recall_vote(verifying, actor=bob)
    client.force_login(bob)
    response = client.post(
        reverse("admin:recall_recallvote_add"),
        {
            "petition": verifying.pk,
            "held_on": "2026-12-20",
            "registered_voters": 100,
            "ballots_cast": 40,
            "votes_for": 20,  # half of those who took part: not more than half
            "votes_against": 20,
        },
    )
    assert response.status_code == 302
    verifying.refresh_from_db()
    assert verifying.state == PetitionState.RETAINED
    assert Deputy.objects.get(pk=verifying.deputy_id).status == DeputyStatus.SERVING
    assert RecallVote.objects.get(petition=verifying).entered_by == bob


def test_an_official_records_that_the_mandate_ended_in_the_admin(client, bob, collecting):
    client.force_login(bob)
    take_step(client, collecting, "end_mandate")
    assert Petition.objects.get(pk=collecting.pk).state == PetitionState.COLLECTING  # a reason is required
    take_step(client, collecting, "end_mandate", reason="The deputy resigned on 1 December.")
    collecting.refresh_from_db()
    assert collecting.state == PetitionState.MANDATE_ENDED
    assert Deputy.objects.get(pk=collecting.deputy_id).status == DeputyStatus.ENDED
    assert transition_to(collecting, PetitionState.MANDATE_ENDED).reason == "The deputy resigned on 1 December."


# --- The admin's steps come from the table ---------------------------------------------------------


@pytest.fixture
def one_petition_per_state(policy):
    petitions = {}
    for n, state in enumerate(PetitionState):
        district = DistrictFactory(code=f"S-{n}")
        petitions[state] = walk(application(district, populate(district, 3)), state)
    return petitions


def test_every_admin_step_and_button_is_what_the_table_allows(client, alice, one_petition_per_state):
    # One petition in each state, walked there (the set-up is the costly part: both checks share it).
    official_steps = {n for n, t in lifecycle.TRANSITIONS.items() if lifecycle.By.OFFICIAL in t.by and t.offered}
    assert set(STEPS) == official_steps
    client.force_login(alice)
    # The buttons on each petition's page.
    for state, petition in one_petition_per_state.items():
        html = client.get(reverse("admin:recall_petition_change", args=[petition.pk])).content.decode()
        offered = re.findall(rf"/admin/recall/petition/{petition.pk}/step/(\w+)/", html)
        assert offered == [t.name for t in lifecycle.available(state, offered_only=True)], state
    # Each bulk action leaves exactly the states its step may not start from.
    everyone = [p.pk for p in one_petition_per_state.values()]
    for name, step in STEPS.items():
        assert step.sources == lifecycle.TRANSITIONS[name].sources
        page = client.post(
            reverse("admin:recall_petition_changelist"), {"action": f"step_{name}", "_selected_action": everyone}
        )
        not_applicable = {p.state for p in page.context["not_applicable"]}
        assert not_applicable == set(PetitionState) - set(lifecycle.TRANSITIONS[name].sources), name


@pytest.mark.parametrize("name", ["reach_threshold", "open_window", "expire"])
def test_a_step_of_the_system_cannot_be_taken_in_the_admin(client, alice, applied, name):
    source = lifecycle.TRANSITIONS[name].sources[0]
    petition = walk(applied, source)
    transitions = petition.transitions.count()
    client.force_login(alice)
    page = take_step(client, petition, name)
    assert "No such petition or step." in page.content.decode()
    assert Petition.objects.get(pk=petition.pk).state == source
    assert petition.transitions.count() == transitions


def test_the_confirmation_shows_the_application_and_only_a_grave_step_is_red(client, alice, applied):
    client.force_login(alice)
    url = reverse("admin:recall_petition_step", args=[applied.pk, "register"])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    # What the official confirms: the deputy, the grounds as filed, the group against its minimum.
    assert str(applied.deputy) in page and applied.grounds_text[:40] in page
    assert "членов группы: 3 (требуется не менее" in page
    assert "delete-confirmation" not in page  # registering is the ordinary next step, not a deletion
    refuse = client.get(reverse("admin:recall_petition_step", args=[applied.pk, "refuse"])).content.decode()
    assert "delete-confirmation" in refuse
