"""The petition's lifecycle. Every change of state goes through ``_move``: a conditional UPDATE
that acts only when the petition is still in the state the caller saw, so two officials (or
two workers) can never apply the same step twice.

applied -> registered -> collecting -> threshold_reached -> submitted -> verifying
        -> sufficient -> recall_vote -> recalled | retained
side exits: refused, withdrawn, expired, insufficient, mandate_ended.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import iin as iin_module
from ..calendar import add_months, local_date, local_midnight
from ..constraints import violated
from ..crypto import iin_digest
from ..errors import IllegalTransition, InvalidInput, OutsideJurisdiction, PolicyViolation
from ..models import (
    OPEN_STATES,
    Deputy,
    DeputyStatus,
    InitiativeMember,
    Mandate,
    Petition,
    PetitionState,
    PetitionTransition,
    RecallVote,
    SampleOutcome,
    SampleRun,
    Signature,
    SignatureState,
    Voter,
    VoterStatus,
    WebhookEvent,
    policy_for,
)
from . import audit, queue, webhooks

S = PetitionState
# Outcomes after which the same deputy cannot face a new attempt for the policy's cooldown.
FAILED_ATTEMPT_STATES = (S.EXPIRED, S.INSUFFICIENT, S.RETAINED)


def authorize(actor: Any | None, district_id: int) -> None:
    """Officials act only inside their jurisdiction; observers never act. None is the system."""
    if actor is None:
        return
    if not actor.can_act:
        raise OutsideJurisdiction(_("Your account may look at records but not change them."))
    if not actor.covers_district(district_id):
        raise OutsideJurisdiction()


def _state_label(state: str) -> str:
    return str(PetitionState(state).label)


def _move(
    petition: Petition,
    to_state: PetitionState,
    *,
    allowed_from: Iterable[str],
    actor: Any | None,
    reason: str = "",
    system_label: str = audit.SYSTEM,
    updates: dict[str, Any] | None = None,
) -> Petition:
    from_state = petition.state
    if from_state not in set(allowed_from):
        raise IllegalTransition(
            _("A petition cannot go from “%(from)s” to “%(to)s”.")
            % {"from": _state_label(from_state), "to": _state_label(to_state)}
        )
    authorize(actor, petition.district_id)
    with transaction.atomic():
        changed = Petition.objects.filter(pk=petition.pk, state=from_state).update(
            state=to_state, updated_at=timezone.now(), **(updates or {})
        )
        if changed != 1:
            raise IllegalTransition(_("The petition was changed meanwhile; reload it and try again."))
        record_transition(petition.pk, from_state, to_state, actor=actor, reason=reason, system_label=system_label)
        petition.refresh_from_db()
        webhooks.enqueue_event(WebhookEvent.STATE_CHANGED, petition, previous_state=from_state)
    return petition


def record_transition(
    petition_id: int,
    from_state: str,
    to_state: str,
    *,
    actor: Any | None,
    reason: str = "",
    system_label: str = audit.SYSTEM,
) -> None:
    PetitionTransition.objects.create(
        petition_id=petition_id,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        **audit.actor_fields(actor, system_label),
    )
    audit.record(
        "petition.state_changed",
        actor=actor,
        system_label=system_label,
        petition_id=petition_id,
        reason=reason,
        from_state=from_state,
        to_state=to_state,
    )


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Give the reason for this decision."), field="reason", code="reason_required")
    return reason


def required_signatures(registered_voters: int, threshold_percent: Decimal) -> int:
    """The threshold is a percentage of the district's registered voters, rounded up."""
    return math.ceil(Decimal(registered_voters) * Decimal(threshold_percent) / 100)


# --- Application and registration -------------------------------------------------------------


