"""The notice outbox (recall.services.notices.outbox): notices written with the change, sent at
least once, recorded sent once. The real-process case (a threshold crossed with the broker
down) is tests/workers/test_notice_outbox.py."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.utils import timezone

from recall.models import (
    Notice,
    NoticeMessage,
    NoticeState,
    PetitionState,
)
from recall.notifications import sms
from recall.services import verification
from recall.services.notices import outbox, progress
from recall.services.privacy import retention
from tests.helpers import walk

PHONE = "+77011234567"  # the signer's who asked to hear the outcome (the crossing fixture)


def _expected_addresses(petition):
    """The threshold's e-mails (the officials' and the group's), the group's milestone e-mail
    and the follower's."""
    return sorted([*progress.officials_of(petition), "group@example.kz", "group@example.kz", "follower@example.kz"])


def test_the_notices_are_written_with_the_change_and_none_is_sent_before_their_task(crossing):
    verification.verify_all()  # the test's transaction never commits: no task runs
    crossing.refresh_from_db()
    assert crossing.state == PetitionState.THRESHOLD_REACHED
    kinds = sorted(Notice.objects.filter(petition_id=crossing.pk).values_list("kind", flat=True))
    assert kinds == ["follow", "milestone", "outcome", "threshold"]
    assert mail.outbox == [] and sms.outbox == []


def test_a_change_rolled_back_leaves_no_notice(crossing):
    with pytest.raises(RuntimeError), transaction.atomic():
        verification.verify_all()
        assert Notice.objects.filter(petition_id=crossing.pk).exists()
        raise RuntimeError("the change fails after the notices were written")
    assert not Notice.objects.exists()


def test_the_sweep_sends_every_notice_once_when_their_tasks_were_lost(crossing):
    """The broker was down at commit (no task ran): beat's sweep sends each message once, and
    sweeping again sends nothing more."""
    verification.verify_all()
    first = outbox.sweep()
    assert first["expanded"] == 4
    assert sorted(m.to[0] for m in mail.outbox) == _expected_addresses(crossing)
    assert [m.phone for m in sms.outbox] == [PHONE] and "has reached the threshold" in sms.outbox[0].text
    assert outbox.sweep() == {"expanded": 0, "sent": 0}
    with time_machine.travel(timezone.now() + dt.timedelta(hours=1)):
        assert outbox.sweep() == {"expanded": 0, "sent": 0}
    assert len(mail.outbox) == len(_expected_addresses(crossing)) and len(sms.outbox) == 1
    assert set(NoticeMessage.objects.values_list("state", flat=True)) == {NoticeState.SENT}
    assert NoticeMessage.objects.filter(sent_at__isnull=True).count() == 0


def test_the_task_and_the_sweep_together_send_each_message_once(crossing):
    verification.verify_all()
    notices = list(Notice.objects.values_list("pk", flat=True))
    sent = sum(outbox.process(pk) for pk in notices) + outbox.sweep()["sent"]
    sent += sum(outbox.process(pk) for pk in notices)  # a re-delivered task
    assert sent == len(mail.outbox) + len(sms.outbox) == len(_expected_addresses(crossing)) + 1


def test_a_worker_killed_between_sending_and_recording_is_taken_over_with_the_same_key(crossing, monkeypatch, settings):
    """The documented window: the message left, the worker died before marking it sent. Until the
    lease runs out nobody sends it; then it goes again with the same key (Message-ID,
    Idempotency-Key) and is recorded sent once."""
    verification.verify_all()
    threshold = Notice.objects.get(kind="threshold")
    outbox.expand(threshold.pk)
    message = NoticeMessage.objects.filter(notice=threshold).order_by("pk").first()

    def killed(message_id):
        raise SystemExit("worker killed")

    monkeypatch.setattr(outbox, "_mark_sent", killed)
    with pytest.raises(SystemExit):
        outbox.deliver(message.pk)
    monkeypatch.undo()
    assert len(mail.outbox) == 1
    message.refresh_from_db()
    assert message.state == NoticeState.PENDING and message.attempts == 1
    assert outbox.deliver(message.pk) is False  # still held: its worker may be alive
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=settings.RECALL_NOTICE_LEASE_SECONDS + 1)):
        assert outbox.deliver(message.pk) is True
        assert outbox.deliver(message.pk) is False
    first, again = mail.outbox
    assert first.to == again.to and first.extra_headers["Message-ID"] == again.extra_headers["Message-ID"]
    assert first.extra_headers["Message-ID"] == f"<{message.key}@127.0.0.1>"  # the host of SITE_URL
    message.refresh_from_db()
    assert message.state == NoticeState.SENT and message.sent_at is not None and message.attempts == 2


def test_a_text_carries_its_key_to_the_gateway(crossing):
    verification.verify_all()
    outbox.sweep()
    (text,) = sms.outbox
    assert text.key == NoticeMessage.objects.get(channel="sms").key and len(text.key) == 64


def test_a_failing_gateway_is_tried_again_with_backoff_then_given_up(crossing, settings):
    settings.RECALL_SMS_GATEWAY_URL = "http://127.0.0.1:9/sms"  # nothing listens
    settings.RECALL_SMS_BACKEND = "recall.notifications.sms.HttpGatewayBackend"
    settings.RECALL_NOTICE_MAX_ATTEMPTS = 3
    verification.verify_all()
    outbox.sweep()
    text = NoticeMessage.objects.get(channel="sms")
    assert text.state == NoticeState.PENDING and text.attempts == 1 and "SmsError" in text.error
    assert text.next_attempt_at > timezone.now()
    later = timezone.now()
    for _ in range(2):
        later += dt.timedelta(hours=1)
        with time_machine.travel(later):
            outbox.sweep()
    text.refresh_from_db()
    assert text.state == NoticeState.FAILED and text.attempts == 3
    # The e-mails went on meanwhile.
    assert NoticeMessage.objects.filter(channel="email", state=NoticeState.SENT).count() == len(
        _expected_addresses(crossing)
    )


def test_a_notice_whose_worker_died_while_writing_it_is_taken_over(crossing, settings):
    verification.verify_all()
    notice = Notice.objects.get(kind="threshold")
    Notice.objects.filter(pk=notice.pk).update(leased_until=timezone.now() + dt.timedelta(seconds=60), attempts=1)
    assert outbox.sweep()["expanded"] == 3  # the others; this one is held
    assert not NoticeMessage.objects.filter(notice=notice).exists()
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=61)):
        assert outbox.sweep()["expanded"] == 1
    assert sorted(m.to[0] for m in mail.outbox) == _expected_addresses(crossing)


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown kind"):
        outbox.announce("gossip")


def test_a_purged_petition_takes_its_notices_with_it(crossing, alice):
    verification.verify_all()
    outbox.expand(Notice.objects.get(kind="threshold").pk)
    assert NoticeMessage.objects.filter(petition_id=crossing.pk).exists()
    petition = walk(crossing, PetitionState.INSUFFICIENT)
    with time_machine.travel(timezone.now() + dt.timedelta(days=3650)):
        retention.purge(petition.pk, actor=alice)
    assert not NoticeMessage.objects.filter(petition_id=crossing.pk).exists()
    assert not Notice.objects.filter(petition_id=crossing.pk).exists()
