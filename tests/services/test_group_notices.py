"""The initiative group is told of its petition's changes (recall.services.groups.group_notices)."""

from __future__ import annotations

import pytest
from django.core import mail

from recall.models import GroupDraft, GroupDraftMember
from recall.notifications import sms
from recall.services import lifecycle
from recall.services.groups import group_notices

from ..factories import DeputyFactory


@pytest.fixture
def group(karaganda, voters):
    """An application submitted on the web by three members with phones."""
    deputy = DeputyFactory(district=karaganda)
    draft = GroupDraft.objects.create(
        deputy=deputy,
        grounds_category="lost_trust",
        grounds={"ru": "x"},
        contact_email="group@example.kz",
        language="ru",
    )
    for i, voter in enumerate(voters[:3]):
        GroupDraftMember.objects.create(
            draft=draft, voter=voter, is_leader=i == 0, contact={"phone": f"+7701000000{i}"}
        )
    petition = lifecycle.apply(
        deputy=deputy,
        grounds_category="lost_trust",
        grounds_text="x",
        initiative_iins=[v.personal["iin"] for v in voters[:3]],
        actor=None,
    )
    GroupDraft.objects.filter(pk=draft.pk).update(petition=petition)
    return petition


def test_every_member_is_texted_in_the_groups_language_when_the_window_opens(group, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.register(group, actor=None)
    phones = {m.phone for m in sms.outbox}
    assert phones == {"+77010000000", "+77010000001", "+77010000002"}
    assert any(
        "Окно" in m.text or "сбор" in m.text.lower() or "collection window is open" in m.text for m in sms.outbox
    )


def test_a_refusal_tells_the_group_the_reason_by_text_and_e_mail(group, django_capture_on_commit_callbacks):
    GroupDraft.objects.update(language="en")
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.refuse(group, actor=None, reason="Protocol of the meeting missing")
    assert all("Protocol of the meeting missing" in m.text for m in sms.outbox)
    assert len(sms.outbox) == 3
    assert mail.outbox[-1].to == ["group@example.kz"]
    assert "Protocol of the meeting missing" in mail.outbox[-1].body


def test_a_milestone_is_texted_to_the_group(group):
    GroupDraft.objects.update(language="en")
    messages = group_notices.milestone(group.pk, 50)
    assert len(messages) == 3 and all(m.channel == "sms" and "50%" in m.text for m in messages)


def test_a_petition_entered_by_an_official_texts_nobody(applied, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.register(applied, actor=None)
    assert sms.outbox == []
