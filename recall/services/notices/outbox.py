"""Notices that cannot be lost: an outbox in PostgreSQL for every e-mail and text message that
announces a change (the threshold, milestones, the group's, the deputy's and the signers'
notices, the followers' messages, deadline reminders, a deputy's invitation).

- ``announce(kind, *args)``, called in the transaction of the change, writes a ``Notice``: the
  announcement commits with the change or not at all. After commit its task is published
  (recall.tasks.send_notices); with the broker down, beat's sweep (recall.tasks.sweep_notices,
  every 15 s) takes it once the broker is back, so a notice due while Redis was away is late,
  never lost.
- A worker turns the announcement into its messages (``expand``): the kind's composer
  (``COMPOSERS``) writes one ``NoticeMessage`` per address, under a lease on the notice so that
  one worker at a time does it. Composers that go through many rows (followers, signers) work
  in pages, each page one transaction with the claims that keep a person from being told twice
  (``told_state``, ``<event>_sent_at``): a worker killed between pages leaves the rest to the
  next one, and a page is written whole or not at all.
- Each message is sent at least once and recorded as sent once (``deliver``): claimed by a
  conditional UPDATE that moves its ``next_attempt_at`` past a lease (a second copy of the task
  meanwhile does nothing), sent, then marked sent. A failed send is tried again with backoff,
  up to RECALL_NOTICE_MAX_ATTEMPTS, then marked failed.

The one window left is a worker killed after the backend accepted a message and before the row
was marked sent. Nothing on our side can tell whether the message left, so once the lease
(RECALL_NOTICE_LEASE_SECONDS) has run out the message is sent again, with the same unique key:
the e-mail's Message-ID is ``<key@host>`` and the SMS gateway gets it as the Idempotency-Key
header, so a gateway that honours the header, and a mail client that folds messages of one
Message-ID, show it once. We accept this at-least-once over the alternative (marking it sent
before sending, at-most-once), because a lost threshold notice costs more than a duplicate
e-mail; the row still records one sending (``sent_at`` is set once, by a conditional UPDATE).
"""

from __future__ import annotations

import hashlib
import logging
import smtplib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from ... import task_names
from ...crypto import DataKeyDestroyed
from ...errors import TRANSIENT_DATABASE_ERRORS
from ...models import Notice, NoticeMessage, NoticeState
from ...notifications import sms
from .. import queue
from .webhooks import backoff

logger = logging.getLogger(__name__)

# Each kind of notice and the function that writes its messages, by dotted path: the composers
# live with the services that own the wording, which themselves announce notices here.
COMPOSERS = {
    "threshold": "recall.services.notices.progress.threshold_messages",
    "milestone": "recall.services.notices.progress.milestone_messages",
    "group_state": "recall.services.groups.group_notices.state_messages",
    "group_answer": "recall.services.groups.group_notices.answer_messages",
    "deputy": "recall.services.groups.deputies.deputy_messages",
    "outcome": "recall.services.notices.outcome_notices.next_messages",
    "follow": "recall.services.notices.follow.next_messages",
}
# Kinds whose composer returns one page at a time (claiming what it returns): called again
# until it returns None. The others return every message at once.
PAGED = frozenset({"outcome", "follow"})
# Kinds whose messages are written with the announcement (their text is known then, and holds
# what must not wait in the clear: a deputy's password link).
WRITTEN = frozenset({"invitation", "reminder", "account"})
SWEEP_LIMIT = 500


@dataclass(frozen=True)
class Outgoing:
    """A message to write: ``recipient`` names it within its notice (an address or a row id)."""

    channel: str  # "email" or "sms"
    to: str
    text: str
    subject: str = ""
    recipient: str = ""


def _lease() -> timedelta:
    return timedelta(seconds=settings.RECALL_NOTICE_LEASE_SECONDS)


def announce(kind: str, *args: object, petition_id: int | None = None, messages: Sequence[Outgoing] = ()) -> Notice:
    """Write the announcement (call inside the transaction of the change) and publish its task
    after commit. ``messages``: for the kinds in WRITTEN, the messages themselves."""
    if kind not in COMPOSERS and kind not in WRITTEN:
        raise ValueError(f"unknown kind of notice {kind!r}")
    written = kind in WRITTEN
    notice = Notice.objects.create(
        kind=kind, args=list(args), petition_id=petition_id, expanded_at=timezone.now() if written else None
    )
    if written:
        _store(notice, list(messages))
    queue.after_commit(task_names.SEND_NOTICES, notice.pk)
    return notice


def _key(notice_id: int, recipient: str) -> str:
    return hashlib.sha256(f"notice:{notice_id}:{recipient}".encode()).hexdigest()


def _store(notice: Notice, messages: list[Outgoing]) -> None:
    now = timezone.now()
    NoticeMessage.objects.bulk_create(
        (
            NoticeMessage(
                notice_id=notice.pk,
                petition_id=notice.petition_id,
                key=_key(notice.pk, m.recipient or f"{m.channel}:{m.to}"),
                channel=m.channel,
                message={"to": m.to, "subject": m.subject, "text": m.text},
                next_attempt_at=now,
            )
            for m in messages
        ),
        ignore_conflicts=True,  # written again by a worker that took over: one row each
    )


