"""The recall vote and a mandate that ends otherwise (recall.services.lifecycle.outcome)."""

import datetime as dt

import pytest
import time_machine
from django.db import IntegrityError, transaction

from recall import selectors
from recall.errors import IllegalTransition, InvalidInput
from recall.models import (
    AuditEntry,
    ByElection,
    Deputy,
    DeputyStatus,
    Petition,
    PetitionState,
    RecallVote,
    WebhookDelivery,
    WebhookEndpoint,
)
from recall.services import lifecycle

from ...factories import ApiClientFactory
from ...helpers import application, run_together, walk


@pytest.mark.parametrize(
    ("registered", "cast", "votes_for", "outcome"),
    [
        (900, 300, 151, PetitionState.RECALLED),  # a third took part, more than half for
        (900, 299, 299, PetitionState.RETAINED),  # turnout below a third: the vote is invalid
        (900, 300, 150, PetitionState.RETAINED),  # exactly half is not more than half
        (901, 301, 151, PetitionState.RECALLED),
        (901, 300, 300, PetitionState.RETAINED),  # 300 * 3 = 900 < 901
    ],
)
def test_the_recall_vote_rule(registered, cast, votes_for, outcome):
    assert lifecycle.vote_outcome(registered_voters=registered, ballots_cast=cast, votes_for=votes_for) == outcome


@pytest.fixture
def voting(collecting):
    collecting = walk(collecting, PetitionState.RECALL_VOTE)
    collecting.refresh_from_db()
    return collecting


def test_a_recall_vote_recalls_the_deputy(voting, alice):
    lifecycle.record_recall_vote(
        voting,
        actor=alice,
        held_on=dt.date(2026, 11, 1),
        registered_voters=100,
        ballots_cast=40,
        votes_for=30,
        votes_against=10,
    )
    voting.refresh_from_db()
    assert voting.state == PetitionState.RECALLED
    assert Deputy.objects.get(pk=voting.deputy_id).status == DeputyStatus.RECALLED


def test_a_recall_vote_without_a_majority_retains_the_deputy(voting, alice):
    vote = lifecycle.record_recall_vote(
        voting,
        actor=alice,
        held_on=dt.date(2026, 11, 1),
        registered_voters=100,
        ballots_cast=40,
        votes_for=20,  # exactly half is not more than half
        votes_against=20,
    )
    voting.refresh_from_db()
    assert voting.state == PetitionState.RETAINED
    assert Deputy.objects.get(pk=voting.deputy_id).status == DeputyStatus.SERVING
    assert RecallVote.objects.get(petition=voting) == vote and vote.entered_by == alice
    transition = voting.transitions.get(to_state=PetitionState.RETAINED)
    assert (transition.from_state, transition.actor, transition.reason) == (
        PetitionState.RECALL_VOTE,
        alice,
        "recall vote of 2026-11-01",
    )


def test_an_impossible_vote_result_is_refused(voting, alice):
    with pytest.raises(InvalidInput, match="exceed"):
        lifecycle.record_recall_vote(
            voting,
            actor=alice,
            held_on=dt.date(2026, 11, 1),
            registered_voters=100,
            ballots_cast=40,
            votes_for=30,
            votes_against=11,
        )
    assert Petition.objects.get(pk=voting.pk).state == PetitionState.RECALL_VOTE and not RecallVote.objects.exists()


def test_ending_the_mandate_closes_the_petition(collecting, alice):
    lifecycle.end_mandate(collecting, actor=alice, reason="The deputy resigned.")
    collecting.refresh_from_db()
    assert collecting.state == PetitionState.MANDATE_ENDED
    assert Deputy.objects.get(pk=collecting.deputy_id).status == DeputyStatus.ENDED


# --- After the vote: the by-election, the next attempt -------------------------------------------


def record(voting, actor, votes_for):
    return lifecycle.record_recall_vote(
        voting,
        actor=actor,
        held_on=dt.date(2026, 11, 1),
        registered_voters=100,
        ballots_cast=40,
        votes_for=votes_for,
        votes_against=40 - votes_for,
    )


@pytest.fixture
def by_election_hook(db):
    client = ApiClientFactory()
    return WebhookEndpoint.objects.create(
        client=client, url="https://partner.example/hook", events=["by_election.scheduled"], secret="s"
    )


