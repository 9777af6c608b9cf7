"""How a petition ends after certification: the recall vote (Art. 113-16), or the mandate
ending otherwise at any open stage. See docs/domain.md, "The recall vote"."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from ...errors import InvalidInput
from ...models import ByElection, Deputy, DeputyStatus, Petition, PetitionState, RecallVote, WebhookEvent, policy_for
from ...states import vote_outcome
from .. import audit
from ..notices import webhooks
from .transitions import move


def schedule_recall_vote(petition: Petition, *, actor: Any | None, reason: str = "") -> Petition:
    return move(petition, "schedule_vote", actor=actor, reason=reason)


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
        move(
            petition,
            "record_vote",
            to=outcome,
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
        if outcome == PetitionState.RECALLED:
            Deputy.objects.filter(pk=petition.deputy_id, status=DeputyStatus.SERVING).update(
                status=DeputyStatus.RECALLED
            )
            schedule_by_election(petition, actor=actor, vacated_on=held_on)
        audit.record("recall_vote.recorded", actor=actor, petition_id=petition.pk, obj=vote, outcome=outcome)
    return vote


def schedule_by_election(petition: Petition, *, actor: Any | None, vacated_on: dt.date) -> ByElection:
    """The by-election the recall leaves to the district, due within the policy's days. Called
    in the transaction of the ``record_vote`` step: that step's conditional UPDATE lets only one
    caller through, and the one-to-one row is the database's guarantee besides."""
    policy = policy_for(petition.district.level)
    by_election = ByElection.objects.create(
        petition_id=petition.pk,
        district_id=petition.district_id,
        vacated_on=vacated_on,
        due_by=vacated_on + dt.timedelta(days=policy.by_election_days),
    )
    audit.record(
        "by_election.scheduled",
        actor=actor,
        petition_id=petition.pk,
        obj=by_election,
        due_by=by_election.due_by.isoformat(),
    )
    webhooks.enqueue_event(
        WebhookEvent.BY_ELECTION_SCHEDULED,
        petition,
        by_election={
            "district": petition.district.code,
            "vacated_on": by_election.vacated_on.isoformat(),
            "due_by": by_election.due_by.isoformat(),
        },
    )
    return by_election


def end_mandate(petition: Petition, *, actor: Any | None, reason: str) -> Petition:
    """The deputy's mandate ended otherwise (resignation, death, dissolution): the petition closes."""
    with transaction.atomic():
        petition = move(petition, "end_mandate", actor=actor, reason=reason)
        Deputy.objects.filter(pk=petition.deputy_id, status=DeputyStatus.SERVING).update(status=DeputyStatus.ENDED)
    return petition
