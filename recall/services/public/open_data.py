"""Open data: the public figures as tables, for anyone to download and reuse.

Three tables, each as CSV and as JSON (recall.api.open_data), under the licence below:
- ``petitions``: every public petition with the counts the petition page shows (the stored
  counts kept by the workers, so the same figures as the pages), the valid ones also by the
  identity their channel proved (``valid_certificate``, ``valid_phone_of_iin``, ``valid_phone``,
  ``valid_partner``, ``valid_paper``: recall.models.IdentityStrength);
- ``daily``: per petition, per day of signing (Almaty time, as the page's daily series) and per
  channel, signatures received and how they stand (valid, invalid, awaiting, withdrawn);
- ``districts``: per district, its registered voters and its petitions' totals.

And each petition's own: its daily series with its counts, and its valid signatures by polling
station (recall.services.public.stations: never a station with fewer than ten signers).

No personal data: no names, IINs, receipts or addresses of signers, only counts; the deputies
and districts are public officials and public places.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from ...models import (
    AWAITING_WORKERS,
    PUBLIC_STATES,
    SIGNABLE_STATES,
    District,
    IdentityStrength,
    Petition,
    Signature,
    SignatureState,
)
from ...selectors import public_petitions
from ..jobs.csv_files import CsvLines
from . import stations as station_counts

LICENCE = "CC BY 4.0"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
ATTRIBUTION = "Deputy recall petitions service"

# The Kazakh and Russian names beside the English ones (empty: not given in that language).
IDENTITY_COLUMNS = [f"valid_{strength}" for strength in IdentityStrength.values]
NAME_COLUMNS = ["district_kk", "district_ru", "region_kk", "region_ru", "party_kk", "party_ru"]
PETITION_COLUMNS = [
    "petition",
    "deputy",
    "party",
    "district_code",
    "district",
    "region",
    "level",
    "state",
    "registered_at",
    "window_start",
    "window_end",
    "required",
    "received",
    "valid",
    "invalid",
    "awaiting",
    "withdrawn",
    *NAME_COLUMNS,
    # Added last, so that readers of the columns before keep their places.
    *IDENTITY_COLUMNS,
]
DAILY_COLUMNS = ["petition", "day", "channel", "received", "valid", "invalid", "awaiting", "withdrawn"]
DISTRICT_COLUMNS = [
    "district_code",
    "district",
    "region",
    "level",
    "registered_voters",
    "petitions",
    "collecting",
    "valid",
    *NAME_COLUMNS[:4],
]


def _date(value: Any) -> str | None:
    return timezone.localtime(value).date().isoformat() if value else None


def petitions() -> list[dict[str, Any]]:
    return [petition_row(p) for p in public_petitions().order_by("pk")]


def petition_row(p: Petition) -> dict[str, Any]:
    """One public petition with its counts, as the petitions table has it."""
    return {
        "petition": p.pk,
        "deputy": p.deputy.full_name,
        "party": p.deputy.party,
        "district_code": p.district.code,
        "district": p.district.name,
        "region": p.district.region,
        "level": p.district.level,
        "state": p.state,
        "registered_at": _date(p.registered_at),
        "window_start": _date(p.window_start),
        "window_end": _date(p.window_end),
        "required": p.required_signatures,
        "received": p.all_received,
        "valid": p.valid_count,
        "invalid": p.invalid_count,
        "awaiting": p.awaiting_count,
        "withdrawn": p.withdrawn_count,
        "district_kk": p.district.name_kk,
        "district_ru": p.district.name_ru,
        "region_kk": p.district.region_kk,
        "region_ru": p.district.region_ru,
        "party_kk": p.deputy.party_kk,
        "party_ru": p.deputy.party_ru,
        **{f"valid_{strength}": getattr(p, f"valid_{strength}_count") for strength in IdentityStrength.values},
    }


def daily(petition_id: int | None = None) -> list[dict[str, Any]]:
    """One GROUP BY over the public petitions' signatures (served by the petition index), or
    over one petition's."""
    signatures = Signature.objects.filter(petition__state__in=PUBLIC_STATES)
    if petition_id is not None:
        signatures = signatures.filter(petition_id=petition_id)
    grouped = (
        signatures.annotate(day=TruncDate("signed_at", tzinfo=timezone.get_current_timezone()))
        .values("petition_id", "day", "channel")
        .annotate(
            received=Count("id"),
            valid=Count("id", filter=Q(state=SignatureState.VALID)),
            invalid=Count("id", filter=Q(state=SignatureState.INVALID)),
            awaiting=Count("id", filter=Q(state__in=[*AWAITING_WORKERS, SignatureState.REVIEW])),
            withdrawn=Count("id", filter=Q(state=SignatureState.WITHDRAWN)),
        )
        .order_by("petition_id", "day", "channel")
    )
    return [
        {"petition": row.pop("petition_id"), **row, "day": row["day"].isoformat() if row["day"] else None}
        for row in grouped
    ]


def districts() -> list[dict[str, Any]]:
    public = Q(petitions__state__in=PUBLIC_STATES)
    rows = (
        District.objects.annotate(
            n_petitions=Count("petitions", filter=public),
            n_collecting=Count("petitions", filter=Q(petitions__state__in=SIGNABLE_STATES)),
            n_valid=Sum("petitions__valid_count", filter=public, default=0),
        )
        .order_by("code")
        .values(
            "code",
            "name",
            "region",
            "level",
            "registered_voters",
            "n_petitions",
            "n_collecting",
            "n_valid",
            "name_kk",
            "name_ru",
            "region_kk",
            "region_ru",
        )
    )
    return [
        {
            "district_code": r["code"],
            "district": r["name"],
            "region": r["region"],
            "level": r["level"],
            "registered_voters": r["registered_voters"],
            "petitions": r["n_petitions"],
            "collecting": r["n_collecting"],
            "valid": r["n_valid"],
            "district_kk": r["name_kk"],
            "district_ru": r["name_ru"],
            "region_kk": r["region_kk"],
            "region_ru": r["region_ru"],
        }
        for r in rows
    ]


STATION_COLUMNS = ["petition", "kind", "station", "valid", "stations"]


def stations(petition_id: int) -> list[dict[str, Any]]:
    """The petition's valid signatures by polling station, as its page shows them: ``kind`` is
    ``station`` (one station, ten signers or more), ``other_stations`` (smaller ones pooled,
    ``stations`` says how many) or ``no_station`` (voters whose register row names none)."""
    found = station_counts.breakdown(petition_id)
    if found is None:
        return []
    rows = [
        {"petition": petition_id, "kind": "station", "station": s.name, "valid": s.valid, "stations": 1}
        for s in found.stations
    ]
    if found.other_valid:
        rows.append(
            {
                "petition": petition_id,
                "kind": "other_stations",
                "station": None,
                "valid": found.other_valid,
                "stations": found.other_stations,
            }
        )
    if found.unknown_valid:
        rows.append(
            {
                "petition": petition_id,
                "kind": "no_station",
                "station": None,
                "valid": found.unknown_valid,
                "stations": None,
            }
        )
    return rows


TABLES = {
    "petitions": (petitions, PETITION_COLUMNS),
    "daily": (daily, DAILY_COLUMNS),
    "districts": (districts, DISTRICT_COLUMNS),
}


def as_csv(rows: Iterable[dict[str, Any]], columns: list[str]) -> str:
    lines = CsvLines(lineterminator="\n")
    return lines.line(columns) + "".join(lines.line("" if row[k] is None else row[k] for k in columns) for row in rows)