def apply(
    *,
    deputy: Deputy,
    grounds_category: str,
    grounds_text: str,
    initiative_iins: Iterable[str],
    contact_email: str = "",
    actor: Any | None,
    applied_at: dt.datetime | None = None,
) -> Petition:
    """Record an initiative group's application (the commission then registers or refuses it)."""
    authorize(actor, deputy.district_id)
    members = check_application(deputy=deputy, initiative_iins=initiative_iins)
    policy = policy_for(deputy.level)
    applied_at = applied_at or timezone.now()
    try:
        with transaction.atomic():
            petition = Petition.objects.create(
                deputy=deputy,
                district_id=deputy.district_id,
                grounds_category=grounds_category,
                grounds_text=grounds_text.strip(),
                contact_email=contact_email,
                applied_at=applied_at,
                registration_due=local_date(applied_at) + dt.timedelta(days=policy.registration_days),
            )
            InitiativeMember.objects.bulk_create(
                InitiativeMember(petition=petition, voter=voter, is_leader=(i == 0)) for i, voter in enumerate(members)
            )
            audit.record("petition.applied", actor=actor, petition_id=petition.pk, obj=petition, members=len(members))
    except IntegrityError as exc:
        if violated(exc, Petition, "one_open_petition_per_deputy"):
            raise PolicyViolation(
                _("This deputy already faces an open recall petition."), field="deputy", code="open_petition_exists"
            ) from exc
        raise
    return petition


def check_application(*, deputy: Deputy, initiative_iins: Iterable[str]) -> list[Voter]:
    """Raise if the application cannot be recorded; return the initiative group's voters."""
    if deputy.mandate != Mandate.SINGLE:
        raise PolicyViolation(
            _("Only deputies elected in single-member districts can be recalled by voters."),
            field="deputy",
            code="not_recallable",
        )
    if deputy.status != DeputyStatus.SERVING:
        raise PolicyViolation(_("This deputy no longer holds the mandate."), field="deputy", code="not_recallable")
    if Petition.objects.filter(deputy=deputy, state__in=OPEN_STATES).exists():
        raise PolicyViolation(
            _("This deputy already faces an open recall petition."), field="deputy", code="open_petition_exists"
        )
    return _initiative_voters(initiative_iins, district_id=deputy.district_id)


def _initiative_voters(iins: Iterable[str], *, district_id: int) -> list[Voter]:
    digests: list[str] = []
    for raw in iins:
        raw = raw.strip()
        if not raw:
            continue
        try:
            digests.append(iin_digest(iin_module.validate(raw)))
        except iin_module.InvalidIIN as exc:
            raise InvalidInput(
                _("Initiative group: %(iin)s is not a valid IIN.") % {"iin": iin_module.mask(raw)},
                field="initiative_iins",
                code="invalid_iin",
            ) from exc
    if not digests:
        raise InvalidInput(_("List the initiative group's members."), field="initiative_iins", code="required")
    found = {v.iin_digest: v for v in Voter.objects.filter(iin_digest__in=digests)}
    problems = []
    for digest in dict.fromkeys(digests):
        voter = found.get(digest)
        if voter is None:
            problems.append(_("a member is not in the voter register"))
        elif voter.district_id != district_id:
            problems.append(_("a member is registered in another district"))
        elif voter.status != VoterStatus.ACTIVE:
            problems.append(_("a member has no right to vote"))
    if problems:
        raise InvalidInput(
            _("Initiative group: %(problems)s.") % {"problems": "; ".join(sorted(set(map(str, problems))))},
            field="initiative_iins",
            code="invalid_initiative_group",
        )
    return [found[d] for d in dict.fromkeys(digests)]


