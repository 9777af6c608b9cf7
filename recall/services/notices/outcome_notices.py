"""The signers who asked, on signing, to hear how the petition ends are texted its outcome: the
deputy's answer, the threshold reached, the certification of the signatures and the recall
vote's result, each once. The request is kept with the signature (recall.models.OutcomeSubscription),
the number in the signature's encrypted data; a withdrawal cancels it. Announced in the notice
outbox with the change (recall.services.notices.outbox), whose workers write the texts page by
page and send them. See docs/domain.md."""

from __future__ import annotations

import logging

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ...models import OutcomeEvent, OutcomeSubscription, Petition, PetitionState, Signature, SignatureState
from . import outbox
from .outbox import Outgoing

logger = logging.getLogger(__name__)

# The petition's states that are an outcome a signer is told of.
EVENT_OF_STATE = {
    PetitionState.THRESHOLD_REACHED: OutcomeEvent.THRESHOLD,
    PetitionState.SUFFICIENT: OutcomeEvent.CERTIFIED,
    PetitionState.INSUFFICIENT: OutcomeEvent.CERTIFIED,
    PetitionState.RECALLED: OutcomeEvent.VOTE,
    PetitionState.RETAINED: OutcomeEvent.VOTE,
}
BATCH = 500


def subscribe(signature: Signature, language: str) -> None:
    """Keep the signer's request (idempotent: one per signature)."""
    OutcomeSubscription.objects.get_or_create(
        signature_id=signature.pk, defaults={"petition_id": signature.petition_id, "language": language}
    )


def subscribed(signature: Signature) -> bool:
    """The signer asked to be texted the outcome (the receipt page says so)."""
    return OutcomeSubscription.objects.filter(signature=signature).exists()


def cancel(signature_id: int) -> None:
    OutcomeSubscription.objects.filter(signature_id=signature_id).delete()


def after_event(petition_id: int, event: str) -> None:
    """Announce the texts in the transaction of the event, if anyone asked for them."""
    if event not in OutcomeEvent.values:
        raise ValueError(f"unknown outcome event {event!r}")
    if OutcomeSubscription.objects.filter(petition_id=petition_id).exists():
        outbox.announce("outcome", petition_id, str(event), petition_id=petition_id)


def after_state_change(petition_id: int, to_state: str) -> None:
    event = EVENT_OF_STATE.get(to_state)
    if event is not None:
        after_event(petition_id, event)


def message(petition: Petition, event: str) -> str:
    values = {
        "service": _("Deputy recall petitions"),
        "id": petition.pk,
        "deputy": petition.deputy.full_name,
        "deputy_of": petition.deputy.name_as_object,  # "the recall vote on": the genitive in Russian
        "valid": petition.valid_count,
        "required": petition.required_signatures,
        "state": PetitionState(petition.state).label,
    }
    if event == OutcomeEvent.ANSWER:
        text = _("%(service)s: %(deputy)s has answered recall petition No. %(id)s. Read the answer on its page.")
    elif event == OutcomeEvent.THRESHOLD:
        text = _(
            "%(service)s: recall petition No. %(id)s (%(deputy)s) has reached the threshold: %(valid)s valid "
            "signatures of %(required)s required."
        )
    elif event == OutcomeEvent.CERTIFIED:
        text = _("%(service)s: the signatures of recall petition No. %(id)s (%(deputy)s) are certified: %(state)s.")
    else:
        text = _("%(service)s: the recall vote on %(deputy_of)s (petition No. %(id)s) is decided: %(state)s.")
    return text % values


def next_messages(petition_id: int, event: str) -> list[Outgoing] | None:
    """The next page of texts (the outbox's composer, in its transaction): each subscriber's
    ``<event>_sent_at`` is claimed with the text written, so whatever runs again tells nobody
    twice. A withdrawn signature's subscriber is skipped (its request was deleted on
    withdrawal; this guards the race); one without a number is claimed and skipped. None once
    every subscriber is claimed."""
    if event not in OutcomeEvent.values:
        raise ValueError(f"unknown outcome event {event!r}")
    petition = Petition.objects.select_related("deputy", "district").get(pk=petition_id)
    column = f"{event}_sent_at"
    rows = list(
        OutcomeSubscription.objects.filter(petition_id=petition_id, **{f"{column}__isnull": True})
        .select_related("signature")
        .select_for_update(of=("self",), skip_locked=True)
        .order_by("signature_id")[:BATCH]
    )
    if not rows:
        return None
    OutcomeSubscription.objects.filter(signature_id__in=[r.signature_id for r in rows]).update(
        **{column: timezone.now()}
    )
    messages = []
    for row in rows:
        phone = (row.signature.personal or {}).get("phone", "")
        if row.signature.state == SignatureState.WITHDRAWN or not phone:
            continue
        with translation.override(row.language):
            messages.append(Outgoing("sms", phone, message(petition, event), recipient=f"signature:{row.signature_id}"))
    logger.info("outcome notices %s for petition %s: %s texts written", event, petition_id, len(messages))
    return messages
