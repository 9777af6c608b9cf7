import datetime as dt
import threading
from decimal import Decimal

import pytest
import time_machine
from django.db import connection

from recall.errors import IllegalTransition, InvalidInput, OutsideJurisdiction, PolicyViolation
from recall.models import (
    Deputy,
    DeputyStatus,
    Petition,
    PetitionState,
    PetitionTransition,
    WebhookDelivery,
)
from recall.services import lifecycle

from .factories import DeputyFactory, UserFactory
from .helpers import application, populate

S = PetitionState


def test_registration_freezes_the_requirement_rounded_up(applied, karaganda, policy):
    policy.threshold_percent = Decimal("7.5")
    policy.save()
    petition = lifecycle.register(applied, actor=None)
    assert petition.registered_voters == 100
    assert petition.required_signatures == 8  # 7.5 % of 100 = 7.5, rounded up
    assert petition.state == S.COLLECTING
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
        (S.APPLIED, S.REGISTERED),
        (S.REGISTERED, S.COLLECTING),
    ]


def test_a_window_starting_later_opens_on_time(applied):
    start = dt.date.today() + dt.timedelta(days=3)
    petition = lifecycle.register(applied, actor=None, window_start=start)
    assert petition.state == S.REGISTERED
    assert lifecycle.open_due_windows() == 0
    with time_machine.travel(dt.datetime.combine(start, dt.time(0, 1)).astimezone(), tick=False):
        assert lifecycle.open_due_windows() == 1
    petition.refresh_from_db()
    assert petition.state == S.COLLECTING


def test_a_window_that_ends_short_of_the_threshold_expires(collecting):
    with time_machine.travel(collecting.window_end + dt.timedelta(minutes=1), tick=False):
        assert lifecycle.close_due_windows() == 1
    collecting.refresh_from_db()
    assert collecting.state == S.EXPIRED


def test_a_window_that_reached_the_threshold_is_submitted_when_it_ends(collecting):
    Petition.objects.filter(pk=collecting.pk).update(state=S.THRESHOLD_REACHED)
    with time_machine.travel(collecting.window_end + dt.timedelta(minutes=1), tick=False):
        lifecycle.close_due_windows()
    collecting.refresh_from_db()
    assert collecting.state == S.SUBMITTED


def test_no_recall_in_the_first_months_of_a_term(karaganda, voters):
    petition = application(karaganda, voters[:3])
    Deputy.objects.filter(pk=petition.deputy_id).update(term_start=dt.date.today() - dt.timedelta(days=30))
    petition.refresh_from_db()
    with pytest.raises(PolicyViolation, match="first 6 months"):
        lifecycle.register(petition, actor=None)
    assert Petition.objects.get(pk=petition.pk).state == S.APPLIED


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


def test_an_illegal_transition_is_a_clear_error(collecting):
    with pytest.raises(IllegalTransition, match="cannot go from “collecting signatures” to “verifying”"):
        lifecycle.start_verification(collecting, actor=None)


def test_refusal_needs_a_reason(applied):
    with pytest.raises(InvalidInput, match="reason"):
        lifecycle.refuse(applied, actor=None, reason="  ")


def test_a_stale_copy_cannot_apply_the_same_step_twice(applied, alice):
    first, second = Petition.objects.get(pk=applied.pk), Petition.objects.get(pk=applied.pk)
    lifecycle.refuse(first, actor=alice, reason="incomplete")
    with pytest.raises(IllegalTransition, match="changed meanwhile"):
        lifecycle.refuse(second, actor=alice, reason="incomplete")
    assert PetitionTransition.objects.filter(petition=applied, to_state=S.REFUSED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_officials_at_once_apply_a_step_exactly_once(policy, karaganda):
    from recall.services import lifecycle as lc

    voters = populate(karaganda, 30)
    petition = application(karaganda, voters[:3])
    official = UserFactory(commission__is_central=True, commission__name="Central")
    barrier = threading.Barrier(4)
    outcomes = []

    def refuse():
        copy = Petition.objects.get(pk=petition.pk)
        barrier.wait()
        try:
            lc.refuse(copy, actor=official, reason="late")
            outcomes.append("done")
        except IllegalTransition:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=refuse) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["done", "refused", "refused", "refused"]
    assert PetitionTransition.objects.filter(petition=petition, to_state=S.REFUSED).count() == 1


