"""Reads for the public site and the public API: no personal data ever leaves through here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import PUBLIC_STATES, SIGNABLE_STATES, DailyTally, Petition, PetitionTransition, SampleRun
from .services import lifecycle


def public_petitions() -> QuerySet[Petition]:
    return Petition.objects.filter(state__in=PUBLIC_STATES).select_related("deputy", "district")


def collecting_petitions(*, search: str = "", region: str = "") -> QuerySet[Petition]:
    qs = public_petitions().filter(state__in=SIGNABLE_STATES, window_end__gt=timezone.now())
    if region:
        qs = qs.filter(district__region=region)
    if search:
        for word in search.split():
            qs = qs.filter(
                Q(deputy__full_name__icontains=word)
                | Q(district__name__icontains=word)
                | Q(district__code__iexact=word)
                | Q(district__region__icontains=word)
            )
    return qs.order_by("window_end", "pk")


def regions_with_collections() -> list[str]:
    return sorted(set(collecting_petitions().values_list("district__region", flat=True)))


@dataclass(frozen=True)
class DayCount:
    date: dt.date
    valid: int
    total: int


def daily_valid(petition: Petition) -> list[DayCount]:
    """Valid signatures by day of signing, with the running total."""
    total = 0
    series = []
    for day, valid in DailyTally.objects.filter(petition=petition).order_by("day").values_list("day", "valid"):
        total += valid
        series.append(DayCount(day, valid, total))
    return series


def public_history(petition: Petition) -> list[PetitionTransition]:
    return list(petition.transitions.order_by("at", "id").only("to_state", "at"))


def latest_projection(petition: Petition) -> SampleRun | None:
    """The last closed random sample's projection, if the petition was verified by sampling."""
    return (
        SampleRun.objects.filter(petition=petition, closed_at__isnull=False)
        .order_by("-closed_at")
        .only(
            "projected_valid",
            "sample_size",
            "population_size",
            "seed",
            "outcome",
            "closed_at",
            "valid_in_sample",
            "duplicates_in_sample",
        )
        .first()
    )


def next_steps(petition: Petition) -> list:
    """What may happen next, from the lifecycle's transition table."""
    return [step for step in lifecycle.TRANSITIONS.values() if step.allows(petition.state)]


def days_left(petition: Petition, now: dt.datetime | None = None) -> int | None:
    if petition.window_end is None:
        return None
    remaining = petition.window_end - (now or timezone.now())
    return max(0, remaining.days + (1 if remaining.seconds else 0))