def registration_problems(petition: Petition, *, window_start: dt.datetime) -> list[str]:
    """Why the commission may not register this application now (empty: it may)."""
    deputy = petition.deputy
    policy = policy_for(petition.district.level)
    problems = []
    start_day = local_date(window_start)
    earliest = add_months(deputy.term_start, policy.no_recall_after_start_months)
    latest = add_months(deputy.term_end, -policy.no_recall_before_end_months)
    if start_day < earliest:
        problems.append(
            _("A recall may not start before %(date)s (the first %(months)s months of the term).")
            % {"date": earliest.isoformat(), "months": policy.no_recall_after_start_months}
        )
    if start_day >= latest:
        problems.append(
            _("A recall may not start after %(date)s (the last %(months)s months of the term).")
            % {"date": latest.isoformat(), "months": policy.no_recall_before_end_months}
        )
    if policy.cooldown_months:
        cutoff = local_midnight(add_months(start_day, -policy.cooldown_months))
        if (
            PetitionTransition.objects.filter(
                petition__deputy=deputy, to_state__in=FAILED_ATTEMPT_STATES, at__gte=cutoff
            )
            .exclude(petition=petition)
            .exists()
        ):
            problems.append(
                _("An earlier recall attempt against this deputy ended less than %(months)s months ago.")
                % {"months": policy.cooldown_months}
            )
    members = InitiativeMember.objects.filter(
        petition=petition, voter__district=petition.district_id, voter__status=VoterStatus.ACTIVE
    ).count()
    if members < policy.initiative_group_min:
        problems.append(
            _("The initiative group has %(n)s eligible members; the policy requires %(min)s.")
            % {"n": members, "min": policy.initiative_group_min}
        )
    if petition.district.registered_voters <= 0:
        problems.append(_("The district's voter register is empty; import it first."))
    return problems


def register(
    petition: Petition, *, actor: Any | None, window_start: dt.date | None = None, reason: str = ""
) -> Petition:
    """Register the application: freeze the requirement and open the collection window."""
    now = timezone.now()
    start = max(now, local_midnight(window_start)) if window_start else now
    problems = registration_problems(petition, window_start=start)
    if problems:
        raise PolicyViolation(" ".join(map(str, problems)), code="registration_refused")
    policy = policy_for(petition.district.level)
    voters = petition.district.registered_voters
    petition = _move(
        petition,
        S.REGISTERED,
        allowed_from=[S.APPLIED],
        actor=actor,
        reason=reason,
        updates={
            "registered_at": now,
            "registered_voters": voters,
            "threshold_percent": policy.threshold_percent,
            "required_signatures": required_signatures(voters, policy.threshold_percent),
            "window_start": start,
            "window_end": start + dt.timedelta(days=policy.collection_days),
        },
    )
    if petition.window_start <= now:
        petition = _move(petition, S.COLLECTING, allowed_from=[S.REGISTERED], actor=None, reason=_("window opened"))
    return petition


def refuse(petition: Petition, *, actor: Any | None, reason: str) -> Petition:
    return _move(petition, S.REFUSED, allowed_from=[S.APPLIED], actor=actor, reason=_require_reason(reason))


def withdraw(petition: Petition, *, actor: Any | None, reason: str) -> Petition:
    """The initiators withdraw (recorded by an official on their written request)."""
    return _move(
        petition,
        S.WITHDRAWN,
        allowed_from=[S.APPLIED, S.REGISTERED, S.COLLECTING, S.THRESHOLD_REACHED],
        actor=actor,
        reason=_require_reason(reason),
    )


EDITABLE_WHILE_APPLIED = ("grounds_category", "grounds_text", "contact_email")


def update_details(petition: Petition, *, actor: Any | None, **changes: str) -> Petition:
    """Change what officials may edit: the deputy's published answer, and while the
    application is not yet registered, its grounds. Only these columns are written, so counts
    and states the workers wrote meanwhile are never overwritten."""
    authorize(actor, petition.district_id)
    allowed = ("deputy_answer", "contact_email", *(EDITABLE_WHILE_APPLIED if petition.state == S.APPLIED else ()))
    unknown = set(changes) - set(allowed)
    if unknown:
        raise IllegalTransition(
            _("These details cannot be changed in the petition's current state: %(f)s.") % {"f": ", ".join(unknown)}
        )
    updates: dict[str, Any] = dict(changes)
    if "deputy_answer" in changes:
        updates["answer_published_at"] = timezone.now() if changes["deputy_answer"].strip() else None
    with transaction.atomic():
        Petition.objects.filter(pk=petition.pk).update(updated_at=timezone.now(), **updates)
        audit.record(
            "petition.details_changed", actor=actor, petition_id=petition.pk, obj=petition, fields=sorted(changes)
        )
    petition.refresh_from_db()
    return petition