def test_a_recall_schedules_the_districts_by_election_by_the_policy(voting, alice, policy, by_election_hook):
    policy.by_election_days = 45
    policy.save()
    record(voting, alice, votes_for=30)
    by_election = ByElection.objects.get()
    assert (by_election.petition_id, by_election.district_id) == (voting.pk, voting.district_id)
    assert (by_election.vacated_on, by_election.due_by) == (dt.date(2026, 11, 1), dt.date(2026, 12, 16))
    delivery = WebhookDelivery.objects.get(endpoint=by_election_hook)
    assert delivery.event == "by_election.scheduled"
    assert delivery.payload["by_election"] == {"district": "K-1", "vacated_on": "2026-11-01", "due_by": "2026-12-16"}
    assert delivery.payload["petition"]["state"] == PetitionState.RECALLED
    assert AuditEntry.objects.filter(action="by_election.scheduled", actor=alice).exists()


def test_a_retained_deputy_leaves_no_by_election(voting, alice, by_election_hook):
    record(voting, alice, votes_for=20)
    assert not ByElection.objects.exists() and not WebhookDelivery.objects.exists()


def test_a_second_result_for_the_same_vote_schedules_nothing_more(voting, alice):
    record(voting, alice, votes_for=30)
    stale = Petition.objects.get(pk=voting.pk)
    stale.state = PetitionState.RECALL_VOTE  # what a second official's page still shows
    with pytest.raises(IllegalTransition):
        record(stale, alice, votes_for=30)
    assert ByElection.objects.count() == 1 and RecallVote.objects.count() == 1


def test_the_database_allows_one_by_election_per_petition(voting, alice):
    record(voting, alice, votes_for=30)
    with pytest.raises(IntegrityError), transaction.atomic():
        ByElection.objects.create(
            petition=voting, district=voting.district, vacated_on=dt.date(2026, 11, 1), due_by=dt.date(2026, 12, 1)
        )


@pytest.mark.django_db(transaction=True)
def test_concurrent_results_schedule_one_by_election(karaganda, voters, alice, policy):
    petition = walk(application(karaganda, voters[:3]), PetitionState.RECALL_VOTE)

    def enter() -> str:
        try:
            record(Petition.objects.get(pk=petition.pk), alice, votes_for=30)
        except IllegalTransition:
            return "refused"
        return "recorded"

    assert sorted(run_together(enter, 3)) == ["recorded", "refused", "refused"]
    assert ByElection.objects.filter(petition=petition).count() == 1


def test_a_retained_deputy_may_face_another_attempt_after_the_cooldown(voting, alice, policy):
    policy.cooldown_months = 6
    policy.save()
    with time_machine.travel(dt.datetime(2026, 11, 2, 12, tzinfo=dt.UTC)):
        record(voting, alice, votes_for=20)
    voting.refresh_from_db()
    nxt = selectors.next_attempt(voting)
    assert (nxt.on, nxt.cooldown_months) == (dt.date(2027, 5, 2), 6)


def test_no_other_attempt_is_shown_when_the_cooldown_runs_into_the_end_of_term(voting, alice, policy):
    # The term ends 2028-03-29; no recall may start in its last 6 months (from 2027-09-29).
    with time_machine.travel(dt.datetime(2026, 11, 2, 12, tzinfo=dt.UTC)):
        policy.cooldown_months = 11
        policy.save()
        record(voting, alice, votes_for=20)
    voting.refresh_from_db()
    assert selectors.next_attempt(voting).on is None


def test_an_open_or_recalled_petition_shows_no_next_attempt(voting, alice):
    assert selectors.next_attempt(voting) is None
    record(voting, alice, votes_for=30)
    voting.refresh_from_db()
    assert selectors.next_attempt(voting) is None


def test_a_mandate_can_end_while_the_application_awaits_registration(applied, alice):
    ended = lifecycle.end_mandate(applied, actor=alice, reason="The deputy resigned.")
    assert ended.state == PetitionState.MANDATE_ENDED
    assert ended.required_signatures is None and ended.window_start is None
    assert Deputy.objects.get(pk=applied.deputy_id).status == DeputyStatus.ENDED
