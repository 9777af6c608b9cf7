"""Anyone may follow a petition without signing it: an e-mail or a text message each time it
changes state, after confirming the address (double opt-in), with a link to stop in every
message.

- ``start``: the address gets a confirmation link (a page with a button: a link that opened by
  itself, in a mail scanner or a messenger's preview, confirms nothing). The answer is the same
  whether the address already follows or not, so nobody learns who follows what; an address
  that follows already is sent its link to stop instead. At most
  RECALL_FOLLOW_MESSAGES_PER_DAY confirmation messages go to one address in a day, whoever asks.
- ``confirm`` and ``stop``: by the token of the links, each once.
- ``after_state_change`` announces the new state in the notice outbox with the change
  (recall.services.notices.outbox); ``next_messages`` writes each confirmed follower's message,
  page by page, claiming ``told_state`` in the same transaction, so nobody is told twice.

The confirmation links leave through ``deliver`` (a person is waiting for them: run in the
request's process when the broker is down).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ... import task_names
from ...crypto import _digest
from ...errors import InvalidInput, NotFound, PolicyViolation
from ...models import PUBLIC_STATES, FollowChannel, Petition, PetitionFollower, PetitionState
from ...notifications import sms
from ...notifications.wording import petition_short
from ...phones import normalize_phone
from .. import queue
from . import outbox
from .outbox import Outgoing

# States a follower is told of: every public one after the application.
TOLD_STATES = tuple(s for s in PUBLIC_STATES if s != PetitionState.APPLIED)
BATCH = 500
# A second request for the same address and petition within this many minutes sends nothing more.
RESEND_MINUTES = 10


@dataclass(frozen=True)
class Message:
    channel: str
    address: str
    subject: str
    text: str


def normalize(channel: str, address: str) -> str:
    """The address as stored and digested; InvalidInput if it is not one."""
    address = (address or "").strip()
    if channel == FollowChannel.SMS:
        return normalize_phone(address)
    if channel == FollowChannel.EMAIL:
        try:
            validate_email(address)
        except ValidationError:
            raise InvalidInput(_("Enter an e-mail address."), field="address") from None
        local, _at, domain = address.rpartition("@")
        return f"{local}@{domain.lower()}"
    raise InvalidInput(_("Choose e-mail or text message."), field="channel")


def _contact_digest(channel: str, address: str) -> str:
    return _digest("follow", f"{channel}:{address.casefold() if channel == FollowChannel.EMAIL else address}")


def _link(name: str, token: str, language: str) -> str:
    with translation.override(language):
        return settings.SITE_URL + reverse(name, args=[token])


def start(petition: Petition, *, channel: str, address: str) -> None:
    """Send the confirmation link (or, to an address that follows already, the link to stop)."""
    if petition.state not in PUBLIC_STATES:
        raise NotFound(_("No public petition has this number."))
    address = normalize(channel, address)
    digest = _contact_digest(channel, address)
    now = timezone.now()
    since = now - dt.timedelta(days=1)
    if PetitionFollower.objects.filter(contact_digest=digest, confirm_sent_at__gte=since).count() >= (
        settings.RECALL_FOLLOW_MESSAGES_PER_DAY
    ):
        raise PolicyViolation(
            _("Too many requests for this address today; try again tomorrow."),
            field="address",
            code="too_many_requests",
        )
    language = translation.get_language() or settings.LANGUAGE_CODE
    with transaction.atomic():
        follower = PetitionFollower.objects.select_for_update().filter(petition=petition, contact_digest=digest).first()
        if follower is None:
            try:
                with transaction.atomic():
                    follower = PetitionFollower.objects.create(
                        petition=petition,
                        channel=channel,
                        contact={"address": address},
                        contact_digest=digest,
                        language=language,
                        token=secrets.token_urlsafe(32),
                        confirm_sent_at=now,
                    )
            except IntegrityError:  # the same address, asked twice at once: one row, one message
                return
        else:
            if now - follower.confirm_sent_at < dt.timedelta(minutes=RESEND_MINUTES):
                return  # asked again at once: the message sent a moment ago stands
            updates = {"confirm_sent_at": now, "language": language}
            if follower.stopped_at is not None:  # following again, after stopping: confirmed anew
                updates |= {"confirmed_at": None, "stopped_at": None}
            PetitionFollower.objects.filter(pk=follower.pk).update(**updates)
        queue.after_commit(task_names.SEND_FOLLOW_NOTICE, follower.pk, inline_if_down=True)


def open_link(token: str) -> PetitionFollower:
    follower = PetitionFollower.objects.select_related("petition__deputy").filter(token=token).first()
    if follower is None:
        raise NotFound(_("This link does not work: it may have been mistyped, or the petition's data was destroyed."))
    return follower


def confirm(token: str) -> PetitionFollower:
    follower = open_link(token)
    PetitionFollower.objects.filter(pk=follower.pk, confirmed_at__isnull=True).update(
        confirmed_at=timezone.now(), told_state=follower.petition.state
    )
    follower.refresh_from_db()
    return follower


def stop(token: str) -> PetitionFollower:
    follower = open_link(token)
    PetitionFollower.objects.filter(pk=follower.pk, stopped_at__isnull=True).update(stopped_at=timezone.now())
    follower.refresh_from_db()
    return follower


def after_state_change(petition_id: int, state: str) -> None:
    """Called in the transaction of a change of state (lifecycle.transitions.move): a notice only
    for a petition that someone follows (one indexed lookup otherwise)."""
    if state in TOLD_STATES and _active(petition_id).exists():
        outbox.announce("follow", petition_id, state, petition_id=petition_id)


def _active(petition_id: int):
    return PetitionFollower.objects.filter(petition_id=petition_id, confirmed_at__isnull=False, stopped_at__isnull=True)


def next_messages(petition_id: int, state: str) -> list[Outgoing] | None:
    """The next page of followers' messages (the outbox's composer, in its transaction), each
    follower's ``told_state`` claimed with its message written; None once all are told."""
    petition = Petition.objects.select_related("deputy", "district").filter(pk=petition_id, state=state).first()
    if petition is None:  # moved on meanwhile: the next notice tells of the new state
        return None
    page = list(
        _active(petition_id).exclude(told_state=state).select_for_update(skip_locked=True).order_by("pk")[:BATCH]
    )
    if not page:
        return None
    PetitionFollower.objects.filter(pk__in=[f.pk for f in page]).update(told_state=state)
    messages = []
    for follower in page:
        notice = _notice(follower, petition)
        messages.append(
            Outgoing(notice.channel, notice.address, notice.text, notice.subject, f"follower:{follower.pk}")
        )
    return messages


