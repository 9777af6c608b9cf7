"""Import of the voter register from CSV.

Columns (header row required, comma or semicolon): ``iin, full_name, birth_date, address,
district, status, sex, polling_station``; ``status`` may be omitted (active), ``sex`` too (M/F,
М/Ж or Е/Ә), and ``polling_station`` (the number of the station whose list holds the voter).
Dates are YYYY-MM-DD or DD.MM.YYYY. A voter whose IIN digits disagree with the birth date or sex
is imported (allowed since 2013) and flagged, so their signatures go to an official.
An IIN already in the register is updated (district, status, data), others are added.

The whole file is one transaction: every line is checked, and if any is wrong nothing is
written and the errors are reported with their line numbers. On PostgreSQL the rows go
through COPY into a temporary table and one INSERT ... ON CONFLICT, not a query per row.
"""

from __future__ import annotations

import csv
import datetime as dt
import logging
import multiprocessing
import os
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.core.files import File
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ... import crypto, jurisdiction, task_names
from ... import iin as iin_module
from ...calendar import add_months, eighteenth_birthday, local_midnight
from ...errors import ImportRejected, OutsideJurisdiction
from ...models import District, RegisterImport, VoterStatus
from .. import audit, queue
from . import uploads
from .csv_files import MAX_REPORTED_ERRORS, count_rows, csv_reader, open_text, parse_date

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Column:
    """A column of the register file: its header, whether every line must fill it, and the
    longest value it may hold (an over-long value is reported with its line)."""

    name: str
    required: bool
    max_length: int


# The file's columns: a new optional column is one line here (and its use in _RowBuilder.build).
SPEC = (
    Column("iin", True, 20),
    Column("full_name", True, 200),
    Column("birth_date", True, 10),
    Column("address", True, 300),
    Column("district", True, 32),
    Column("status", False, 16),
    Column("sex", False, 8),
    # The polling station whose list holds the voter: its number or code as the commission writes it.
    Column("polling_station", False, 32),
)
COLUMNS = tuple(c.name for c in SPEC)
REQUIRED = tuple(c.name for c in SPEC if c.required)
# The optional sex column: M/F, or Russian М/Ж, or Kazakh Е/Ә.
SEXES = {"m": "M", "м": "M", "е": "M", "f": "F", "ж": "F", "ә": "F"}
# Voters adult longer than this before the import keep no clear age data (see Voter.adult_from).
ADULT_MEMORY_YEARS = 5

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ImportResult:
    total: int
    created: int
    updated: int


class _RowBuilder:
    """Turns one CSV record into the register row, or raises ValueError with the reason."""

    def __init__(self, now: dt.datetime, actor: Any | None) -> None:
        districts = District.objects.all()
        scope = jurisdiction.district_scope(actor) if actor is not None else None
        if scope is not None:
            districts = districts.filter(pk__in=scope.values("pk"))
        self.districts = dict(districts.values_list("code", "id"))
        # An official of a territorial commission may add and update only the voters of its
        # districts, including voters already registered elsewhere (None: no limit).
        self.scope_ids = list(self.districts.values()) if scope is not None else None
        self.now = now
        self.adult_cutoff = add_months(now.date(), -12 * ADULT_MEMORY_YEARS)
        self.statuses = set(VoterStatus.values)
        # The name digests as the stage table's text, written here in the (forked) builders: the
        # process streaming COPY is the import's bottleneck, and adapting lists there halved it.
        self.array = _pg_array if connection.vendor == "postgresql" else _json_array

    def build(self, record: dict[str, str | None]) -> tuple:
        """The row, or ValueError naming every problem of the line (not only its first)."""
        if None in record:
            raise ValueError(_("too many fields"))
        values = {k: (record.get(k) or "").strip() for k in COLUMNS}
        problems: list[str] = []
        empty = [k for k in REQUIRED if not values[k]]
        if empty:
            problems.append(_("empty %(cols)s") % {"cols": ", ".join(empty)})
        for column in SPEC:
            if len(values[column.name]) > column.max_length:
                problems.append(
                    _("%(col)s is too long (%(n)s characters, at most %(max)s)")
                    % {"col": column.name, "n": len(values[column.name]), "max": column.max_length}
                )
        iin = birth_date = district_id = sex = None
        if values["iin"]:
            try:
                iin = iin_module.validate(values["iin"])
            except iin_module.InvalidIIN as exc:
                problems.append(_("invalid IIN (%(code)s)") % {"code": exc.code})
        if values["birth_date"]:
            try:
                birth_date = parse_date(values["birth_date"])
            except ValueError:
                problems.append(_("invalid birth date %(value)r") % {"value": values["birth_date"]})
            else:
                if birth_date > self.now.date():
                    problems.append(_("birth date in the future"))
        if values["district"]:
            district_id = self.districts.get(values["district"])
            if district_id is None:
                problems.append(
                    _("unknown district %(code)r (or outside your jurisdiction)") % {"code": values["district"]}
                )
        status = values["status"].lower() or VoterStatus.ACTIVE
        if status not in self.statuses:
            problems.append(_("unknown status %(status)r") % {"status": values["status"]})
        if values["sex"]:
            sex = SEXES.get(values["sex"][:1].lower())
            if sex is None:
                problems.append(_("unknown sex %(sex)r (M or F)") % {"sex": values["sex"]})
        if problems:
            raise ValueError("; ".join(problems))
        station = " ".join(values["polling_station"].split())  # the length is SPEC's
        adult_on = eighteenth_birthday(birth_date)
        adult_from = local_midnight(adult_on) if adult_on > self.adult_cutoff else None
        personal = crypto.encrypt(
            {
                "iin": iin,
                "full_name": values["full_name"],
                "birth_date": birth_date.isoformat(),
                "address": values["address"],
            }
        )
        words = crypto.register_name_digests(values["full_name"], iin)
        array = self.array
        return (
            crypto.iin_digest(iin),
            district_id,
            status,
            station,
            crypto.name_digest(values["full_name"]),
            array(words.surname),
            array(words.given),
            array(words.patronymic),
            array(words.patronymic_near),
            crypto.birth_digest(birth_date),
            adult_from,
            bool(iin_module.data_warnings(iin, birth_date=birth_date, sex=sex)),
            personal,
        )


