"""Rules the database enforces, each on its failure path."""

import datetime as dt

import pytest
from django.db import IntegrityError, connection

from recall.models import Deputy, Mandate, Petition, PetitionState, Signature
from tests.factories import DeputyFactory, PetitionFactory, SignatureFactory
from tests.helpers import walk


def test_one_signature_per_voter_per_petition(collecting, voters):
    SignatureFactory(petition=collecting, voter_row=voters[5])
    with pytest.raises(IntegrityError, match="one_signature_per_voter_per_petition"):
        SignatureFactory(petition=collecting, voter_row=voters[5])


def test_a_repeat_is_stored_only_as_a_marked_duplicate(collecting, voters):
    first = SignatureFactory(petition=collecting, voter_row=voters[5])
    SignatureFactory(petition=collecting, voter_row=voters[5], channel="partner", duplicate_of=first)
    assert Signature.objects.filter(petition=collecting).count() == 2


def test_one_open_petition_per_deputy(collecting):
    with pytest.raises(IntegrityError, match="one_open_petition_per_deputy"):
        PetitionFactory(deputy=collecting.deputy)


def test_a_closed_petition_does_not_block_a_new_one(collecting):
    collecting = walk(collecting, PetitionState.EXPIRED)
    assert PetitionFactory(deputy=collecting.deputy).state == PetitionState.APPLIED


def test_a_party_list_deputy_cannot_be_the_subject_of_a_petition(karaganda):
    listed = DeputyFactory(mandate=Mandate.PARTY_LIST, district=None)
    with pytest.raises(IntegrityError, match="petition_deputy_single_mandate_fk"):
        PetitionFactory(deputy=listed, district=karaganda)


def test_the_mandate_column_of_a_petition_can_only_say_single(karaganda):
    deputy = DeputyFactory(district=karaganda)
    with pytest.raises(IntegrityError, match="petition_single_mandate_only"):
        PetitionFactory(deputy=deputy, deputy_mandate=Mandate.PARTY_LIST)


def test_a_deputy_with_petitions_cannot_be_moved_to_a_party_list(applied):
    with pytest.raises(IntegrityError, match="petition_deputy_single_mandate_fk"):
        Deputy.objects.filter(pk=applied.deputy_id).update(mandate=Mandate.PARTY_LIST, district=None)


def test_a_party_list_deputy_has_no_district_and_a_single_mandate_one_has(karaganda):
    with pytest.raises(IntegrityError, match="deputy_district_iff_single_mandate"):
        DeputyFactory(mandate=Mandate.PARTY_LIST, district=karaganda)


def test_the_window_ends_after_it_starts(collecting):
    with pytest.raises(IntegrityError, match="petition_window_ends_after_start"):
        Petition.objects.filter(pk=collecting.pk).update(window_end=collecting.window_start - dt.timedelta(days=1))


def test_a_registered_petition_has_its_requirement_and_window(applied):
    with pytest.raises(IntegrityError, match="petition_registered_has_requirement_and_window"):
        Petition.objects.filter(pk=applied.pk).update(state=PetitionState.COLLECTING)


@pytest.mark.parametrize(
    ("table", "column", "constraint"),
    [
        ("recall_petition", "state", "petition_state_valid"),
        ("recall_signature", "state", "signature_state_valid"),
        ("recall_signature", "channel", "signature_channel_valid"),
        ("recall_deputy", "status", "deputy_status_valid"),
    ],
)
def test_states_are_from_their_choices(collecting, voters, table, column, constraint):
    SignatureFactory(petition=collecting, voter_row=voters[0])
    with pytest.raises(IntegrityError, match=constraint), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {column} = 'bogus'")


def test_an_invalid_signature_has_a_ground_and_only_an_invalid_one(collecting, voters):
    signature = SignatureFactory(petition=collecting, voter_row=voters[0])
    with pytest.raises(IntegrityError, match="signature_invalid_iff_ground"):
        Signature.objects.filter(pk=signature.pk).update(state="invalid")


def test_a_recall_vote_cannot_count_more_voters_than_registered(collecting, alice):
    from recall.models import RecallVote

    with pytest.raises(IntegrityError, match="vote_turnout_within_register"):
        RecallVote.objects.create(
            petition=collecting,
            held_on=dt.date(2026, 1, 1),
            registered_voters=10,
            ballots_cast=11,
            votes_for=5,
            votes_against=5,
            entered_by=alice,
        )