def expand(notice_id: int) -> bool:
    """Write the notice's messages unless that is done or another worker is at it. True when
    this call finished it."""
    now = timezone.now()
    claimed = (
        Notice.objects.filter(pk=notice_id, expanded_at__isnull=True)
        .filter(Q(leased_until__isnull=True) | Q(leased_until__lte=now))
        .update(leased_until=now + _lease(), attempts=F("attempts") + 1)
    )
    if not claimed:
        return False
    notice = Notice.objects.get(pk=notice_id)
    compose = import_string(COMPOSERS[notice.kind])
    try:
        while True:
            with transaction.atomic():
                messages = compose(*notice.args)
                _store(notice, list(messages or ()))
                done = notice.kind not in PAGED or messages is None
                if done:
                    Notice.objects.filter(pk=notice_id).update(expanded_at=timezone.now(), leased_until=None)
                else:
                    Notice.objects.filter(pk=notice_id).update(leased_until=timezone.now() + _lease())
            if done:
                return True
    except TRANSIENT_DATABASE_ERRORS:
        raise  # the task is retried; the lease keeps others off until then
    except Exception as error:
        # A composer's own failure: tried again with backoff, then given up with its error.
        logger.exception("notice %s (%s) could not be written", notice_id, notice.kind)
        attempts = notice.attempts
        fields = {"error": f"{type(error).__name__}: {error}"[:1000]}
        if attempts >= settings.RECALL_NOTICE_MAX_ATTEMPTS:
            fields |= {"expanded_at": timezone.now(), "leased_until": None}
        else:
            fields["leased_until"] = timezone.now() + timedelta(seconds=backoff(attempts))
        Notice.objects.filter(pk=notice_id).update(**fields)
        return False


def _due(notice_id: int | None, limit: int) -> list[int]:
    rows = NoticeMessage.objects.filter(state=NoticeState.PENDING, next_attempt_at__lte=timezone.now())
    if notice_id is not None:
        rows = rows.filter(notice_id=notice_id)
    return list(rows.order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit])


def deliver(message_id: int) -> bool:
    """Send one message if it is due and nobody holds it; True when this call sent it."""
    now = timezone.now()
    claimed = NoticeMessage.objects.filter(pk=message_id, state=NoticeState.PENDING, next_attempt_at__lte=now).update(
        next_attempt_at=now + _lease(), attempts=F("attempts") + 1
    )
    if not claimed:
        return False
    row = NoticeMessage.objects.filter(pk=message_id).first()
    if row is None:  # the petition's personal data was purged meanwhile
        return False
    try:
        _send(row)
    except DataKeyDestroyed:
        return False
    except (sms.SmsError, smtplib.SMTPException, OSError) as error:
        # What a gateway or a mail server answers when it does not take the message. Anything
        # else leaves the message claimed: the sweep tries it again once its lease runs out.
        attempts = row.attempts
        failed = attempts >= settings.RECALL_NOTICE_MAX_ATTEMPTS
        fields = {"error": f"{type(error).__name__}: {error}"[:1000]}
        if failed:
            fields["state"] = NoticeState.FAILED
        else:
            fields["next_attempt_at"] = timezone.now() + timedelta(seconds=backoff(attempts))
        NoticeMessage.objects.filter(pk=message_id, state=NoticeState.PENDING).update(**fields)
        logger.warning("notice message %s attempt %s failed: %s", message_id, attempts, fields["error"])
        return False
    _mark_sent(message_id)
    return True


def _mark_sent(message_id: int) -> None:
    NoticeMessage.objects.filter(pk=message_id, state=NoticeState.PENDING).update(
        state=NoticeState.SENT, sent_at=timezone.now(), error=""
    )


def _send(row: NoticeMessage) -> None:
    message = row.message  # decrypted here: DataKeyDestroyed once the petition was purged
    if row.channel == "sms":
        sms.send(message["to"], message["text"], key=row.key)
        return
    host = settings.SITE_URL.partition("://")[2].split("/")[0].split(":")[0] or "localhost"
    EmailMessage(
        message["subject"], message["text"], None, [message["to"]], headers={"Message-ID": f"<{row.key}@{host}>"}
    ).send()


def process(notice_id: int) -> int:
    """The notice's task: write its messages, then send those that are due. How many were sent."""
    expand(notice_id)
    sent = 0
    while due := _due(notice_id, 100):
        progressed = [deliver(message_id) for message_id in due]
        sent += sum(progressed)
        if not any(progressed):
            break
    return sent


def sweep(limit: int = SWEEP_LIMIT) -> dict[str, int]:
    """Beat: announcements nobody has written out (their task was lost with the broker, or
    their worker died) and messages due (not sent yet, retried, or held by a dead worker)."""
    now = timezone.now()
    waiting = list(
        Notice.objects.filter(expanded_at__isnull=True)
        .filter(Q(leased_until__isnull=True) | Q(leased_until__lte=now))
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    expanded = sum(expand(notice_id) for notice_id in waiting)
    sent = sum(deliver(message_id) for message_id in _due(None, limit))
    return {"expanded": expanded, "sent": sent}
