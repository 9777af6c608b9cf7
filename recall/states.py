"""The two state machines of the domain, as tables: what may follow what, and who may take
each step. Pure data and lookups, with no writes, so that readers (``recall.selectors``, the
admin, the API's ``next_steps``) need not import a service.

- ``TRANSITIONS``: every step of a petition (its one writer is
  ``recall.services.lifecycle.transitions.move``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from .models import OPEN_STATES, PetitionState


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
        (PetitionState.APPLIED,),
        (PetitionState.REGISTERED,),
        OFFICIAL,
        stamp="registered_at",
        asks=("window_start",),
        decides="registration",
    ),
    Transition(
        "refuse",
        gettext_lazy("Refuse the application"),
        (PetitionState.APPLIED,),
        (PetitionState.REFUSED,),
        OFFICIAL,
        reason_required=True,
        decides="registration",
    ),
    Transition(
        "withdraw",
        gettext_lazy("Record withdrawal by the initiators"),
        (PetitionState.APPLIED, PetitionState.REGISTERED, PetitionState.COLLECTING, PetitionState.THRESHOLD_REACHED),
        (PetitionState.WITHDRAWN,),
        OFFICIAL,
        reason_required=True,
    ),
    Transition(
        "open_window",
        gettext_lazy("Open the collection window"),
        (PetitionState.REGISTERED,),
        (PetitionState.COLLECTING,),
    ),
    Transition(
        "reach_threshold",
        gettext_lazy("Valid signatures reached the requirement"),
        (PetitionState.COLLECTING,),
        (PetitionState.THRESHOLD_REACHED,),
        stamp="threshold_reached_at",
    ),
    Transition(
        "expire",
        gettext_lazy("The window ended short of the threshold"),
        (PetitionState.COLLECTING,),
        (PetitionState.EXPIRED,),
    ),
    Transition(
        "submit",
        gettext_lazy("Record submission of the signatures"),
        (PetitionState.THRESHOLD_REACHED,),
        (PetitionState.SUBMITTED,),
        OFFICIAL,
        stamp="submitted_at",
        starts="verification",
    ),
    Transition(
        "start_verification",
        gettext_lazy("Start verification"),
        (PetitionState.SUBMITTED,),
        (PetitionState.VERIFYING,),
        OFFICIAL,
    ),
    Transition(
        "certify",
        gettext_lazy("Certify the result of verification"),
        (PetitionState.VERIFYING,),
        (PetitionState.SUFFICIENT, PetitionState.INSUFFICIENT),
        OFFICIAL,
        stamp="certified_at",
        decides="verification",
    ),
    Transition(
        "schedule_vote",
        gettext_lazy("Call the recall vote"),
        (PetitionState.SUFFICIENT,),
        (PetitionState.RECALL_VOTE,),
        OFFICIAL,
    ),
    Transition(
        "record_vote",
        gettext_lazy("Enter the result of the recall vote"),
        (PetitionState.RECALL_VOTE,),
        (PetitionState.RECALLED, PetitionState.RETAINED),
        OFFICIAL,
        offered=False,
    ),
    Transition(
        "end_mandate",
        gettext_lazy("Record that the mandate ended otherwise"),
        tuple(OPEN_STATES),
        (PetitionState.MANDATE_ENDED,),
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


def vote_outcome(*, registered_voters: int, ballots_cast: int, votes_for: int) -> PetitionState:
    """Art. 113-16: valid if at least a third of registered voters took part; recalled if more
    than half of those who took part voted for the recall. Integer arithmetic, no rounding."""
    valid = ballots_cast * 3 >= registered_voters
    return PetitionState.RECALLED if valid and votes_for * 2 > ballots_cast else PetitionState.RETAINED
