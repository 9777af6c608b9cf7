"""Where in the district the valid signatures come from: counts by polling station.

Voter lists in Kazakhstan are kept by polling station; the register import takes the station as
an optional column (``Voter.polling_station``). The petition page and the open data show the
valid signatures per station, never a station with fewer than MIN_SIGNERS of them: those are
pooled into "other stations", and when that pool would still be small, or would be one station
(whose count anyone could then get by subtracting the others from the petition's total), the
smallest stations shown join it until it is neither ("secondary suppression", as statistics
offices do). Signatures whose voter has no station in the register are counted apart.

A count is a join of the petition's valid signatures with the register, so it is kept in the
cache for RECALL_STATION_COUNTS_SECONDS: the page's other counts are live, this breakdown is a
few minutes old at most (the page says as of when).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count
from django.utils import timezone

from ...models import Signature, SignatureState

MIN_SIGNERS = 10


@dataclass(frozen=True)
class Station:
    name: str  # the station's number as the register gives it
    valid: int


@dataclass(frozen=True)
class Breakdown:
    stations: list[Station]  # each with at least MIN_SIGNERS valid signatures, most first
    other_valid: int  # pooled: stations under the threshold (0, or at least MIN_SIGNERS over 2+ stations)
    other_stations: int
    unknown_valid: int  # voters with no station in the register
    counted_at: dt.datetime

    @property
    def largest(self) -> int:
        return max([s.valid for s in self.stations] + [self.other_valid, 0])

    def rows(self) -> list[dict[str, object]]:
        """As open data: one row per station shown, then the pooled rows (a station of "" is
        "other stations", of None "no station in the register")."""
        rows: list[dict[str, object]] = [{"station": s.name, "valid": s.valid} for s in self.stations]
        if self.other_valid:
            rows.append({"station": "", "valid": self.other_valid, "stations_pooled": self.other_stations})
        if self.unknown_valid:
            rows.append({"station": None, "valid": self.unknown_valid})
        return rows


def _count(petition_id: int) -> tuple[dict[str, int], int]:
    rows = (
        Signature.objects.filter(petition_id=petition_id, state=SignatureState.VALID, voter__isnull=False)
        .values("voter__polling_station")
        .annotate(n=Count("id"))
    )
    counts = {row["voter__polling_station"] or "": row["n"] for row in rows}
    return {k: v for k, v in counts.items() if k}, counts.get("", 0)


def suppress(counts: dict[str, int]) -> tuple[list[Station], int, int]:
    """(stations shown, pooled valid, pooled stations) under the rule of the module's docstring."""
    shown = sorted(
        (Station(name, n) for name, n in counts.items() if n >= MIN_SIGNERS), key=lambda s: (-s.valid, s.name)
    )
    pooled = [n for n in counts.values() if 0 < n < MIN_SIGNERS]
    while pooled and (sum(pooled) < MIN_SIGNERS or len(pooled) < 2) and shown:
        pooled.append(shown.pop().valid)
    if pooled and (sum(pooled) < MIN_SIGNERS or len(pooled) < 2):
        # Nothing left to pool with: a single small station or a small pool is not shown at all.
        return shown, 0, 0
    return shown, sum(pooled), len(pooled)


def breakdown(petition_id: int) -> Breakdown | None:
    """The petition's valid signatures by polling station, or None when the register names no
    station for any of them (then the page shows nothing)."""
    key = f"public:stations:{petition_id}"
    try:
        found = cache.get(key)
    except Exception:  # noqa: BLE001 - a cache outage only costs a query
        found = None
    if found is None:
        counts, unknown = _count(petition_id)
        unknown = unknown if unknown >= MIN_SIGNERS else 0
        stations, other, pooled = suppress(counts)
        found = Breakdown(stations, other, pooled, unknown, timezone.now()) if counts else False
        with contextlib.suppress(Exception):  # a cache outage only costs a query next time
            cache.set(key, found, timeout=settings.RECALL_STATION_COUNTS_SECONDS)
    return found or None
