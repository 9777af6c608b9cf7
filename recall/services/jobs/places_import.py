"""The districts, their regions and representative bodies from a CSV file, with their names in
English, Kazakh and Russian (recall.models.District; shown in the page's language).

Columns: code, level, name, region, body (the English names, required) and name_kk, name_ru,
region_kk, region_ru, body_kk, body_ru (optional: an empty cell falls back on the pages). A
district is found by its code and updated, or added. All or nothing: one wrong line and
nothing is written. The central commission's (``actor`` None: the command line)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO, Any

from django.db import transaction
from django.utils.translation import gettext as _

from ... import jurisdiction
from ...errors import ImportRejected, OutsideJurisdiction
from ...models import BodyLevel, District
from .. import audit
from ..public import public_cache
from .csv_files import MAX_REPORTED_ERRORS, csv_reader, open_text

REQUIRED = ("code", "level", "name", "region", "body")
TRANSLATED = tuple(f"{field}_{lang}" for field in District.TRANSLATED for lang in ("kk", "ru"))
LIMITS = {f.name: f.max_length for f in District._meta.fields if f.name in (*REQUIRED, *TRANSLATED)}


@dataclass(frozen=True)
class PlacesResult:
    total: int
    created: int
    updated: int


def _row(record: dict[str, str | None], *, has: set[str]) -> dict[str, str]:
    if None in record:
        raise ValueError(_("too many fields"))
    values = {k: (record.get(k) or "").strip() for k in (*REQUIRED, *TRANSLATED) if k in has}
    missing = [k for k in REQUIRED if not values.get(k)]
    if missing:
        raise ValueError(_("empty: %(cols)s") % {"cols": ", ".join(missing)})
    if values["level"] not in BodyLevel.values:
        raise ValueError(
            _("unknown level %(level)s (one of %(levels)s)")
            % {"level": values["level"], "levels": ", ".join(BodyLevel.values)}
        )
    for key, value in values.items():
        if len(value) > LIMITS[key]:
            raise ValueError(_("%(col)s is longer than %(n)s characters") % {"col": key, "n": LIMITS[key]})
    return values


def import_places(stream: IO[bytes], *, actor: Any | None = None, source: str = "") -> PlacesResult:
    if actor is not None and not (jurisdiction.can_act(actor) and jurisdiction.sees_everything(actor)):
        raise OutsideJurisdiction(_("Only the central commission may import districts."))
    reader = csv_reader(open_text(stream), REQUIRED)
    has = set(reader.fieldnames or ())
    rows: list[dict[str, str]] = []
    errors: list[dict[str, Any]] = []
    error_count = 0
    seen: dict[str, int] = {}
    for line, record in enumerate(reader, start=2):
        try:
            row = _row(record, has=has)
            if row["code"] in seen:
                raise ValueError(
                    _("the code %(code)s is also on line %(line)s") % {"code": row["code"], "line": seen[row["code"]]}
                )
            seen[row["code"]] = line
            rows.append(row)
        except ValueError as error:
            error_count += 1
            if len(errors) < MAX_REPORTED_ERRORS:
                errors.append({"line": line, "error": str(error)})
    if error_count:
        raise ImportRejected(errors, error_count)
    created = 0
    with transaction.atomic():
        for row in rows:
            code = row.pop("code")
            _district, added = District.objects.update_or_create(code=code, defaults=row)
            created += added
        audit.record(
            "places.imported", actor=actor, system_label="import", source=source, rows=len(rows), created=created
        )
        public_cache.changed(content=True)  # the names are on every cached page
    return PlacesResult(total=len(rows), created=created, updated=len(rows) - created)
