"""The deputy's address: proposed by one official, in effect once a second official of the
central commission confirms it; the deputy told of every change to the account at the address
on record before it (recall.services.groups.deputies)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import IntegrityError, transaction

from accounts.models import User
from recall.errors import IllegalTransition, OutsideJurisdiction, PolicyViolation
from recall.models import AddressChangeState, AuditEntry, DeputyAddressChange, NoticeMessage
from recall.services.groups import deputies
from recall.services.notices import outbox

from ..factories import UserFactory
from ..helpers import deputy_account


def sent_to(address: str) -> list:
    return [m for m in mail.outbox if m.to == [address]]


@pytest.fixture
def confirmed(collecting, bob, alice, django_capture_on_commit_callbacks):
    """The deputy's account at deputy@mazhilis.kz, with a password set."""
    with django_capture_on_commit_callbacks(execute=True):
        user = deputy_account(collecting.deputy, proposer=bob, confirmer=alice).user
    user.set_password("a long deputy passphrase 2026")
    user.save()
    mail.outbox.clear()
    return user


# --- The attack: a regional official sends the link to their own address ----------------------


def test_an_address_a_regional_official_gives_sends_no_link(collecting, bob, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        proposed = deputies.create_account(collecting.deputy, actor=bob, email="bob@example.kz")
    assert proposed.user.email == "" and not proposed.user.has_usable_password()
    assert proposed.change.state == AddressChangeState.PENDING
    assert mail.outbox == [] and not NoticeMessage.objects.exists()
    assert AuditEntry.objects.filter(action="deputy.address_proposed", actor=bob).exists()


def test_no_link_is_sent_again_before_the_address_is_confirmed(collecting, bob):
    deputies.create_account(collecting.deputy, actor=bob, email="bob@example.kz")
    with pytest.raises(PolicyViolation) as refused:
        deputies.reset_access(collecting.deputy, actor=bob)
    assert refused.value.code == "no_confirmed_address" and not NoticeMessage.objects.exists()


def test_the_regional_official_cannot_confirm_their_own_address(collecting, bob):
    proposed = deputies.create_account(collecting.deputy, actor=bob, email="bob@example.kz")
    with pytest.raises(OutsideJurisdiction):
        deputies.confirm_address(proposed.change, actor=bob)
    assert User.objects.get(pk=proposed.user.pk).email == ""


@pytest.mark.parametrize("persona", ["colleague", "charlie", "olga"])
def test_no_one_but_a_central_official_confirms(collecting, bob, charlie, olga, persona):
    proposed = deputies.create_account(collecting.deputy, actor=bob, email="bob@example.kz")
    actor = {"colleague": UserFactory(commission=bob.commission), "charlie": charlie, "olga": olga}[persona]
    with pytest.raises(OutsideJurisdiction):
        deputies.confirm_address(proposed.change, actor=actor)
    assert DeputyAddressChange.objects.get().state == AddressChangeState.PENDING


def test_a_central_official_cannot_confirm_their_own_proposal_either(collecting, alice):
    proposed = deputies.create_account(collecting.deputy, actor=alice, email="alice@example.kz")
    with pytest.raises(PolicyViolation) as refused:
        deputies.confirm_address(proposed.change, actor=alice)
    assert refused.value.code == "own_proposal"


def test_the_database_refuses_an_address_confirmed_by_its_proposer(collecting, bob):
    proposed = deputies.create_account(collecting.deputy, actor=bob, email="bob@example.kz")
    with pytest.raises(IntegrityError), transaction.atomic():
        DeputyAddressChange.objects.filter(pk=proposed.change.pk).update(
            state=AddressChangeState.CONFIRMED, decided_by=bob
        )


def test_the_database_keeps_one_pending_address_per_deputy(collecting, bob):
    proposed = deputies.create_account(collecting.deputy, actor=bob, email="bob@example.kz")
    with pytest.raises(IntegrityError), transaction.atomic():
        DeputyAddressChange.objects.create(
            deputy=collecting.deputy, email="x@example.kz", proposed_by=bob, proposed_at=proposed.change.proposed_at
        )


def test_an_answer_an_official_enters_is_told_to_the_deputy(confirmed, collecting, bob):
    deputies.publish_answer(collecting, actor=bob, texts={"ru": "Ответ."})
    (told,) = NoticeMessage.objects.filter(notice__kind="account")
    assert told.message["to"] == "deputy@mazhilis.kz"


# --- The confirmation -------------------------------------------------------------------------


def test_a_central_official_confirms_and_only_then_the_link_is_sent(
    collecting, bob, alice, django_capture_on_commit_callbacks
):
    proposed = deputies.create_account(collecting.deputy, actor=bob, email="deputy@mazhilis.kz")
    with django_capture_on_commit_callbacks(execute=True):
        invitation = deputies.confirm_address(proposed.change, actor=alice)
    assert User.objects.get(pk=proposed.user.pk).email == "deputy@mazhilis.kz"
    (message,) = mail.outbox
    assert message.to == ["deputy@mazhilis.kz"] and invitation.link in message.body
    entry = AuditEntry.objects.get(action="deputy.address_confirmed")
    assert entry.actor == alice and entry.details["proposed_by"] == bob.pk
    with pytest.raises(IllegalTransition):
        deputies.confirm_address(proposed.change, actor=UserFactory(commission=alice.commission))


def test_a_new_proposal_replaces_the_pending_one(collecting, bob, alice):
    first = deputies.create_account(collecting.deputy, actor=bob, email="one@mazhilis.kz")
    second = deputies.propose_address(collecting.deputy, actor=bob, email="two@mazhilis.kz")
    with pytest.raises(IllegalTransition):
        deputies.confirm_address(first.change, actor=alice)
    deputies.confirm_address(second.change, actor=alice)
    assert User.objects.get(pk=first.user.pk).email == "two@mazhilis.kz"


def test_a_changed_address_is_told_once_at_the_old_address(
    confirmed, collecting, bob, alice, django_capture_on_commit_callbacks
):
    proposed = deputies.propose_address(collecting.deputy, actor=bob, email="bob@example.kz")
    assert mail.outbox == []  # nothing until it is confirmed
    with django_capture_on_commit_callbacks(execute=True):
        invitation = deputies.confirm_address(proposed.change, actor=alice)
    assert invitation is None  # the deputy has a password: no link goes anywhere
    (told,) = sent_to("deputy@mazhilis.kz")
    assert "bob@example.kz" in told.body and sent_to("bob@example.kz") == []
    outbox.sweep()
    outbox.sweep()
    assert len(sent_to("deputy@mazhilis.kz")) == 1
    (row,) = NoticeMessage.objects.filter(notice__kind="account")
    assert row.message["to"] == "deputy@mazhilis.kz" and row.sent_at is not None


def test_a_reset_is_told_at_the_address_on_record(confirmed, collecting, bob, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = deputies.reset_access(collecting.deputy, actor=bob)
    told = sent_to("deputy@mazhilis.kz")
    assert len(told) == 2 and sum(invitation.link in m.body for m in told) == 1
    assert any("authenticator" in m.subject for m in told)


def test_an_answer_is_told_to_the_deputy_once(confirmed, collecting, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        deputies.publish_answer(collecting, actor=confirmed, texts={"ru": "Ответ."})
    outbox.sweep()
    (told,) = sent_to("deputy@mazhilis.kz")
    assert f"/petitions/{collecting.pk}/" in told.body
