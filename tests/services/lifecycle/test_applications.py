"""Applying, registering (the policy's rules), refusing, and the initiators' withdrawal
(recall.services.lifecycle.applications)."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from recall.errors import IllegalTransition, InvalidInput, PetitionNotCollecting, PolicyViolation
from recall.models import Deputy, Petition, PetitionState
from recall.services import lifecycle, signing
from tests.factories import DeputyFactory
from tests.helpers import application, populate, signer_of, walk


def test_registration_freezes_the_requirement_rounded_up(applied, karaganda, policy):
    policy.threshold_percent = Decimal("7.5")
    policy.save()
    petition = lifecycle.register(applied, actor=None)
    assert petition.registered_voters == 100
    assert petition.required_signatures == 8  # 7.5 % of 100 = 7.5, rounded up
    assert petition.state == PetitionState.COLLECTING
    populate(karaganda, 50)  # a later register import
    petition.refresh_from_db()
    assert petition.required_signatures == 8 and petition.registered_voters == 100


def test_required_signatures_round_up_exactly():
    assert lifecycle.required_signatures(415_000, Decimal("10")) == 41_500
    assert lifecycle.required_signatures(415_001, Decimal("10")) == 41_501
    assert lifecycle.required_signatures(3, Decimal("33.33")) == 1


def test_registration_opens_the_window_for_the_policy_period(applied, policy):
    petition = lifecycle.register(applied, actor=None)
    assert petition.window_end - petition.window_start == dt.timedelta(days=30)
    assert list(petition.transitions.values_list("from_state", "to_state")) == [
        (PetitionState.APPLIED, PetitionState.REGISTERED),
        (PetitionState.REGISTERED, PetitionState.COLLECTING),
    ]


def test_registration_writes_its_time(applied, bob):
    assert applied.registered_at is None
    registered = (timezone.now() + dt.timedelta(hours=1)).replace(microsecond=0)
    with time_machine.travel(registered, tick=False):
        petition = lifecycle.register(applied, actor=bob)
    assert petition.registered_at == registered


def test_no_recall_in_the_first_months_of_a_term(karaganda, voters):
    petition = application(karaganda, voters[:3])
    Deputy.objects.filter(pk=petition.deputy_id).update(term_start=dt.date.today() - dt.timedelta(days=30))
    petition.refresh_from_db()
    with pytest.raises(PolicyViolation, match="first 6 months"):
        lifecycle.register(petition, actor=None)
    assert Petition.objects.get(pk=petition.pk).state == PetitionState.APPLIED


def test_no_recall_in_the_last_months_of_a_term(karaganda, voters):
    petition = application(karaganda, voters[:3])
    Deputy.objects.filter(pk=petition.deputy_id).update(term_end=dt.date.today() + dt.timedelta(days=60))
    petition.refresh_from_db()
    with pytest.raises(PolicyViolation, match="last 6 months"):
        lifecycle.register(petition, actor=None)


def test_one_attempt_per_deputy_per_cooldown(collecting, voters):
    with time_machine.travel(collecting.window_end + dt.timedelta(minutes=1), tick=False):
        lifecycle.close_due_windows()
    again = lifecycle.apply(
        deputy=collecting.deputy,
        grounds_category="lost_trust",
        grounds_text="Second try.",
        initiative_iins=[v.personal["iin"] for v in voters[:3]],
        actor=None,
    )
    with pytest.raises(PolicyViolation, match="less than 12 months"):
        lifecycle.register(again, actor=None)


def test_the_initiative_group_must_reach_the_policy_minimum(karaganda, voters, policy):
    policy.initiative_group_min = 5
    policy.save()
    petition = application(karaganda, voters[:3])
    with pytest.raises(PolicyViolation, match="3 eligible members; the policy requires 5"):
        lifecycle.register(petition, actor=None)


def test_initiative_group_members_must_be_voters_of_the_district(karaganda, almaty, voters):
    outsiders = populate(almaty, 2)
    with pytest.raises(InvalidInput, match="another district"):
        application(karaganda, [voters[0], outsiders[0]])


def test_an_application_against_a_deputy_with_an_open_petition_is_refused(collecting, voters):
    with pytest.raises(PolicyViolation, match="already faces an open recall petition"):
        lifecycle.apply(
            deputy=collecting.deputy,
            grounds_category="lost_trust",
            grounds_text="x",
            initiative_iins=[v.personal["iin"] for v in voters[:3]],
            actor=None,
        )


def test_a_party_list_deputy_cannot_be_recalled_by_voters(voters):
    deputy = DeputyFactory(mandate="party_list", district=None)
    with pytest.raises(PolicyViolation, match="single-member districts"):
        lifecycle.apply(
            deputy=deputy, grounds_category="lost_trust", grounds_text="x", initiative_iins=["791028302728"], actor=None
        )


def test_refusal_needs_a_reason(applied):
    with pytest.raises(InvalidInput, match="reason"):
        lifecycle.refuse(applied, actor=None, reason="  ")


def test_the_initiators_withdraw_while_collecting_and_signing_stops(collecting, voters, bob):
    petition = lifecycle.withdraw(collecting, actor=bob, reason="The group's written request of 25 November.")
    assert petition.state == PetitionState.WITHDRAWN
    transition = petition.transitions.get(to_state=PetitionState.WITHDRAWN)
    assert (transition.from_state, transition.actor, transition.reason) == (
        PetitionState.COLLECTING,
        bob,
        "The group's written request of 25 November.",
    )
    with pytest.raises(PetitionNotCollecting):
        signing.sign_on_web(petition.pk, signer_of(voters[10]))


def test_a_withdrawal_needs_the_initiators_reason(collecting, bob):
    with pytest.raises(InvalidInput, match="reason"):
        lifecycle.withdraw(collecting, actor=bob, reason="")
    assert Petition.objects.get(pk=collecting.pk).state == PetitionState.COLLECTING


def test_the_initiators_cannot_withdraw_once_verification_started(collecting, bob):
    collecting = walk(collecting, PetitionState.VERIFYING)
    collecting.refresh_from_db()
    with pytest.raises(IllegalTransition):
        lifecycle.withdraw(collecting, actor=bob, reason="Too late.")
    assert Petition.objects.get(pk=collecting.pk).state == PetitionState.VERIFYING
