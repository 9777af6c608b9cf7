"""The deputy's account, answers and notices (recall.services.groups.deputies)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import IntegrityError, transaction

from accounts.models import Role, User
from recall.errors import IllegalTransition, InvalidInput, OutsideJurisdiction, PolicyViolation
from recall.i18n_text import pick
from recall.models import AuditEntry, DeputyAnswer, GroupDraft, GroupDraftMember, Mandate, Notice
from recall.notifications import sms
from recall.services import lifecycle
from recall.services.groups import deputies

from ..factories import DeputyFactory, UserFactory
from ..helpers import application, deputy_account, run_together


@pytest.fixture
def account(collecting, bob, alice):
    return deputy_account(collecting.deputy, proposer=bob, confirmer=alice).user


def test_an_official_of_the_district_creates_the_deputys_account(
    collecting, bob, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = deputy_account(collecting.deputy, proposer=bob, confirmer=alice)
    user = invitation.user
    assert (user.role, user.deputy, user.is_staff, user.commission) == (Role.DEPUTY, collecting.deputy, False, None)
    assert not user.has_usable_password()
    assert "/deputy/password/" in invitation.link
    assert mail.outbox[0].to == ["deputy@mazhilis.kz"] and invitation.link in mail.outbox[0].body
    assert AuditEntry.objects.filter(action="deputy.account_created", actor=bob).exists()


def test_a_deputy_has_one_account(account, collecting, alice):
    with pytest.raises(PolicyViolation, match="already has an account"):
        deputies.create_account(collecting.deputy, actor=alice, email="other@mazhilis.kz")


@pytest.mark.parametrize("persona", ["charlie", "olga"])
def test_no_account_is_created_outside_the_jurisdiction(collecting, persona, request):
    with pytest.raises(OutsideJurisdiction):
        deputies.create_account(collecting.deputy, actor=request.getfixturevalue(persona), email="d@mazhilis.kz")
    assert not User.objects.filter(role=Role.DEPUTY).exists()


def test_a_party_list_deputy_gets_no_account(alice):
    deputy = DeputyFactory(mandate=Mandate.PARTY_LIST, district=None, level="mazhilis")
    with pytest.raises(PolicyViolation, match="single-member"):
        deputies.create_account(deputy, actor=alice, email="d@mazhilis.kz")


def test_the_database_refuses_a_deputy_account_that_could_open_the_admin(account):
    User.objects.filter(pk=account.pk).update(is_staff=False)  # allowed
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=account.pk).update(is_staff=True)


def test_the_database_refuses_an_official_linked_to_a_deputy(bob, collecting):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=bob.pk).update(deputy=collecting.deputy)


# --- Answers ------------------------------------------------------------------------------------


def test_each_publication_is_a_new_version_and_earlier_ones_stay(account, collecting):
    first = deputies.publish_answer(collecting, actor=account, texts={"ru": "Первый ответ."})
    second = deputies.publish_answer(collecting, actor=account, texts={"kk": "Екінші жауап.", "en": "Second."})
    assert (first.version, second.version) == (1, 2)
    assert [a.texts for a in deputies.answers(collecting)] == [
        {"kk": "Екінші жауап.", "en": "Second."},
        {"ru": "Первый ответ."},
    ]
    assert not second.on_behalf and second.author == account
    entry = AuditEntry.objects.get(action="deputy_answer.published", details__version=2)
    assert entry.actor == account and entry.details["languages"] == ["en", "kk"]


def test_an_official_enters_the_answer_on_the_deputys_behalf(collecting, bob):
    answer = deputies.publish_answer(collecting, actor=bob, texts={"ru": "Письмо депутата."})
    assert answer.on_behalf and answer.author == bob


@pytest.mark.parametrize("persona", ["charlie", "olga"])
def test_no_answer_is_entered_outside_the_jurisdiction(collecting, persona, request):
    with pytest.raises(OutsideJurisdiction):
        deputies.publish_answer(collecting, actor=request.getfixturevalue(persona), texts={"ru": "x"})
    assert not DeputyAnswer.objects.exists()


def test_a_deputy_cannot_answer_another_deputys_petition(collecting, karaganda2, alice, policy):
    other = DeputyFactory(district=karaganda2)
    stranger = deputies.create_account(other, actor=alice, email="other@mazhilis.kz").user
    with pytest.raises(OutsideJurisdiction):
        deputies.publish_answer(collecting, actor=stranger, texts={"ru": "Не моё."})
    assert not DeputyAnswer.objects.exists()


def test_nobody_anonymous_publishes_an_answer(collecting):
    with pytest.raises(OutsideJurisdiction):
        deputies.publish_answer(collecting, actor=None, texts={"ru": "x"})


def test_no_answer_before_registration(applied, bob):
    with pytest.raises(IllegalTransition):
        deputies.publish_answer(applied, actor=bob, texts={"ru": "x"})


@pytest.mark.parametrize(
    ("texts", "code"),
    [
        ({}, "answer_required"),
        ({"ru": "   ", "kk": ""}, "answer_required"),
        ({"de": "Antwort"}, "invalid_language"),
        ({"ru": "x" * (deputies.MAX_ANSWER + 1)}, "answer_too_long"),
        ({"ru": "a\x00b"}, "answer_too_long"),
    ],
)
def test_a_bad_answer_is_refused_with_its_reason(collecting, bob, texts, code):
    with pytest.raises(InvalidInput) as error:
        deputies.publish_answer(collecting, actor=bob, texts=texts)
    assert error.value.code == code
    assert not DeputyAnswer.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_publications_get_consecutive_versions(karaganda, voters, alice):
    petition = lifecycle.register(application(karaganda, voters[:3]), actor=None)

    def publish() -> int:
        return deputies.publish_answer(petition, actor=alice, texts={"ru": "Ответ"}).version

    versions = run_together(publish, 4)
    assert sorted(versions) == [1, 2, 3, 4]


@pytest.mark.parametrize(
    ("texts", "language", "shown"),
    [
        ({"kk": "Қ", "ru": "Р", "en": "E"}, "kk", ("kk", True)),
        ({"kk": "Қ", "ru": "Р"}, "en", ("ru", False)),
        ({"kk": "Қ", "en": "E"}, "ru", ("kk", False)),
        ({"en": "E"}, "kk", ("en", False)),
    ],
)
def test_the_answer_is_shown_in_the_page_language_or_else_ru_kk_en(texts, language, shown):
    picked = pick(texts, language)
    assert (picked.language, not picked.fallback) == shown


# --- Notices ------------------------------------------------------------------------------------


def test_the_deputy_is_told_of_an_application_and_of_its_registration(
    karaganda, voters, alice, django_capture_on_commit_callbacks, settings
):
    settings.LANGUAGE_CODE = "en"  # notices go out in the service's language (Kazakh by default)
    deputy = DeputyFactory(district=karaganda)
    deputy_account(deputy, proposer=UserFactory(commission=alice.commission), confirmer=alice)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        petition = lifecycle.apply(
            deputy=deputy,
            grounds_category="lost_trust",
            grounds_text="x",
            initiative_iins=[v.personal["iin"] for v in voters[:3]],
            actor=None,
        )
    assert mail.outbox[-1].to == ["deputy@mazhilis.kz"] and "submitted" in mail.outbox[-1].subject
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.register(petition, actor=alice)
    assert "registered" in mail.outbox[-1].subject and "/deputy/" in mail.outbox[-1].body


def test_a_deputy_without_an_account_is_not_written_to(applied, alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.register(applied, actor=alice)
    assert deputies.deputy_messages(applied.pk, "registered") == []
    assert not Notice.objects.filter(kind="deputy").exists()


def test_the_group_is_told_of_the_deputys_answer(collecting, voters, account, django_capture_on_commit_callbacks):
    draft = GroupDraft.objects.create(
        deputy=collecting.deputy, grounds_category="lost_trust", grounds={"ru": "x"}, language="en", petition=collecting
    )
    GroupDraftMember.objects.create(draft=draft, voter=voters[0], is_leader=True, contact={"phone": "+77010000001"})
    with django_capture_on_commit_callbacks(execute=True):
        deputies.publish_answer(collecting, actor=account, texts={"ru": "Ответ."})
    assert sms.outbox[-1].phone == "+77010000001"
    assert "published an answer (version 1)" in sms.outbox[-1].text


def test_a_deputy_who_lost_access_gets_a_new_link_and_the_old_ones_stop_working(
    account, collecting, bob, django_capture_on_commit_callbacks
):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    account.set_password("an old password 1!")
    account.save()
    TOTPDevice.objects.create(user=account, name="phone", confirmed=True)
    old_link = deputies.password_link(account)
    with django_capture_on_commit_callbacks(execute=True):
        invitation = deputies.reset_access(collecting.deputy, actor=bob)
    account.refresh_from_db()
    assert not account.has_usable_password() and not TOTPDevice.objects.filter(user=account).exists()
    assert invitation.link != old_link and mail.outbox[-1].to == ["deputy@mazhilis.kz"]
    assert invitation.link in mail.outbox[-1].body
    assert AuditEntry.objects.filter(action="deputy.access_reset", actor=bob).exists()


@pytest.mark.parametrize("persona", ["charlie", "olga"])
def test_no_access_is_reset_outside_the_jurisdiction(account, collecting, persona, request):
    with pytest.raises(OutsideJurisdiction):
        deputies.reset_access(collecting.deputy, actor=request.getfixturevalue(persona))
    account.refresh_from_db()
    assert not AuditEntry.objects.filter(action="deputy.access_reset").exists()


def test_there_is_no_access_to_reset_without_an_account(collecting, bob):
    with pytest.raises(PolicyViolation, match="no account"):
        deputies.reset_access(collecting.deputy, actor=bob)
