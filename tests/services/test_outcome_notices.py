"""Signers who asked on signing to hear the outcome (recall.services.notices.outcome_notices): the
request is kept with the signature, each event is texted once, a withdrawal cancels it."""

import pytest

from recall.models import OutcomeSubscription, PetitionState, Signature
from recall.notifications import sms
from recall.services import verification
from recall.services.notices import outbox, outcome_notices
from recall.services.signing import codes
from tests.factories import SignatureFactory
from tests.helpers import code_from_outbox, signer_of


def _sign(petition, voter, capture, *, notify, phone="+77011234567"):
    with capture(execute=True):
        started = codes.start_signing(petition.pk, signer_of(voter, phone=phone), notify_outcome=notify)
    with capture(execute=True):
        return codes.confirm_signing(started.token, code_from_outbox())


def _send(petition_id, event):
    """What the notice's task does (its announcement is written with the change it announces)."""
    return outbox.process(outbox.announce("outcome", petition_id, event, petition_id=petition_id).pk)


def _to(phone):
    return [m.text for m in sms.outbox if m.phone == phone]


def test_it_keeps_the_request_with_the_signature_and_nothing_personal(
    collecting, voters, django_capture_on_commit_callbacks
):
    asked = _sign(collecting, voters[10], django_capture_on_commit_callbacks, notify=True)
    not_asked = _sign(collecting, voters[11], django_capture_on_commit_callbacks, notify=False, phone="+77012223344")
    row = OutcomeSubscription.objects.get()
    assert row.signature_id == asked.pk and row.petition_id == collecting.pk and row.language == "en"
    assert not OutcomeSubscription.objects.filter(signature=not_asked).exists()
    # The number stays in the signature's encrypted data only; the row goes with the signature.
    assert "+77011234567" not in str(OutcomeSubscription.objects.filter(pk=row.pk).values().get())


def test_it_texts_the_threshold_once_to_those_who_asked(collecting, voters, django_capture_on_commit_callbacks):
    _sign(collecting, voters[10], django_capture_on_commit_callbacks, notify=True)
    _sign(collecting, voters[11], django_capture_on_commit_callbacks, notify=False, phone="+77012223344")
    for voter in voters[12:22]:
        SignatureFactory(petition=collecting, voter_row=voter)
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        verification.verify_all()
    collecting.refresh_from_db()
    assert collecting.state == PetitionState.THRESHOLD_REACHED
    told = _to("+77011234567")
    assert len(told) == 1 and "has reached the threshold" in told[0] and f"No. {collecting.pk}" in told[0]
    assert told[0].startswith("Deputy recall petitions:")
    assert _to("+77012223344") == []
    # A repeated run (a retried task) texts nobody twice.
    assert _send(collecting.pk, "threshold") == 0
    assert len(_to("+77011234567")) == 1


def test_it_texts_the_deputys_answer_when_it_is_published(collecting, voters, bob, django_capture_on_commit_callbacks):
    from recall.services.groups import deputies

    _sign(collecting, voters[10], django_capture_on_commit_callbacks, notify=True)
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        deputies.publish_answer(collecting, actor=bob, texts={"en": "I have done what I could."})
    assert len(_to("+77011234567")) == 1 and "has answered" in _to("+77011234567")[0]
    with django_capture_on_commit_callbacks(execute=True):  # a new version of the answer is not a new answer
        deputies.publish_answer(collecting, actor=bob, texts={"en": "I have done what I could, and more."})
    assert len(_to("+77011234567")) == 1


def test_it_writes_in_the_signers_language(collecting, voters, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        from django.utils import translation

        with translation.override("ru"):
            started = codes.start_signing(collecting.pk, signer_of(voters[10]), notify_outcome=True)
    with django_capture_on_commit_callbacks(execute=True):
        codes.confirm_signing(started.token, code_from_outbox())
    sms.outbox.clear()
    _send(collecting.pk, "certified")
    assert _to("+77011234567")[0].startswith("Петиции об отзыве депутатов: подписи по петиции об отзыве")


@pytest.mark.parametrize(
    ("state", "event"),
    [
        (PetitionState.THRESHOLD_REACHED, "threshold"),
        (PetitionState.SUFFICIENT, "certified"),
        (PetitionState.INSUFFICIENT, "certified"),
        (PetitionState.RECALLED, "vote"),
        (PetitionState.RETAINED, "vote"),
    ],
)
def test_each_outcome_state_is_an_event(state, event):
    assert outcome_notices.EVENT_OF_STATE[state] == event


def test_the_other_states_are_not_outcomes():
    assert PetitionState.COLLECTING not in outcome_notices.EVENT_OF_STATE
    assert PetitionState.SUBMITTED not in outcome_notices.EVENT_OF_STATE


def test_a_withdrawal_cancels_the_request(collecting, voters, django_capture_on_commit_callbacks):
    signature = _sign(collecting, voters[10], django_capture_on_commit_callbacks, notify=True)
    with django_capture_on_commit_callbacks(execute=True):
        started = codes.start_withdrawal(signature.receipt, voters[10].personal["iin"])
    codes.confirm_withdrawal(started.token, code_from_outbox())
    assert Signature.objects.get(pk=signature.pk).state == "withdrawn"
    assert not OutcomeSubscription.objects.exists()
    sms.outbox.clear()
    assert _send(collecting.pk, "vote") == 0 and sms.outbox == []


def test_an_unknown_event_is_refused(collecting):
    with pytest.raises(ValueError, match="unknown outcome event"):
        outcome_notices.after_event(collecting.pk, "gossip")
