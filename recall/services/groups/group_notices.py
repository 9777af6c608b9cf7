"""What the initiative group is told, by text message to each member and by e-mail to the
group's address: every change of its petition's state (with the commission's reason for a
refusal), each milestone, and the deputy's answer. Written to the notice outbox with the change
(recall.services.notices.outbox) and sent by the notification workers; only groups that formed
on the web have members' phones. See docs/domain.md."""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from ...models import DeputyAnswer, GroupDraft, PetitionState, PetitionTransition
from ..notices.outbox import Outgoing

logger = logging.getLogger(__name__)


def _draft(petition_id: int) -> GroupDraft | None:
    return GroupDraft.objects.select_related("petition__deputy").filter(petition_id=petition_id).first()


def tell_group(draft: GroupDraft, text: str, *, email: bool = True) -> list[Outgoing]:
    """``text`` to every member by text message (and by e-mail to the group's address)."""
    messages = []
    for member in draft.members.all():
        phone = (member.contact or {}).get("phone")
        if phone:
            messages.append(Outgoing("sms", phone, text, recipient=f"member:{member.pk}"))
    if email and draft.contact_email:
        subject = _("Recall petition No. %(id)s") % {"id": draft.petition_id}
        messages.append(
            Outgoing(
                "email", draft.contact_email, f"{text}\n\n{settings.SITE_URL}/group/\n", subject, recipient="group"
            )
        )
    return messages


def state_message(transition: PetitionTransition) -> str:
    petition = transition.petition
    values = {"id": petition.pk, "deputy": petition.deputy.full_name, "reason": transition.reason}
    state = transition.to_state
    if state == PetitionState.APPLIED:
        return _("Recall petition No. %(id)s: the application has reached the commission.") % values
    if state == PetitionState.REFUSED:
        return _("Recall petition No. %(id)s: the commission refused to register it. Reason: %(reason)s") % values
    if state == PetitionState.REGISTERED:
        return _("Recall petition No. %(id)s is registered; collection opens at the window's start.") % values
    if state == PetitionState.COLLECTING:
        return _("Recall petition No. %(id)s: the collection window is open.") % values
    if state == PetitionState.THRESHOLD_REACHED:
        return _("Recall petition No. %(id)s has reached the required number of valid signatures.") % values
    values["state"] = PetitionState(state).label
    text = _("Recall petition No. %(id)s (%(deputy)s): %(state)s.") % values
    if transition.reason:
        text += " " + _("Reason: %(reason)s") % values
    return text


def state_messages(petition_id: int, transition_id: int) -> list[Outgoing]:
    draft = _draft(petition_id)
    transition = PetitionTransition.objects.select_related("petition__deputy").filter(pk=transition_id).first()
    if draft is None or transition is None:
        return []
    with translation.override(draft.language):
        # The threshold already has its own e-mail to the group's address (recall.services.notices.progress).
        return tell_group(
            draft, state_message(transition), email=transition.to_state != PetitionState.THRESHOLD_REACHED
        )


def milestone(petition_id: int, percent: int) -> list[Outgoing]:
    draft = _draft(petition_id)
    if draft is None:
        return []
    with translation.override(draft.language):
        text = _("Recall petition No. %(id)s: %(percent)s%% of the required signatures are valid.") % {
            "id": petition_id,
            "percent": percent,
        }
        # The milestone e-mail to the group's address is sent by recall.services.notices.progress.
        return tell_group(draft, text, email=False)


def answer_messages(petition_id: int, answer_id: int) -> list[Outgoing]:
    """The deputy published (a new version of) an answer to the group's petition."""
    draft = _draft(petition_id)
    answer = DeputyAnswer.objects.filter(pk=answer_id, petition_id=petition_id).first()
    if draft is None or answer is None:
        return []
    with translation.override(draft.language):
        deputy = draft.petition.deputy
        values = {
            "id": petition_id,
            "deputy": deputy.full_name,
            "deputy_of": deputy.name_as_object,
            "version": answer.version,
        }
        if answer.on_behalf:
            text = _(
                "Recall petition No. %(id)s: the commission published the answer of %(deputy_of)s on the deputy's "
                "behalf (version %(version)s)."
            )
        else:
            text = _("Recall petition No. %(id)s: %(deputy)s published an answer (version %(version)s).")
        return tell_group(draft, text % values)
