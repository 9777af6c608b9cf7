"""Collection windows opened and closed by beat (recall.services.lifecycle.windows)."""

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection, transaction

from recall.models import Petition, PetitionState, Signature
from recall.services import lifecycle, signing, verification
from recall.services.verification import review
from tests.factories import SignatureFactory
from tests.helpers import signer_of, walk


def test_a_window_starting_later_opens_on_time(applied):
    start = dt.date.today() + dt.timedelta(days=3)
    petition = lifecycle.register(applied, actor=None, window_start=start)
    assert petition.state == PetitionState.REGISTERED
    assert lifecycle.open_due_windows() == 0
    with time_machine.travel(dt.datetime.combine(start, dt.time(0, 1)).astimezone(), tick=False):
        assert lifecycle.open_due_windows() == 1
    petition.refresh_from_db()
    assert petition.state == PetitionState.COLLECTING


def test_a_window_that_ends_short_of_the_threshold_expires(collecting):
    with time_machine.travel(collecting.window_end + dt.timedelta(minutes=1), tick=False):
        assert lifecycle.close_due_windows() == 1
    collecting.refresh_from_db()
    assert collecting.state == PetitionState.EXPIRED


def test_a_window_that_reached_the_threshold_is_submitted_when_it_ends(collecting):
    collecting = walk(collecting, PetitionState.THRESHOLD_REACHED)
    with time_machine.travel(collecting.window_end + dt.timedelta(minutes=1), tick=False):
        lifecycle.close_due_windows()
    collecting.refresh_from_db()
    assert collecting.state == PetitionState.SUBMITTED
    assert collecting.submitted_at == collecting.window_end + dt.timedelta(minutes=1)


def test_a_window_ending_with_signatures_unchecked_does_not_expire_yet(collecting, voters):
    for voter in voters[10:25]:
        SignatureFactory(petition=collecting, voter_row=voter)  # received, not yet verified
    with time_machine.travel(collecting.window_end + dt.timedelta(minutes=1), tick=False):
        assert lifecycle.close_due_windows() == 0
        verification.verify_all()  # the workers catch up: threshold reached after the window
        lifecycle.close_due_windows()
    collecting.refresh_from_db()
    assert collecting.state == PetitionState.SUBMITTED


def test_a_window_short_even_with_every_review_waits_only_if_reviews_could_reach(collecting, voters, bob):
    for voter in voters[10:18]:
        SignatureFactory(petition=collecting, voter_row=voter)
    for voter in voters[18:20]:
        SignatureFactory(petition=collecting, voter_row=voter, full_name="Typo")
    verification.verify_all()  # 8 valid + 2 in review of 10 required
    with time_machine.travel(collecting.window_end + dt.timedelta(minutes=1), tick=False):
        assert lifecycle.close_due_windows() == 0  # the officials' decisions could still reach it
        review.decide(Signature.objects.filter(state="review").first().pk, actor=bob, valid=False, ground="forgery")
        assert lifecycle.close_due_windows() == 1
    assert Petition.objects.get(pk=collecting.pk).state == PetitionState.EXPIRED


@pytest.mark.django_db(transaction=True)
def test_a_signature_accepted_just_before_the_end_and_committed_during_the_close_is_never_left_expired(
    collecting, voters
):
    # The sign insert is in flight (accepted inside the window, not yet committed) when beat
    # closes the window: the close waits for it and sees it, instead of expiring the petition
    # under it.
    inserted, commit = threading.Event(), threading.Event()
    closed: list[int] = []

    def sign() -> None:
        try:
            with transaction.atomic():
                signing.sign_on_web(collecting.pk, signer_of(voters[10]))
                inserted.set()
                commit.wait(10)
        finally:
            connection.close()

    def close() -> None:
        try:
            closed.append(lifecycle.close_due_windows(collecting.window_end + dt.timedelta(minutes=1)))
        finally:
            connection.close()

    signer = threading.Thread(target=sign)
    signer.start()
    assert inserted.wait(10)
    closer = threading.Thread(target=close)
    closer.start()
    closer.join(1.0)
    blocked = closer.is_alive()  # waiting for the insert's transaction
    commit.set()
    signer.join(10)
    closer.join(10)
    assert blocked
    collecting.refresh_from_db()
    assert closed == [0] and collecting.state == PetitionState.COLLECTING
    assert Signature.objects.filter(petition=collecting).count() == 1
