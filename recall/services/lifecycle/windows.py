"""The collection window, moved by beat every minute: windows that start open, windows that
end close (submitted if the threshold was reached, expired if not). See docs/domain.md,
"Collecting"."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ...models import AWAITING_WORKERS, Petition, PetitionState, Signature
from .transitions import move_each


def open_due_windows(now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    due = Petition.objects.filter(state=PetitionState.REGISTERED, window_start__lte=now)
    return len(move_each(due, "open_window", actor=None, reason=_("window opened")))


def close_due_windows(now: dt.datetime | None = None) -> int:
    """A window that reached the threshold is submitted when it ends. One that ends short of it
    expires, but only once nothing could still reach it: signatures received in the window and
    not yet checked by the machine, or waiting for an official, may still count."""
    now = now or timezone.now()
    ended = Petition.objects.filter(
        state__in=[PetitionState.COLLECTING, PetitionState.THRESHOLD_REACHED], window_end__lte=now
    )
    reached = [p for p in ended if p.state == PetitionState.THRESHOLD_REACHED]
    submitted = move_each(reached, "submit", actor=None, reason=_("window closed"))
    expired = 0
    for candidate in (p for p in ended if p.state == PetitionState.COLLECTING):
        with transaction.atomic():
            # FOR UPDATE waits for the sign inserts in flight (they hold the row FOR KEY SHARE,
            # recall.services.signing.signatures): one accepted just before the window's end and
            # committed after this check began is seen, never left in an expired petition.
            petition = Petition.objects.select_for_update().get(pk=candidate.pk)
            if petition.state == PetitionState.COLLECTING and not could_still_reach(petition):
                expired += len(move_each([petition], "expire", actor=None, reason=_("window closed")))
    return len(submitted) + expired


def could_still_reach(petition: Petition) -> bool:
    if Signature.objects.filter(petition=petition, state__in=AWAITING_WORKERS).exists():
        return True  # the workers have not counted everything yet
    return petition.valid_count + petition.review_count >= (petition.required_signatures or 0)
