"""The transition table and ``move``, the one writer of a petition's state
(recall.services.lifecycle.transitions): legal steps only, exactly once, by whom, recorded."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from recall.errors import IllegalTransition, OutsideJurisdiction
from recall.models import AuditEntry, Petition, PetitionState, PetitionTransition, WebhookDelivery
from recall.services import lifecycle, verification
from recall.services.notices import webhooks
from tests.factories import ApiClientFactory, SignatureFactory, UserFactory
from tests.helpers import application, populate, run_together, walk


def test_an_illegal_transition_is_a_clear_error(collecting):
    with pytest.raises(IllegalTransition, match="cannot go from “collecting signatures” to “verifying”"):
        lifecycle.start_verification(collecting, actor=None)


def test_a_stale_copy_cannot_apply_the_same_step_twice(applied, alice):
    first, second = Petition.objects.get(pk=applied.pk), Petition.objects.get(pk=applied.pk)
    lifecycle.refuse(first, actor=alice, reason="incomplete")
    with pytest.raises(IllegalTransition, match="changed meanwhile"):
        lifecycle.refuse(second, actor=alice, reason="incomplete")
    assert PetitionTransition.objects.filter(petition=applied, to_state=PetitionState.REFUSED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_officials_at_once_apply_a_step_exactly_once(policy, karaganda):
    voters = populate(karaganda, 30)
    petition = application(karaganda, voters[:3])
    official = UserFactory(commission__is_central=True, commission__name="Central")

    def refuse():
        copy = Petition.objects.get(pk=petition.pk)
        try:
            lifecycle.refuse(copy, actor=official, reason="late")
        except IllegalTransition:
            return "refused"
        return "done"

    outcomes = run_together(refuse, 4)
    assert sorted(outcomes) == ["done", "refused", "refused", "refused"]
    assert PetitionTransition.objects.filter(petition=petition, to_state=PetitionState.REFUSED).count() == 1


def test_an_official_acts_only_inside_the_jurisdiction(applied, bob, charlie, olga):
    with pytest.raises(OutsideJurisdiction):
        lifecycle.refuse(applied, actor=charlie, reason="not ours")
    with pytest.raises(OutsideJurisdiction, match="may look at records but not change"):
        lifecycle.refuse(applied, actor=olga, reason="observer")
    assert Petition.objects.get(pk=applied.pk).state == PetitionState.APPLIED
    assert not applied.transitions.exists()
    assert lifecycle.refuse(applied, actor=bob, reason="incomplete").state == PetitionState.REFUSED


def test_every_transition_is_recorded_with_who_and_why(applied, bob):
    lifecycle.refuse(applied, actor=bob, reason="The minutes are not signed.")
    transition = applied.transitions.get(to_state=PetitionState.REFUSED)
    assert (transition.from_state, transition.actor, transition.reason) == (
        PetitionState.APPLIED,
        bob,
        "The minutes are not signed.",
    )
    assert applied.audit_entries.filter(action="petition.state_changed", actor=bob).exists()


def test_state_changes_go_to_subscribed_partners_outbox(applied):
    client = ApiClientFactory()
    webhooks.create_endpoint(client_id=client.pk, url="http://partner.example/hook", events=["petition.state_changed"])
    lifecycle.refuse(applied, actor=None, reason="late")
    delivery = WebhookDelivery.objects.get()
    assert delivery.payload["petition"]["state"] == PetitionState.REFUSED
    assert delivery.payload["previous_state"] == PetitionState.APPLIED


@pytest.mark.parametrize(
    ("step", "state"),
    [
        ("reach_threshold", PetitionState.COLLECTING),
        ("expire", PetitionState.COLLECTING),
        ("open_window", PetitionState.REGISTERED),
    ],
)
def test_an_official_cannot_take_a_step_of_the_system(applied, alice, step, state):
    assert lifecycle.TRANSITIONS[step].by == frozenset()  # nobody takes it by hand
    petition = walk(applied, state)
    entries, transitions = AuditEntry.objects.count(), petition.transitions.count()
    with pytest.raises(IllegalTransition, match="taken by the system"):
        lifecycle.move(petition, step, actor=alice)
    assert Petition.objects.get(pk=petition.pk).state == state
    assert (petition.transitions.count(), AuditEntry.objects.count()) == (transitions, entries)


def test_the_system_takes_its_own_steps(collecting):
    assert lifecycle.move(collecting, "expire", actor=None).state == PetitionState.EXPIRED


def test_crossing_the_threshold_writes_its_time(collecting, voters):
    for voter in voters[10:20]:  # 10 of the 10 required
        SignatureFactory(petition=collecting, voter_row=voter)
    assert collecting.threshold_reached_at is None
    crossed = (timezone.now() + dt.timedelta(hours=1)).replace(microsecond=0)
    with time_machine.travel(crossed, tick=False):
        verification.verify_all()
    collecting.refresh_from_db()
    assert (collecting.state, collecting.threshold_reached_at) == (PetitionState.THRESHOLD_REACHED, crossed)


def test_submitting_writes_its_time(collecting, bob):
    collecting = walk(collecting, PetitionState.THRESHOLD_REACHED)
    collecting.refresh_from_db()
    assert collecting.submitted_at is None
    submitted = (timezone.now() + dt.timedelta(hours=1)).replace(microsecond=0)
    with time_machine.travel(submitted, tick=False):
        lifecycle.submit(collecting, actor=bob)
    collecting.refresh_from_db()
    assert (collecting.state, collecting.submitted_at) == (PetitionState.SUBMITTED, submitted)


def test_only_the_steps_the_table_allows_are_available(collecting):
    for state in PetitionState:
        names = {step.name for step in lifecycle.available(state)}
        assert names == {
            name
            for name, step in lifecycle.TRANSITIONS.items()
            if state in step.sources and lifecycle.By.OFFICIAL in step.by
        }
    assert [s.name for s in lifecycle.available(PetitionState.COLLECTING)] == ["withdraw", "end_mandate"]
