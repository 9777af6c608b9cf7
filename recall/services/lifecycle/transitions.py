"""The petition state machine: every transition declared once, and the one writer of
``Petition.state``.

``TRANSITIONS`` names each step, the states it leaves, the states it may reach, who may take
it and whether it needs a reason. ``move`` is the only code that changes a petition's state:
a conditional ``UPDATE ... WHERE state = <the state the caller saw>`` that acts when exactly
one row changed, so two officials, two workers or a worker and an official never apply the
same step twice. It records the change (from, to, who, why), writes the audit entry and the
webhook outbox rows in the same transaction, appends the ``state`` entry to the public ledger
and signs a checkpoint (recall.services.ledger.log), and stamps the step's timestamp column.

The admin's buttons, its bulk actions and the API's ``next_steps`` are all derived from this
table (``available``), so nothing can offer a step the lifecycle would refuse.
See docs/domain.md, "The petition's life".
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User

from ... import jurisdiction, task_names
from ...calendar import local_date
from ...errors import IllegalTransition, InvalidInput
from ...models import (
    OPEN_STATES,
    GroupDraft,
    Petition,
    PetitionState,
    PetitionTransition,
    WebhookEvent,
    policy_for,
)
from .. import audit, ledger, queue
from ..notices import outcome_notices, webhooks
from ..public import public_cache
from . import deadlines

S = PetitionState


class By(enum.StrEnum):
    """The people who may take a step. The system (beat, the verification workers, management
    commands: ``actor=None``) may take any step whose rules it checks itself; a step nobody
    may take by hand (``by`` empty) is the system's alone."""

    OFFICIAL = "official"


@dataclass(frozen=True)
class Transition:
    name: str
    label: Promise
    sources: tuple[PetitionState, ...]
    targets: tuple[PetitionState, ...]
    by: frozenset[By] = frozenset()
    reason_required: bool = False
    # The Petition column set to the time of the step.
    stamp: str = ""
    # Extra input the step asks an official for (the admin's confirmation form shows it).
    asks: tuple[str, ...] = ()
    # False: taken through its own form (the recall vote's result), not as a plain step.
    offered: bool = True
    # The deadline (recall.services.lifecycle.deadlines) this step decides: taken after the petition's
    # due date, it is audited as late.
    decides: str = ""
    # The deadline this step starts: its due date is set from the day of the step.
    starts: str = ""

    def allows(self, state: str) -> bool:
        return state in self.sources


OFFICIAL = frozenset({By.OFFICIAL})

_TABLE = (
    Transition(
        "register",
        gettext_lazy("Register the application"),
        (S.APPLIED,),
        (S.REGISTERED,),
        OFFICIAL,
        stamp="registered_at",
        asks=("window_start",),
        decides="registration",
    ),
    Transition(
        "refuse",
        gettext_lazy("Refuse the application"),
        (S.APPLIED,),
        (S.REFUSED,),
        OFFICIAL,
        reason_required=True,
        decides="registration",
    ),
    Transition(
        "withdraw",
        gettext_lazy("Record withdrawal by the initiators"),
        (S.APPLIED, S.REGISTERED, S.COLLECTING, S.THRESHOLD_REACHED),
        (S.WITHDRAWN,),
        OFFICIAL,
        reason_required=True,
    ),
    Transition("open_window", gettext_lazy("Open the collection window"), (S.REGISTERED,), (S.COLLECTING,)),
    Transition(
        "reach_threshold",
        gettext_lazy("Valid signatures reached the requirement"),
        (S.COLLECTING,),
        (S.THRESHOLD_REACHED,),
        stamp="threshold_reached_at",
    ),
    Transition("expire", gettext_lazy("The window ended short of the threshold"), (S.COLLECTING,), (S.EXPIRED,)),
    Transition(
        "submit",
        gettext_lazy("Record submission of the signatures"),
        (S.THRESHOLD_REACHED,),
        (S.SUBMITTED,),
        OFFICIAL,
        stamp="submitted_at",
        starts="verification",
    ),
    Transition("start_verification", gettext_lazy("Start verification"), (S.SUBMITTED,), (S.VERIFYING,), OFFICIAL),
    Transition(
        "certify",
        gettext_lazy("Certify the result of verification"),
        (S.VERIFYING,),
        (S.SUFFICIENT, S.INSUFFICIENT),
        OFFICIAL,
        stamp="certified_at",
        decides="verification",
    ),
    Transition("schedule_vote", gettext_lazy("Call the recall vote"), (S.SUFFICIENT,), (S.RECALL_VOTE,), OFFICIAL),
    Transition(
        "record_vote",
        gettext_lazy("Enter the result of the recall vote"),
        (S.RECALL_VOTE,),
        (S.RECALLED, S.RETAINED),
        OFFICIAL,
        offered=False,
    ),
    Transition(
        "end_mandate",
        gettext_lazy("Record that the mandate ended otherwise"),
        tuple(OPEN_STATES),
        (S.MANDATE_ENDED,),
        OFFICIAL,
        reason_required=True,
    ),
)
TRANSITIONS: dict[str, Transition] = {t.name: t for t in _TABLE}


def available(state: str, *, by: By = By.OFFICIAL, offered_only: bool = False) -> list[Transition]:
    """The steps ``by`` may take from ``state``, in the table's order."""
    return [t for t in _TABLE if t.allows(state) and by in t.by and (t.offered or not offered_only)]


def reachable_from(state: str) -> set[str]:
    return {target for t in _TABLE if t.allows(state) for target in t.targets}


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
        public_cache.changed(petition.pk)
        # A group that formed on the web is told of every change (recall.services.groups.group_notices);
        # only such groups have members' phones, so no task is queued for the others.
        if GroupDraft.objects.filter(petition_id=petition.pk).exists():
            queue.after_commit(task_names.SEND_GROUP_NOTICE, petition.pk, transition.pk)
        # The deputy is told of the registration (and, in apply(), of the application).
        if target == S.REGISTERED and User.objects.filter(deputy_id=petition.deputy_id).exists():
            queue.after_commit(task_names.SEND_DEPUTY_NOTICE, petition.pk, target)
        # Signers who asked to hear the outcome (recall.services.notices.outcome_notices).
        outcome_notices.after_state_change(petition.pk, target)
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
