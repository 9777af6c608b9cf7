"""Each one-time code says what it is for: the service, the act (sign, withdraw, see one's data,
start an application, join a group, open the group's page) and whom it concerns; each in the
language of the page it was asked from. The deputy's invitation goes out in the language of
whoever made the account, then in the deputy's own."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.utils import translation

from recall.models import Channel, Signature
from recall.notifications import sms
from recall.services import signing
from recall.services.groups import deputies, initiative
from recall.services.signing import codes
from tests.factories import DeputyFactory
from tests.helpers import code_from_outbox, signer_of

ACTS = ("to SIGN", "to WITHDRAW", "to SEE THE DATA", "to START", "to JOIN", "to OPEN")


def test_the_code_to_see_ones_data_does_not_say_sign(collecting, voters, django_capture_on_commit_callbacks):
    signature = signing.sign_on_web(collecting.pk, signer_of(voters[10]))
    with django_capture_on_commit_callbacks(execute=True):
        codes.start_data_view(signature.receipt, voters[10].personal["iin"])
    text = sms.outbox[-1].text
    assert text.startswith("Deputy recall petitions: code ")
    assert f"to SEE THE DATA held about your signature on petition No. {collecting.pk}" in text
    assert "nothing changes" in text and "SIGN " not in text


def test_the_group_codes_name_their_act_and_the_deputy(karaganda, voters, django_capture_on_commit_callbacks):
    deputy = DeputyFactory(district=karaganda, full_name="Есенов Арман Даниярович")
    with django_capture_on_commit_callbacks(execute=True), translation.override("ru"):
        started = initiative.start_application(
            deputy_id=deputy.pk,
            grounds_category="lost_trust",
            grounds={"ru": "Не встречается с избирателями."},
            iin=voters[0].personal["iin"],
            phone="+77010000001",
        )
    start = sms.outbox[-1].text
    assert start.startswith("Петиции об отзыве депутатов: код ")
    assert "НАЧАТЬ как инициатор заявление об отзыве депутата Есенова Армана Данияровича" in start
    leader = initiative.confirm_application(started.token, code_from_outbox())
    invitation = initiative.invite(leader.draft)
    with django_capture_on_commit_callbacks(execute=True):
        initiative.start_joining(invitation.token, iin=voters[1].personal["iin"], phone="+77010000002")
    assert (
        "to JOIN the initiative group for the recall of Есенов Арман Даниярович (Karaganda No. 1)"
        in sms.outbox[-1].text
    )
    with django_capture_on_commit_callbacks(execute=True):
        initiative.start_entering(iin=voters[0].personal["iin"], phone="+77010000001")
    enter = sms.outbox[-1].text
    assert "to OPEN your initiative group's page" in enter and "Do not share it." in enter
    # Every message names its own act, and only one.
    for message in sms.outbox:
        if "code" in message.text.lower() or "код" in message.text:
            assert sum(act in message.text for act in ACTS) <= 1


def test_the_eds_receipt_does_not_say_a_code_was_texted(client, collecting, voters):
    signature = signing.sign_on_web(collecting.pk, signer_of(voters[10]))
    Signature.objects.filter(pk=signature.pk).update(channel=Channel.EDS, identity_strength="certificate")
    session = client.session
    session["recall_receipt"] = {"receipt": signature.receipt, "petition": collecting.pk}
    session.save()
    html = client.get("/en/receipt/").content.decode()
    assert "by text message" not in html and 'data-testid="keep-receipt"' in html
    Signature.objects.filter(pk=signature.pk).update(channel=Channel.WEB, identity_strength="phone")
    assert "We have also sent the code to your phone by text message" in client.get("/en/receipt/").content.decode()


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_the_deputys_invitation_is_in_the_language_of_the_official_who_made_it(
    collecting, bob, alice, language, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), translation.override(language):
        proposed = deputies.create_account(collecting.deputy, actor=bob, email="deputy@mazhilis.kz")
    with django_capture_on_commit_callbacks(execute=True):
        invitation = deputies.confirm_address(proposed.change, actor=alice)
    message = mail.outbox[-1]
    expected = {"ru": "Ваша учётная запись", "kk": "есептік жазбаңыз"}[language]
    assert expected in message.subject or expected in message.body, message.subject
    assert f"/{language}/deputy/password/" in invitation.link
    assert invitation.user.language == language


def test_the_deputy_signing_in_sets_the_language_of_what_they_are_sent(collecting, bob, alice):
    with translation.override("kk"):
        proposed = deputies.create_account(collecting.deputy, actor=bob, email="deputy@mazhilis.kz")
    user = proposed.user
    deputies.confirm_address(proposed.change, actor=alice)
    user.refresh_from_db()
    user.set_password("a long deputy passphrase 2026")
    user.save()
    Client().post("/ru/deputy/login/", {"username": "deputy@mazhilis.kz", "password": "a long deputy passphrase 2026"})
    user.refresh_from_db()
    assert user.language == "ru"
    (message,) = deputies.deputy_messages(collecting.pk, "registered")
    assert re.search(r"зарегистрирована|зарегистрировала", message.subject + message.text)