def _pg_array(values: tuple[int, ...]) -> str:
    return "{" + ",".join(map(str, values)) + "}"


def _json_array(values: tuple[int, ...]) -> str:
    return "[" + ",".join(map(str, values)) + "]"


CHUNK = 5000
# The builder the forked pool processes use (inherited, not pickled).
_POOL_BUILDER: _RowBuilder | None = None


def _numbered_chunks(stream: IO[bytes]) -> Iterator[list[tuple[int, dict]]]:
    reader = csv_reader(open_text(stream), REQUIRED)
    chunk: list[tuple[int, dict]] = []
    try:
        for record in reader:
            chunk.append((reader.line_num + 1, record))  # +1: the header was read before the reader
            if len(chunk) == CHUNK:
                yield chunk
                chunk = []
    except (csv.Error, UnicodeDecodeError) as exc:
        raise ImportRejected([{"line": reader.line_num + 2, "error": _("unreadable: %(e)s") % {"e": exc}}], 1) from exc
    if chunk:
        yield chunk


def _build(builder: _RowBuilder, chunk: list[tuple[int, dict]]) -> tuple[list[tuple], list[dict[str, Any]]]:
    built, errors = [], []
    for line, record in chunk:
        try:
            built.append((line, *builder.build(record)))
        except ValueError as exc:
            errors.append({"line": line, "error": str(exc)})
    return built, errors


def _build_in_pool(chunk: list[tuple[int, dict]]) -> tuple[list[tuple], list[dict[str, Any]]]:
    assert _POOL_BUILDER is not None
    return _build(_POOL_BUILDER, chunk)


def _build_chunks(builder: _RowBuilder, chunks: Iterator[list]) -> Iterator[tuple[list[tuple], list[dict]]]:
    """Digests and encryption dominate an import; with two or more cores they run in forked
    processes while this one streams rows to the database. A daemon process (a Celery
    prefork child) may not fork, so it builds in process."""
    global _POOL_BUILDER
    cores = os.cpu_count() or 1
    if cores < 2 or multiprocessing.current_process().daemon:
        for chunk in chunks:
            yield _build(builder, chunk)
        return
    _POOL_BUILDER = builder
    workers = min(cores, 4)
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            # Chunks are read here, in this thread, so a bad file raises here too; a few
            # are in flight at once to keep every core busy without holding the file in memory.
            pending: deque = deque()
            for chunk in chunks:
                pending.append(pool.apply_async(_build_in_pool, (chunk,)))
                if len(pending) >= 2 * workers:
                    yield pending.popleft().get()
            while pending:
                yield pending.popleft().get()
    finally:
        _POOL_BUILDER = None


