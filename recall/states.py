"""The two state machines of the domain, as tables: what may follow what, and who may take
each step. Pure data and lookups, with no writes, so that readers (``recall.selectors``, the
admin, the API's ``next_steps``) need not import a service.

- ``TRANSITIONS``: every step of a petition (its one writer is
  ``recall.services.lifecycle.transitions.move``);
- ``SIGNATURE_MOVES``: every change of a signature's state (its one writer is
  ``recall.services.verification.moves``, which the verification batch's set-based UPDATE
  takes its SQL from).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from .models import OPEN_STATES, WITHDRAWABLE_STATES, PetitionState, SignatureState


class By(enum.StrEnum):
    """The people who may take a step. The system (beat, the verification workers, management
    commands: ``actor=None``) may take any step whose rules it checks itself; a step nobody
    may take by hand (``by`` empty) is the system's alone."""

    OFFICIAL = "official"
    # The signer withdrawing their own signature: confirmed by a code to the number on record,
    # by their EDS key, or through the partner that collected it.
    SIGNER = "signer"


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


# --- Signatures ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignatureMove:
    """A change of a signature's state: from ``sources`` to one of ``targets``, made by ``by``
    (empty: the system's alone, the verification workers). ``reason_required``: the official
    writes why (an earlier decision is overturned)."""

    name: str
    sources: tuple[SignatureState, ...]
    targets: tuple[SignatureState, ...]
    by: frozenset[By] = frozenset()
    reason_required: bool = False

    def allows(self, state: str) -> bool:
        return state in self.sources


SIGNER = frozenset({By.SIGNER})
_SIGNATURE_TABLE = (
    # An EDS signature held for its certificate's revocation status: the worker asks again and
    # passes it on to verification, or refuses it (revoked, or no longer valid).
    SignatureMove("revocation_known", (SignatureState.REVOCATION_PENDING,), (SignatureState.RECEIVED,)),
    SignatureMove("revocation_refused", (SignatureState.REVOCATION_PENDING,), (SignatureState.INVALID,)),
    # The workers judge a received signature against the register (set-based, in batches).
    SignatureMove(
        "verify",
        (SignatureState.RECEIVED,),
        (SignatureState.VALID, SignatureState.INVALID, SignatureState.REVIEW),
    ),
    # An official decides what the machine left to them.
    SignatureMove("decide", (SignatureState.REVIEW,), (SignatureState.VALID, SignatureState.INVALID), OFFICIAL),
    # An official overturns an earlier decision (their own, another's or the machine's).
    SignatureMove("invalidate", (SignatureState.VALID,), (SignatureState.INVALID,), OFFICIAL, reason_required=True),
    SignatureMove("reinstate", (SignatureState.INVALID,), (SignatureState.VALID,), OFFICIAL, reason_required=True),
    # Every signature a set of criteria selects, with one ground (a job with a preview count).
    SignatureMove(
        "bulk_invalidate",
        (SignatureState.VALID, SignatureState.REVIEW),
        (SignatureState.INVALID,),
        OFFICIAL,
        reason_required=True,
    ),
    # The signer, while the window is open.
    SignatureMove("withdraw", tuple(WITHDRAWABLE_STATES), (SignatureState.WITHDRAWN,), SIGNER),
    # A repeat made with a code on the web is invalid (a duplicate), and its signer withdraws it
    # like a first: they must not learn from the answer that the IIN had signed before. The
    # service checks that the signature is such a repeat.
    SignatureMove("withdraw_repeat", (SignatureState.INVALID,), (SignatureState.WITHDRAWN,), SIGNER),
)
SIGNATURE_MOVES: dict[str, SignatureMove] = {m.name: m for m in _SIGNATURE_TABLE}


def signature_move(old: str, new: str, *, by: By, among: tuple[str, ...] | None = None) -> SignatureMove | None:
    """The first move (in the table's order, of ``among`` if given) that ``by`` may make from
    ``old`` to ``new``; None when there is none."""
    for move in _SIGNATURE_TABLE:
        if (among is None or move.name in among) and by in move.by and move.allows(old) and new in move.targets:
            return move
    return None