def send_confirmation(follower_id: int) -> str:
    """Run by the notification worker: the confirmation link, or the link to stop."""
    follower = (
        PetitionFollower.objects.select_related("petition__deputy", "petition__district").filter(pk=follower_id).first()
    )
    if follower is None:
        return "nothing"
    deliver(_confirmation(follower))
    return "sent"


def _confirmation(follower: PetitionFollower) -> Message:
    with translation.override(follower.language):
        values = {"service": _("Deputy recall petitions"), "petition": petition_short(follower.petition)}
        if follower.confirmed_at and not follower.stopped_at:
            values["link"] = _link("recall:follow_stop", follower.token, follower.language)
            text = _("%(service)s: this address already follows %(petition)s. To stop: %(link)s")
            subject = _("You follow recall petition No. %(id)s") % {"id": follower.petition_id}
        else:
            values["link"] = _link("recall:follow_confirm", follower.token, follower.language)
            text = _(
                "%(service)s: to be told when %(petition)s changes state, confirm here: %(link)s "
                "If you did not ask for this, ignore this message."
            )
            subject = _("Confirm that you follow recall petition No. %(id)s") % {"id": follower.petition_id}
        return Message(follower.channel, follower.contact["address"], subject, text % values)


def _notice(follower: PetitionFollower, petition: Petition) -> Message:
    with translation.override(follower.language):
        values = {
            "service": _("Deputy recall petitions"),
            "petition": petition_short(petition),
            "state": PetitionState(petition.state).label,
            "page": settings.SITE_URL + reverse("recall:petition", args=[petition.pk]),
            "stop": _link("recall:follow_stop", follower.token, follower.language),
        }
        text = _("%(service)s: %(petition)s is now: %(state)s. %(page)s To stop these messages: %(stop)s") % values
        subject = _("Recall petition No. %(id)s: %(state)s") % {"id": petition.pk, "state": values["state"]}
        return Message(follower.channel, follower.contact["address"], subject, text)


def deliver(message: Message) -> None:
    """The one place a follower's message leaves: by text message or by e-mail."""
    if message.channel == FollowChannel.SMS:
        sms.send(message.address, message.text)
    else:
        send_mail(message.subject, message.text, None, [message.address])
