"""The recall vote and a mandate that ends otherwise (recall.services.lifecycle.outcome)."""

import datetime as dt

import pytest

from recall.errors import InvalidInput
from recall.models import Deputy, DeputyStatus, Petition, PetitionState, RecallVote
from recall.services import lifecycle

S = PetitionState


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


@pytest.fixture
def voting(collecting):
    Petition.objects.filter(pk=collecting.pk).update(state=S.RECALL_VOTE)
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
    assert voting.state == S.RECALLED
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
    assert voting.state == S.RETAINED
    assert Deputy.objects.get(pk=voting.deputy_id).status == DeputyStatus.SERVING
    assert RecallVote.objects.get(petition=voting) == vote and vote.entered_by == alice
    transition = voting.transitions.get(to_state=S.RETAINED)
    assert (transition.from_state, transition.actor, transition.reason) == (
        S.RECALL_VOTE,
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
    assert Petition.objects.get(pk=voting.pk).state == S.RECALL_VOTE and not RecallVote.objects.exists()


def test_ending_the_mandate_closes_the_petition(collecting, alice):
    lifecycle.end_mandate(collecting, actor=alice, reason="The deputy resigned.")
    collecting.refresh_from_db()
    assert collecting.state == S.MANDATE_ENDED
    assert Deputy.objects.get(pk=collecting.deputy_id).status == DeputyStatus.ENDED
