"""The signers who asked, on signing, to hear how the petition ends are texted its outcome: the
deputy's answer, the threshold reached, the certification of the signatures and the recall
vote's result, each once. The request is kept with the signature (recall.models.OutcomeSubscription),
the number in the signature's encrypted data; a withdrawal cancels it. Run by the notification
workers after commit (recall.tasks.send_outcome_notices). See docs/domain.md."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ... import task_names
from ...models import OutcomeEvent, OutcomeSubscription, Petition, PetitionState, Signature, SignatureState
from ...notifications import sms
from .. import queue

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
    """Queue the texts after commit, if anyone asked for them."""
    if OutcomeSubscription.objects.filter(petition_id=petition_id).exists():
        queue.after_commit(task_names.SEND_OUTCOME_NOTICES, petition_id, str(event))


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


def send(petition_id: int, event: str) -> int:
    """Text every subscriber not yet told of ``event``: each one's column is claimed first, so
    a retried or repeated run texts nobody twice. A withdrawn signature's subscriber is skipped
    (its request was deleted on withdrawal; this guards the race)."""
    if event not in OutcomeEvent.values:
        raise ValueError(f"unknown outcome event {event!r}")
    petition = Petition.objects.select_related("deputy", "district").get(pk=petition_id)
    column = f"{event}_sent_at"
    pending = OutcomeSubscription.objects.filter(petition_id=petition_id, **{f"{column}__isnull": True})
    sent = 0
    last = None
    while True:
        page = pending.order_by("signature_id")
        if last is not None:
            page = page.filter(signature_id__gt=last)
        rows = list(page.select_related("signature")[:BATCH])
        if not rows:
            break
        for row in rows:
            last = row.signature_id
            if row.signature.state == SignatureState.WITHDRAWN:
                continue
            phone = (row.signature.personal or {}).get("phone", "")
            if not phone:
                continue
            with transaction.atomic():
                claimed = OutcomeSubscription.objects.filter(
                    signature_id=row.signature_id, **{f"{column}__isnull": True}
                ).update(**{column: timezone.now()})
            if not claimed:
                continue
            with translation.override(row.language):
                sms.send(phone, message(petition, event))
            sent += 1
    logger.info("outcome notices %s for petition %s: %s texts", event, petition_id, sent)
    return sent
