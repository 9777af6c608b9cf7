"""What the verification workers (and officials' decisions) trigger when counts change: the
threshold, crossed exactly once, and the 25/50/75 % milestones, each announced once.
See docs/domain.md, "Counts and thresholds"."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import F, Q
from django.utils.translation import gettext as _

from ...models import Petition, PetitionState, WebhookEvent
from .. import audit
from ..notices import outbox, webhooks
from .transitions import move_each

MILESTONES = (25, 50, 75)


def after_counts_changed(petition_ids: Iterable[int]) -> list[int]:
    """Call in the transaction that changed the counts. Returns the petitions that reached the
    threshold in it.

    The crossing is the lifecycle's ``reach_threshold`` step with the count as an extra
    condition of its conditional UPDATE: a second worker that saw the same count waits for the
    first one's row lock, then finds the state changed and moves nothing.
    """
    petition_ids = sorted(set(petition_ids))
    candidates = Petition.objects.filter(
        pk__in=petition_ids, state=PetitionState.COLLECTING, valid_count__gte=F("required_signatures")
    ).order_by("pk")
    moved = move_each(
        candidates,
        "reach_threshold",
        actor=None,
        system_label="verification",
        reason=_("valid signatures reached the required number"),
        where=Q(valid_count__gte=F("required_signatures")),
    )
    for petition in moved:
        webhooks.enqueue_event(WebhookEvent.THRESHOLD_REACHED, petition)
        outbox.announce("threshold", petition.pk, petition_id=petition.pk)
    for petition_id, percent in reached_milestones(petition_ids):
        audit.record("petition.milestone", system_label="verification", petition_id=petition_id, percent=percent)
        outbox.announce("milestone", petition_id, percent, petition_id=petition_id)
    return [p.pk for p in moved]


def reached_milestones(petition_ids: Iterable[int]) -> list[tuple[int, int]]:
    """(petition, percent) for each petition that passed a new 25/50/75 % milestone; once each."""
    passed = []
    rows = Petition.objects.filter(pk__in=list(petition_ids), required_signatures__gt=0).values_list(
        "pk", "valid_count", "required_signatures", "last_milestone"
    )
    for petition_id, valid, required, last in rows:
        reached = [m for m in MILESTONES if valid * 100 >= required * m and m > last]
        if not reached:
            continue
        top = max(reached)
        if Petition.objects.filter(pk=petition_id, last_milestone__lt=top).update(last_milestone=top):
            passed.append((petition_id, top))
    return passed
