"""The one writer of ``Petition.state``: ``move`` takes a step of ``recall.states.TRANSITIONS``
(the table of every step, the states it leaves and reaches, who may take it, whether it needs
a reason). ``move`` is a conditional ``UPDATE ... WHERE state = <the state the caller saw>``
that acts when exactly one row changed, so two officials, two workers or a worker and an
official never apply the same step twice. It records the change (from, to, who, why), writes
the audit entry and the webhook outbox rows in the same transaction, appends the ``state``
entry to the public ledger and signs a checkpoint (recall.services.ledger.log), and stamps the
step's timestamp column.

The admin's buttons, its bulk actions and the API's ``next_steps`` are all derived from the
table (``recall.states.available``), so nothing can offer a step the lifecycle would refuse.
See docs/domain.md, "The petition's life".
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User

from ... import jurisdiction
from ...calendar import local_date
from ...errors import IllegalTransition, InvalidInput
from ...models import (
    GroupDraft,
    Petition,
    PetitionState,
    PetitionTransition,
    WebhookEvent,
    policy_for,
)
from ...states import TRANSITIONS, By
from .. import audit, ledger
from ..notices import follow, outbox, outcome_notices, webhooks
from ..public import public_cache
from . import deadlines


def require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Give the reason for this decision."), field="reason", code="reason_required")
    return reason


def _state_label(state: str) -> str:
    return str(PetitionState(state).label)


def move(
    petition: Petition,
    name: str,
    *,
    actor: Any | None,
    to: PetitionState | None = None,
    reason: str = "",
    system_label: str = audit.SYSTEM,
    updates: dict[str, Any] | None = None,
    where: Q | None = None,
) -> Petition:
    """Take step ``name`` from the state ``petition`` was read in. ``actor`` None is the
    system. ``where`` adds a condition the row must still meet (the threshold crossing's
    count). Raises IllegalTransition when the step is not allowed or the row changed."""
    step = TRANSITIONS[name]
    target = to or step.targets[0]
    if target not in step.targets:
        raise ValueError(f"{name} cannot lead to {target}")
    from_state = petition.state
    if not step.allows(from_state):
        raise IllegalTransition(
            _("A petition cannot go from “%(from)s” to “%(to)s”.")
            % {"from": _state_label(from_state), "to": _state_label(target)}
        )
    if actor is not None and By.OFFICIAL not in step.by:
        raise IllegalTransition(_("This step is taken by the system, not by an official."))
    if step.reason_required:
        reason = require_reason(reason)
    jurisdiction.authorize(actor, petition.district_id)
    now = timezone.now()
    values = {"state": target, "updated_at": now, **(updates or {})}
    if step.stamp:
        values[step.stamp] = now
    if step.starts:
        deadline = deadlines.BY_KIND[step.starts]
        values[deadline.field] = deadlines.due_date(policy_for(petition.district.level), deadline.kind, local_date(now))
    lateness: dict[str, Any] = {}
    if step.decides:
        due = getattr(petition, deadlines.BY_KIND[step.decides].field)
        if due is not None:
            lateness = {"due": due.isoformat(), "late": local_date(now) > due}
    condition = Q(pk=petition.pk, state=from_state) & (where or Q())
    with transaction.atomic():
        if Petition.objects.filter(condition).update(**values) != 1:
            raise IllegalTransition(_("The petition was changed meanwhile; reload it and try again."))
        transition = PetitionTransition.objects.create(
            petition_id=petition.pk,
            from_state=from_state,
            to_state=target,
            reason=reason,
            **audit.actor_fields(actor, system_label),
        )
        audit.record(
            "petition.state_changed",
            actor=actor,
            system_label=system_label,
            petition_id=petition.pk,
            reason=reason,
            step=name,
            from_state=from_state,
            to_state=target,
            **lateness,
        )
        # The public ledger: the state entry, and a checkpoint of exactly this size (the
        # sample's population is the checkpoint taken at submission).
        ledger.append_state(petition.pk, from_state, target, now)
        ledger.sign_checkpoint(petition.pk)
        petition.refresh_from_db()
        webhooks.enqueue_event(WebhookEvent.STATE_CHANGED, petition, previous_state=from_state)
        public_cache.changed(petition.pk, content=True)
        # A group that formed on the web is told of every change (recall.services.groups.group_notices);
        # only such groups have members' phones, so no notice is written for the others.
        if GroupDraft.objects.filter(petition_id=petition.pk).exists():
            outbox.announce("group_state", petition.pk, transition.pk, petition_id=petition.pk)
        # The deputy is told of the registration (and, in apply(), of the application).
        if target == PetitionState.REGISTERED and User.objects.filter(deputy_id=petition.deputy_id).exists():
            outbox.announce("deputy", petition.pk, target, petition_id=petition.pk)
        # Signers who asked to hear the outcome (recall.services.notices.outcome_notices).
        outcome_notices.after_state_change(petition.pk, target)
        # Anyone who follows the petition (recall.services.notices.follow).
        follow.after_state_change(petition.pk, target)
    return petition


def move_each(petitions: Iterable[Petition], name: str, **kwargs: Any) -> list[Petition]:
    """Take the step for each petition that still allows it (beat's window jobs): a petition
    another run moved first is skipped, not an error."""
    moved = []
    for petition in petitions:
        try:
            moved.append(move(petition, name, **kwargs))
        except IllegalTransition:
            continue
    return moved