def test_an_official_acts_only_inside_the_jurisdiction(applied, bob, charlie, olga):
    with pytest.raises(OutsideJurisdiction):
        lifecycle.refuse(applied, actor=charlie, reason="not ours")
    with pytest.raises(OutsideJurisdiction, match="may look at records but not change"):
        lifecycle.refuse(applied, actor=olga, reason="observer")
    assert lifecycle.refuse(applied, actor=bob, reason="incomplete").state == S.REFUSED


def test_every_transition_is_recorded_with_who_and_why(applied, bob):
    lifecycle.refuse(applied, actor=bob, reason="The minutes are not signed.")
    transition = applied.transitions.get(to_state=S.REFUSED)
    assert (transition.from_state, transition.actor, transition.reason) == (
        S.APPLIED,
        bob,
        "The minutes are not signed.",
    )
    assert applied.audit_entries.filter(action="petition.state_changed", actor=bob).exists()


def test_state_changes_go_to_subscribed_partners_outbox(applied):
    from recall.services import webhooks

    from .factories import ApiClientFactory

    client = ApiClientFactory()
    webhooks.create_endpoint(client_id=client.pk, url="http://partner.example/hook", events=["petition.state_changed"])
    lifecycle.refuse(applied, actor=None, reason="late")
    delivery = WebhookDelivery.objects.get()
    assert delivery.payload["petition"]["state"] == S.REFUSED
    assert delivery.payload["previous_state"] == S.APPLIED


@pytest.mark.parametrize(
    ("registered", "cast", "votes_for", "outcome"),
    [
        (900, 300, 151, S.RECALLED),  # a third took part, more than half for
        (900, 299, 299, S.RETAINED),  # turnout below a third: the vote is invalid
        (900, 300, 150, S.RETAINED),  # exactly half is not more than half
        (901, 301, 151, S.RECALLED),
        (901, 300, 300, S.RETAINED),  # 300 * 3 = 900 < 901
    ],
)
def test_the_recall_vote_rule(registered, cast, votes_for, outcome):
    assert lifecycle.vote_outcome(registered_voters=registered, ballots_cast=cast, votes_for=votes_for) == outcome


def test_a_recall_vote_recalls_the_deputy(collecting, alice):
    Petition.objects.filter(pk=collecting.pk).update(state=S.RECALL_VOTE)
    collecting.refresh_from_db()
    lifecycle.record_recall_vote(
        collecting,
        actor=alice,
        held_on=dt.date(2026, 11, 1),
        registered_voters=100,
        ballots_cast=40,
        votes_for=30,
        votes_against=10,
    )
    collecting.refresh_from_db()
    assert collecting.state == S.RECALLED
    assert Deputy.objects.get(pk=collecting.deputy_id).status == DeputyStatus.RECALLED


def test_an_impossible_vote_result_is_refused(collecting, alice):
    Petition.objects.filter(pk=collecting.pk).update(state=S.RECALL_VOTE)
    collecting.refresh_from_db()
    with pytest.raises(InvalidInput, match="exceed"):
        lifecycle.record_recall_vote(
            collecting,
            actor=alice,
            held_on=dt.date(2026, 11, 1),
            registered_voters=100,
            ballots_cast=40,
            votes_for=30,
            votes_against=11,
        )


def test_certification_needs_every_signature_decided_without_a_sample(collecting, voters, alice):
    from .factories import SignatureFactory

    SignatureFactory(petition=collecting, voter_row=voters[10])
    Petition.objects.filter(pk=collecting.pk).update(state=S.VERIFYING)
    collecting.refresh_from_db()
    with pytest.raises(PolicyViolation, match="1 signatures still await a decision"):
        lifecycle.certify(collecting, actor=alice)


def test_certification_counts_the_signatures_not_a_cached_count(collecting, voters, alice):
    from recall.services import verification

    from .factories import SignatureFactory

    for voter in voters[10:20]:
        SignatureFactory(petition=collecting, voter_row=voter)
    verification.verify_all()
    Petition.objects.filter(pk=collecting.pk).update(state=S.VERIFYING, valid_count=0)  # a drifted counter
    collecting.refresh_from_db()
    assert lifecycle.certify(collecting, actor=alice).state == S.SUFFICIENT
    assert collecting.audit_entries.filter(action="counts.repaired").exists()
    assert lifecycle.schedule_recall_vote(collecting, actor=alice).state == S.RECALL_VOTE


def test_ending_the_mandate_closes_the_petition(collecting, alice):
    lifecycle.end_mandate(collecting, actor=alice, reason="The deputy resigned.")
    collecting.refresh_from_db()
    assert collecting.state == S.MANDATE_ENDED
    assert Deputy.objects.get(pk=collecting.deputy_id).status == DeputyStatus.ENDED