# The voter's per-word name digests (recall.names), bigint[] on PostgreSQL.
NAME_COLUMNS = ("name_surname", "name_given", "name_patronymic", "name_patronymic_near")
STAGE_COLUMNS = (
    "line",
    "iin_digest",
    "district_id",
    "status",
    "polling_station",
    "name_digest",
    *NAME_COLUMNS,
    "birth_digest",
    "adult_from",
    "iin_data_mismatch",
    "personal",
)


def import_register(
    stream: IO[bytes], *, actor: Any | None = None, progress: Progress | None = None, source: str = ""
) -> ImportResult:
    """Import a register CSV. Raises ImportRejected (nothing written) if any line is wrong."""
    total = count_rows(stream)
    now = timezone.now()
    builder = _RowBuilder(now, actor)
    errors: list[dict[str, Any]] = []
    error_count = 0

    def rows() -> Iterator[tuple]:
        nonlocal error_count
        processed = 0
        for built, chunk_errors in _build_chunks(builder, _numbered_chunks(stream)):
            processed += len(built) + len(chunk_errors)
            for error in chunk_errors:
                error_count += 1
                if len(errors) < MAX_REPORTED_ERRORS:
                    errors.append(error)
            if not error_count:  # once a line is wrong, only keep checking
                yield from built
            if progress:
                progress(processed, total)

    started = time.monotonic()
    with transaction.atomic():
        with connection.cursor() as cursor:
            _create_stage(cursor)
            _load_stage(cursor, rows())
            if error_count:
                raise ImportRejected(errors, error_count)
            checked = time.monotonic()
            _reject_repeated_iins(cursor)
            if builder.scope_ids is not None:
                _reject_voters_outside(cursor, builder.scope_ids)
            cursor.execute(
                "SELECT count(*) FROM voter_stage s WHERE EXISTS "
                "(SELECT 1 FROM recall_voter v WHERE v.iin_digest = s.iin_digest)"
            )
            updated = cursor.fetchone()[0]
            cursor.execute("SELECT count(*) FROM voter_stage")
            loaded = cursor.fetchone()[0]
            cursor.execute(
                """
                INSERT INTO recall_voter
                    (iin_digest, district_id, status, polling_station, name_digest, name_surname, name_given,
                     name_patronymic, name_patronymic_near, birth_digest, adult_from, iin_data_mismatch, personal,
                     updated_at)
                SELECT iin_digest, district_id, status, polling_station, name_digest, name_surname, name_given,
                       name_patronymic, name_patronymic_near, birth_digest, adult_from, iin_data_mismatch, personal, %s
                FROM voter_stage WHERE true ORDER BY iin_digest  -- sorted: B-tree inserts in order
                ON CONFLICT (iin_digest) DO UPDATE SET
                    district_id = excluded.district_id, status = excluded.status,
                    polling_station = excluded.polling_station,
                    name_digest = excluded.name_digest, name_surname = excluded.name_surname,
                    name_given = excluded.name_given, name_patronymic = excluded.name_patronymic,
                    name_patronymic_near = excluded.name_patronymic_near, birth_digest = excluded.birth_digest,
                    adult_from = excluded.adult_from, iin_data_mismatch = excluded.iin_data_mismatch,
                    personal = excluded.personal,
                    updated_at = excluded.updated_at
                """,
                [now],
            )
            cursor.execute("DROP TABLE voter_stage")
            written = time.monotonic()
        refresh_district_counts(now)
        result = ImportResult(total=loaded, created=loaded - updated, updated=updated)
        audit.record(
            "register.imported",
            actor=actor,
            reason=source,
            total=result.total,
            created=result.created,
            updated=result.updated,
        )
    logger.info(
        "register import: %s rows checked and staged in %.1f s, written in %.1f s, counts in %.1f s",
        result.total,
        checked - started,
        written - checked,
        time.monotonic() - written,
    )
    return result


def _create_stage(cursor: Any) -> None:
    if connection.vendor == "postgresql":
        cursor.execute(
            """CREATE TEMPORARY TABLE voter_stage (
                line integer, iin_digest varchar(64), district_id bigint, status varchar(16), polling_station text,
                name_digest varchar(64), name_surname bigint[], name_given bigint[], name_patronymic bigint[],
                name_patronymic_near bigint[], birth_digest varchar(64), adult_from timestamptz,
                iin_data_mismatch boolean, personal text
            ) ON COMMIT DROP"""
        )
    else:
        cursor.execute("DROP TABLE IF EXISTS temp.voter_stage")
        cursor.execute(
            "CREATE TEMPORARY TABLE voter_stage (line integer, iin_digest text, district_id integer, "
            "status text, polling_station text, name_digest text, name_surname text, name_given text, name_patronymic text, "
            "name_patronymic_near text, birth_digest text, adult_from datetime, iin_data_mismatch bool, "
            "personal text)"
        )