def end_mandate(petition: Petition, *, actor: Any | None, reason: str) -> Petition:
    """The deputy's mandate ended otherwise (resignation, death, dissolution): the petition closes."""
    reason = _require_reason(reason)
    with transaction.atomic():
        petition = _move(petition, S.MANDATE_ENDED, allowed_from=OPEN_STATES, actor=actor, reason=reason)
        Deputy.objects.filter(pk=petition.deputy_id, status=DeputyStatus.SERVING).update(status=DeputyStatus.ENDED)
    return petition


# --- Collection window (beat) ---------------------------------------------------------------


def open_due_windows(now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    opened = 0
    for petition in Petition.objects.filter(state=S.REGISTERED, window_start__lte=now):
        try:
            _move(petition, S.COLLECTING, allowed_from=[S.REGISTERED], actor=None, reason=_("window opened"))
            opened += 1
        except IllegalTransition:
            pass  # another beat run got there first
    return opened


def close_due_windows(now: dt.datetime | None = None) -> int:
    """A window that reached the threshold is submitted when it ends. One that ends short of it
    expires, but only once nothing could still reach it: signatures received in the window and
    not yet checked by the machine, or waiting for an official, may still count."""
    now = now or timezone.now()
    closed = 0
    for petition in Petition.objects.filter(state__in=[S.COLLECTING, S.THRESHOLD_REACHED], window_end__lte=now):
        to_state = S.EXPIRED if petition.state == S.COLLECTING else S.SUBMITTED
        if to_state == S.EXPIRED and _could_still_reach(petition):
            continue
        try:
            _move(petition, to_state, allowed_from=[petition.state], actor=None, reason=_("window closed"))
            closed += 1
        except IllegalTransition:
            pass
    return closed


def _could_still_reach(petition: Petition) -> bool:
    if Signature.objects.filter(petition=petition, state=SignatureState.RECEIVED).exists():
        return True  # the workers have not counted everything yet
    return petition.valid_count + petition.review_count >= (petition.required_signatures or 0)


# --- After the threshold --------------------------------------------------------------------


def submit(petition: Petition, *, actor: Any | None, reason: str = "") -> Petition:
    """The initiators hand in the signatures before the window ends (it closes on its own too)."""
    return _move(petition, S.SUBMITTED, allowed_from=[S.THRESHOLD_REACHED], actor=actor, reason=reason)


def start_verification(petition: Petition, *, actor: Any | None, reason: str = "") -> Petition:
    policy = policy_for(petition.district.level)
    return _move(
        petition,
        S.VERIFYING,
        allowed_from=[S.SUBMITTED],
        actor=actor,
        reason=reason,
        updates={"verification_due": timezone.localdate() + dt.timedelta(days=policy.verification_days)},
    )


def certification_result(petition: Petition) -> PetitionState:
    """Sufficient or insufficient, from a closed sample or from every signature decided."""
    if SampleRun.objects.filter(petition=petition, closed_at__isnull=True).exists():
        raise PolicyViolation(_("Close the open random sample first."), code="sample_open")
    run = SampleRun.objects.filter(petition=petition, closed_at__isnull=False).order_by("-closed_at").first()
    if run is not None and run.outcome in (SampleOutcome.SUFFICIENT, SampleOutcome.INSUFFICIENT):
        return S.SUFFICIENT if run.outcome == SampleOutcome.SUFFICIENT else S.INSUFFICIENT
    undecided = Signature.objects.filter(
        petition=petition, state__in=[SignatureState.RECEIVED, SignatureState.REVIEW]
    ).count()
    if undecided:
        raise PolicyViolation(
            _("%(n)s signatures still await a decision; every signature must be checked.") % {"n": undecided},
            code="signatures_undecided",
        )
    return S.SUFFICIENT if petition.valid_count >= (petition.required_signatures or 0) else S.INSUFFICIENT


def certify(petition: Petition, *, actor: Any | None, reason: str = "") -> Petition:
    if petition.state != S.VERIFYING:
        raise IllegalTransition(_("Only a petition under verification can be certified."))
    authorize(actor, petition.district_id)
    from . import counts

    counts.reconcile([petition.pk])  # certify on the signatures themselves, not on a cached count
    petition.refresh_from_db()
    result = certification_result(petition)
    return _move(
        petition,
        result,
        allowed_from=[S.VERIFYING],
        actor=actor,
        reason=reason,
        updates={"certified_at": timezone.now()},
    )


def schedule_recall_vote(petition: Petition, *, actor: Any | None, reason: str = "") -> Petition:
    return _move(petition, S.RECALL_VOTE, allowed_from=[S.SUFFICIENT], actor=actor, reason=reason)


def vote_outcome(*, registered_voters: int, ballots_cast: int, votes_for: int) -> PetitionState:
    """Art. 113-16: valid if at least a third of registered voters took part; recalled if more
    than half of those who took part voted for the recall. Integer arithmetic, no rounding."""
    valid = ballots_cast * 3 >= registered_voters
    return S.RECALLED if valid and votes_for * 2 > ballots_cast else S.RETAINED


def record_recall_vote(
    petition: Petition,
    *,
    actor: Any | None,
    held_on: dt.date,
    registered_voters: int,
    ballots_cast: int,
    votes_for: int,
    votes_against: int,
) -> RecallVote:
    if ballots_cast > registered_voters:
        raise InvalidInput(_("More voters took part than are registered."), field="ballots_cast", code="invalid_vote")
    if votes_for + votes_against > ballots_cast:
        raise InvalidInput(
            _("Votes for and against exceed the number who took part."), field="votes_for", code="invalid_vote"
        )
    outcome = vote_outcome(registered_voters=registered_voters, ballots_cast=ballots_cast, votes_for=votes_for)
    with transaction.atomic():
        _move(
            petition,
            outcome,
            allowed_from=[S.RECALL_VOTE],
            actor=actor,
            reason=_("recall vote of %(date)s") % {"date": held_on.isoformat()},
        )
        vote = RecallVote.objects.create(
            petition=petition,
            held_on=held_on,
            registered_voters=registered_voters,
            ballots_cast=ballots_cast,
            votes_for=votes_for,
            votes_against=votes_against,
            entered_by=actor,
        )
        if outcome == S.RECALLED:
            Deputy.objects.filter(pk=petition.deputy_id, status=DeputyStatus.SERVING).update(
                status=DeputyStatus.RECALLED
            )
        audit.record("recall_vote.recorded", actor=actor, petition_id=petition.pk, obj=vote, outcome=outcome)
    return vote


# --- Thresholds (workers) ---------------------------------------------------------------------


def after_counts_changed(petition_ids: Iterable[int]) -> list[int]:
    """After the workers changed counts (same transaction): the threshold, exactly once, and
    the 25/50/75 % milestones, each once. Returns the petitions that reached the threshold."""
    from . import counts

    petition_ids = list(petition_ids)
    moved = counts.crossed_threshold(petition_ids)
    for petition_id in moved:
        record_transition(
            petition_id,
            S.COLLECTING,
            S.THRESHOLD_REACHED,
            actor=None,
            system_label="verification",
            reason=_("valid signatures reached the required number"),
        )
        petition = Petition.objects.select_related("deputy", "district").get(pk=petition_id)
        webhooks.enqueue_event(WebhookEvent.STATE_CHANGED, petition, previous_state=S.COLLECTING)
        webhooks.enqueue_event(WebhookEvent.THRESHOLD_REACHED, petition)
        queue.after_commit("send_threshold_notices", petition_id)
    for petition_id, percent in counts.reached_milestones(petition_ids):
        audit.record("petition.milestone", system_label="verification", petition_id=petition_id, percent=percent)
        queue.after_commit("send_milestone_notice", petition_id, percent)
    return moved
