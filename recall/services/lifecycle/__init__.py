"""The petition's lifecycle, by concern:

- ``transitions``: the table of every step and ``move``, the one writer of ``Petition.state``;
- ``applications``: applying, registering, refusing, the initiators' withdrawal;
- ``windows``: beat opening and closing collection windows;
- ``thresholds``: the threshold and milestones, after the workers change counts;
- ``certification``: submission, verification and certification;
- ``outcome``: the recall vote, and a mandate that ends otherwise;
- ``deadlines``: the commission's deadlines on working days, and their reminders.

Callers use the names re-exported here. See docs/domain.md, "The petition's life".
"""

from ...states import TRANSITIONS, By, Transition, available, reachable_from, vote_outcome
from .applications import (
    EDITABLE_WHILE_APPLIED,
    GROUNDS_LANGUAGES,
    apply,
    check_application,
    refuse,
    register,
    registration_problems,
    required_signatures,
    update_details,
    withdraw,
)
from .certification import certification_result, certify, start_verification, submit
from .outcome import end_mandate, record_recall_vote, schedule_recall_vote
from .thresholds import after_counts_changed
from .transitions import move
from .windows import close_due_windows, could_still_reach, open_due_windows

# The service that takes each step an official may take from the admin or the API.
STEP_SERVICES = {
    "register": register,
    "refuse": refuse,
    "withdraw": withdraw,
    "submit": submit,
    "start_verification": start_verification,
    "certify": certify,
    "schedule_vote": schedule_recall_vote,
    "record_vote": record_recall_vote,
    "end_mandate": end_mandate,
}

__all__ = [
    "EDITABLE_WHILE_APPLIED",
    "GROUNDS_LANGUAGES",
    "STEP_SERVICES",
    "TRANSITIONS",
    "By",
    "Transition",
    "after_counts_changed",
    "apply",
    "available",
    "certification_result",
    "certify",
    "check_application",
    "close_due_windows",
    "could_still_reach",
    "end_mandate",
    "move",
    "open_due_windows",
    "reachable_from",
    "record_recall_vote",
    "refuse",
    "register",
    "registration_problems",
    "required_signatures",
    "schedule_recall_vote",
    "start_verification",
    "submit",
    "update_details",
    "vote_outcome",
    "withdraw",
]