def _load_stage(cursor: Any, rows: Iterator[tuple]) -> None:
    if connection.vendor == "postgresql":
        with cursor.cursor.copy(f"COPY voter_stage ({', '.join(STAGE_COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    placeholders = ", ".join(["%s"] * len(STAGE_COLUMNS))
    batch: list[tuple] = []
    for row in rows:
        batch.append(row)
        if len(batch) == 5000:
            cursor.executemany(f"INSERT INTO voter_stage VALUES ({placeholders})", batch)
            batch.clear()
    if batch:
        cursor.executemany(f"INSERT INTO voter_stage VALUES ({placeholders})", batch)


def _reject_repeated_iins(cursor: Any) -> None:
    cursor.execute(
        """
        SELECT min(line), max(line), count(*) OVER () FROM voter_stage
        GROUP BY iin_digest HAVING count(*) > 1 ORDER BY min(line) LIMIT %s
        """,
        [MAX_REPORTED_ERRORS],
    )
    repeats = cursor.fetchall()
    if repeats:
        errors = [
            {"line": last, "error": _("the same IIN as line %(first)s") % {"first": first}}
            for first, last, _total in repeats
        ]
        raise ImportRejected(errors, repeats[0][2])


def _reject_voters_outside(cursor: Any, district_ids: list[int]) -> None:
    cursor.execute(
        """
        SELECT s.line, count(*) OVER () FROM voter_stage s
        JOIN recall_voter v ON v.iin_digest = s.iin_digest
        WHERE NOT (v.district_id = ANY(%s)) ORDER BY s.line LIMIT %s
        """
        if connection.vendor == "postgresql"
        else f"""
        SELECT s.line, count(*) OVER () FROM voter_stage s
        JOIN recall_voter v ON v.iin_digest = s.iin_digest
        WHERE v.district_id NOT IN ({", ".join(["%s"] * len(district_ids)) or "NULL"}) ORDER BY s.line LIMIT %s
        """,
        [district_ids, MAX_REPORTED_ERRORS]
        if connection.vendor == "postgresql"
        else [*district_ids, MAX_REPORTED_ERRORS],
    )
    rows = cursor.fetchall()
    if rows:
        errors = [
            {"line": line, "error": _("this voter is registered in a district outside your jurisdiction")}
            for line, _total in rows
        ]
        raise ImportRejected(errors, rows[0][1])


def refresh_district_counts(now: dt.datetime | None = None) -> None:
    """Registered voters per district = active voters in the register (one statement)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE recall_district SET
                registered_voters = (
                    SELECT count(*) FROM recall_voter v
                    WHERE v.district_id = recall_district.id AND v.status = 'active'
                ),
                register_updated_at = %s
            """,
            [now or timezone.now()],
        )


def create_job(*, file: File, actor: Any | None) -> RegisterImport:
    """An official uploads a register file; a worker imports it after commit. What the file
    may touch is checked line by line against the uploader's jurisdiction when it runs."""
    if actor is not None and not jurisdiction.can_act(actor):
        raise OutsideJurisdiction(_("Your account may look at records but not change them."))
    with transaction.atomic():
        job = RegisterImport.objects.create(file=file, uploaded_by=actor)
        queue.after_commit(task_names.IMPORT_REGISTER_FILE, job.pk)
    return job


def run_job(job_id: int) -> RegisterImport | None:
    """Run an uploaded import (from the admin) once; progress goes to the cache as it runs."""

    def work(job: RegisterImport, stream: IO[bytes], progress: Progress) -> dict[str, Any]:
        result = import_register(stream, actor=job.uploaded_by, progress=progress, source=job.file.name)
        return {
            "total_rows": result.total,
            "processed_rows": result.total,
            "created_count": result.created,
            "updated_count": result.updated,
        }

    return uploads.run(RegisterImport, job_id, work)


def recover_stale_jobs() -> dict[str, int]:
    """Beat: register imports whose worker died are taken over or failed (uploads.recover_stale)."""
    return uploads.recover_stale(RegisterImport, task_names.IMPORT_REGISTER_FILE)
