"""Import of the voter register from CSV.

Columns (header row required, comma or semicolon): ``iin, full_name, birth_date, address,
district, status, sex, polling_station``; ``status`` may be omitted (active), ``sex`` too (M/F,
М/Ж or Е/Ә), and ``polling_station`` (the number of the station whose list holds the voter).
Dates are YYYY-MM-DD or DD.MM.YYYY. A voter whose IIN digits disagree with the birth date or sex
is imported (allowed since 2013) and flagged, so their signatures go to an official.
An IIN already in the register is updated (district, status, data), others are added.

All or nothing, resumable, and a re-import pays only for what changed:

1. **Checking**, resumable. The file is read as a stream, CHUNK lines at a time, and every line
   is checked (forked processes do the work when there are cores for it). Each line's IIN digest
   goes, with its line number, to a keys stage table (for the repeated-IIN check). A line whose
   voter is new, or whose values differ from those the register row was built from (a keyed
   digest of the line, ``Voter.source_digest``), is built, the expensive part (word digests of
   the name, encryption), into a rows stage table; an unchanged voter costs an index lookup.
   The stage tables are UNLOGGED tables of the run's own, and the run's progress
   (``RegisterImportRun``) is committed with them every RECALL_IMPORT_COMMIT_LINES lines: an import whose
   process was killed goes on from there when the same official imports the same file (told by
   its SHA-256) again, or when beat hands an uploaded job to another worker.
2. **Writing**, one transaction. Repeated IINs and voters of other jurisdictions reject the
   file; otherwise the staged rows go into the register in one INSERT ... ON CONFLICT, the
   district counts are recounted, and the run and its tables are dropped. Until that commits
   the register is as it was; a rejected file leaves it as it was too.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import hashlib
import logging
import os
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

import billiard
from django.conf import settings
from django.core.files import File
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ... import crypto, jurisdiction, task_names
from ... import iin as iin_module
from ...calendar import add_months, eighteenth_birthday, local_midnight
from ...errors import ImportRejected, OutsideJurisdiction
from ...models import District, RegisterImport, RegisterImportRun, Voter, VoterStatus
from .. import audit, queue
from . import uploads
from .csv_files import MAX_REPORTED_ERRORS, open_text, parse_date, read_header

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Column:
    """A column of the register file: its header, whether every line must fill it, and the
    longest value it may hold (an over-long value is reported with its line)."""

    name: str
    required: bool
    max_length: int


# The file's columns: a new optional column is one line here (and its use in _RowBuilder).
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
# Lines per piece of work (the progress is committed every RECALL_IMPORT_COMMIT_LINES).
CHUNK = 5000
# Forked processes at most, one per core: the work is CPU-bound and scales with the cores.
MAX_WORKERS = 16
# A run nobody went on with for this long is dropped when the next import starts.
ABANDONED_AFTER = dt.timedelta(days=2)
# pg_try_advisory_lock(namespace, run id): one process at a time works on a run.
_LOCK_NAMESPACE = 0x5245  # "RE"

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ImportResult:
    total: int
    created: int
    updated: int
    unchanged: int = 0


# A line checked: (line, iin, full_name, birth_date, address, district_id, status, station,
# adult_from, iin_data_mismatch, iin_digest, source_digest).
Checked = tuple


class _RowBuilder:
    """Checks a CSV record (ValueError naming every problem of the line) and builds its
    register row. Made once per import and inherited by the forked processes."""

    def __init__(self, now: dt.datetime, actor: Any | None, header: list[str], delimiter: str, postgres: bool) -> None:
        districts = District.objects.all()
        scope = jurisdiction.district_scope(actor) if actor is not None else None
        if scope is not None:
            districts = districts.filter(pk__in=scope.values("pk"))
        self.districts = dict(districts.values_list("code", "id"))
        # An official of a territorial commission may add and update only the voters of its
        # districts, including voters already registered elsewhere (None: no limit).
        self.scope_ids = list(self.districts.values()) if scope is not None else None
        self.now = now
        self.today = now.date()
        self.adult_cutoff = add_months(now.date(), -12 * ADULT_MEMORY_YEARS)
        self.statuses = set(VoterStatus.values)
        self.width = len(header)
        # Where each column is in this file's lines (None: the file has no such column).
        self.positions = [header.index(c) if c in header else None for c in COLUMNS]
        self.delimiter = delimiter
        self.postgres = postgres

    def check(self, line: int, record: list[str]) -> Checked:
        if len(record) > self.width:
            raise ValueError(_("too many fields"))
        size = len(record)
        iin_raw, full_name, birth_raw, address, district, status_raw, sex_raw, station = values = [
            record[i].strip() if i is not None and i < size else "" for i in self.positions
        ]
        problems: list[str] = []
        empty = [c for c, v in zip(COLUMNS, values, strict=True) if not v and c in REQUIRED]
        if empty:
            problems.append(_("empty %(cols)s") % {"cols": ", ".join(empty)})
        for column, value in zip(SPEC, values, strict=True):
            if len(value) > column.max_length:
                problems.append(
                    _("%(col)s is too long (%(n)s characters, at most %(max)s)")
                    % {"col": column.name, "n": len(value), "max": column.max_length}
                )
        iin = birth_date = district_id = sex = None
        if iin_raw:
            try:
                iin = iin_module.validate(iin_raw)
            except iin_module.InvalidIIN as exc:
                problems.append(_("invalid IIN (%(code)s)") % {"code": exc.code})
        if birth_raw:
            try:
                birth_date = parse_date(birth_raw)
            except ValueError:
                problems.append(_("invalid birth date %(value)r") % {"value": birth_raw})
            else:
                if birth_date > self.today:
                    problems.append(_("birth date in the future"))
        if district:
            district_id = self.districts.get(district)
            if district_id is None:
                problems.append(_("unknown district %(code)r (or outside your jurisdiction)") % {"code": district})
        status = status_raw.lower() or VoterStatus.ACTIVE
        if status not in self.statuses:
            problems.append(_("unknown status %(status)r") % {"status": status_raw})
        if sex_raw:
            sex = SEXES.get(sex_raw[:1].lower())
            if sex is None:
                problems.append(_("unknown sex %(sex)r (M or F)") % {"sex": sex_raw})
        if problems:
            raise ValueError("; ".join(problems))
        station = " ".join(station.split())  # the length is SPEC's
        adult_on = eighteenth_birthday(birth_date)
        adult_from = local_midnight(adult_on) if adult_on > self.adult_cutoff else None
        mismatch = bool(iin_module.data_warnings(iin, birth_date=birth_date, sex=sex))
        born = birth_date.isoformat()
        # What the row is built from, so a re-import can tell an unchanged line (the adult date
        # too: it is forgotten once it is more than ADULT_MEMORY_YEARS old).
        source = "\x1f".join(
            (
                iin,
                full_name,
                born,
                address,
                str(district_id),
                status,
                station,
                str(adult_on > self.adult_cutoff),
                str(mismatch),
            )
        )
        return (
            line,
            iin,
            full_name,
            born,
            address,
            district_id,
            status,
            station,
            adult_from,
            mismatch,
            crypto.iin_digest(iin),
            crypto.register_source_digest(source),
        )

    def build(self, checked: Checked) -> Any:
        """The stage row of a checked line: COPY text on PostgreSQL, a tuple elsewhere."""
        line, iin, full_name, born, address, district_id, status, station, adult_from, mismatch, digest, source = (
            checked
        )
        personal = crypto.encrypt({"iin": iin, "full_name": full_name, "birth_date": born, "address": address})
        words = crypto.register_name_digests(full_name, iin)
        birth = crypto.birth_digest(dt.date.fromisoformat(born))
        name = crypto.name_digest(full_name)
        if self.postgres:
            # COPY's text format: only the station is free text that could hold a backslash
            # (tabs and line ends were folded away); the rest are digits, hex and base64.
            return (
                f"{line}\t{digest}\t{district_id}\t{status}\t{station.replace(chr(92), chr(92) * 2)}\t{name}\t"
                f"{_pg_array(words.surname)}\t{_pg_array(words.given)}\t{_pg_array(words.patronymic)}\t"
                f"{_pg_array(words.patronymic_near)}\t{birth}\t"
                f"{adult_from.isoformat() if adult_from else NULL}\t{'t' if mismatch else 'f'}\t{personal}\t{source}\n"
            )
        return (
            line,
            digest,
            district_id,
            status,
            station,
            name,
            _json_array(words.surname),
            _json_array(words.given),
            _json_array(words.patronymic),
            _json_array(words.patronymic_near),
            birth,
            adult_from,
            mismatch,
            personal,
            source,
        )


NULL = "\\N"


def _pg_array(values: tuple[int, ...]) -> str:
    return "{" + ",".join(map(str, values)) + "}"


def _json_array(values: tuple[int, ...]) -> str:
    return "[" + ",".join(map(str, values)) + "]"


# --- the work on a chunk of lines, in a forked process or in this one --------------------------

# What to do with a chunk: check every line and build it too (the register was empty: every
# voter is new); check every line and stage its keys (the first pass of a re-import); build the
# lines the first pass found changed (its second pass); or only check (the file has errors
# already: nothing more is staged).
BUILD, CHECK, REBUILD, ONLY_CHECK = "build", "check", "rebuild", "only-check"


@dataclass
class ChunkResult:
    last_line: int
    keys: str | list | None = None  # (line, iin_digest, source_digest): COPY text, or tuples
    rows: str | list | None = None  # stage rows: COPY text, or tuples
    errors: list[dict[str, Any]] = field(default_factory=list)
    # A line the CSV reader cannot read: the file is rejected there.
    unreadable: dict[str, Any] | None = None


# A chunk of work: (the last line it covers, pieces), a piece being (the number of its first
# line, its lines). The first pass sends the file in pieces of about CHUNK lines; the second only
# the records of the changed lines, one piece each.
Piece = tuple[int, list[str]]


def _records(builder: _RowBuilder, pieces: list[Piece]) -> Iterator[tuple[int, list[str]]]:
    for first_line, lines in pieces:
        reader = csv.reader(lines, delimiter=builder.delimiter)
        for record in reader:
            if record:  # a blank line is no voter
                yield first_line - 1 + reader.line_num, record


def _work(builder: _RowBuilder, mode: str, last_line: int, pieces: list[Piece]) -> ChunkResult:
    result = ChunkResult(last_line)
    checked = []
    try:
        for line, record in _records(builder, pieces):
            try:
                checked.append(builder.check(line, record))
            except ValueError as exc:
                result.errors.append({"line": line, "error": str(exc)})
    except csv.Error as exc:
        result.unreadable = {"line": last_line, "error": _("unreadable: %(e)s") % {"e": exc}}
        return result
    if mode == ONLY_CHECK or result.errors:
        return result
    if mode in (BUILD, CHECK):
        if builder.postgres:
            result.keys = "".join(f"{c[0]}\t{c[10]}\t{c[11]}\t{c[5]}\t{c[6]}\n" for c in checked)
        else:
            result.keys = [(c[0], c[10], c[11], c[5], c[6]) for c in checked]
    if mode in (BUILD, REBUILD):
        built = [builder.build(c) for c in checked]
        result.rows = "".join(built) if builder.postgres else built
    return result


class _Lines:
    """A set of line numbers as a bitmap: the changed lines of a twelve-million-line file in
    1.5 MB."""

    def __init__(self, last: int) -> None:
        self.bits = bytearray(last // 8 + 1)

    def add(self, line: int) -> None:
        self.bits[line >> 3] |= 1 << (line & 7)

    def has(self, line: int) -> bool:
        return line >> 3 < len(self.bits) and bool(self.bits[line >> 3] & (1 << (line & 7)))


# What the forked processes use (inherited when the pool forks, not pickled).
_POOL_BUILDER: _RowBuilder | None = None


def _work_in_pool(mode: str, last_line: int, pieces: list[Piece]) -> ChunkResult:
    assert _POOL_BUILDER is not None
    return _work(_POOL_BUILDER, mode, last_line, pieces)


class _Done:
    """A result computed in this process, with the AsyncResult's get()."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def get(self) -> Any:
        return self.value


class _Workers:
    """Checking, digests and encryption are the import's work; with two or more cores they run
    in forked processes (one per core) while this one reads the file and streams to the
    database. billiard's pool (Celery's fork of multiprocessing) so that an import running in a
    Celery worker's child, a daemon process, may fork too."""

    def __init__(self, builder: _RowBuilder) -> None:
        global _POOL_BUILDER
        self.builder = builder
        cores = os.cpu_count() or 1
        self.pool = None
        self.size = 1
        if cores >= 2:
            _POOL_BUILDER = builder
            self.size = min(cores, MAX_WORKERS)
            self.pool = billiard.get_context("fork").Pool(self.size)

    def work(self, mode: str, last_line: int, pieces: list[Piece]) -> Any:
        if self.pool is None:
            return _Done(_work(self.builder, mode, last_line, pieces))
        return self.pool.apply_async(_work_in_pool, (mode, last_line, pieces))

    def close(self) -> None:
        global _POOL_BUILDER
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
        _POOL_BUILDER = None


# --- the run: stage tables, progress, resumption ----------------------------------------------

STAGE_COLUMNS = (
    "line",
    "iin_digest",
    "district_id",
    "status",
    "polling_station",
    "name_digest",
    "name_surname",
    "name_given",
    "name_patronymic",
    "name_patronymic_near",
    "birth_digest",
    "adult_from",
    "iin_data_mismatch",
    "personal",
    "source_digest",
)
# Every line's key, for the checks on the whole file and the district counts.
KEY_COLUMNS = ("line", "iin_digest", "source_digest", "district_id", "status")
# The voter's per-word name digests (recall.names), bigint[] on PostgreSQL.
NAME_COLUMNS = ("name_surname", "name_given", "name_patronymic", "name_patronymic_near")


def _file_identity(stream: IO[bytes]) -> tuple[int, str]:
    """(data rows, SHA-256) of the file, in one pass: the rows for the progress, the digest to
    find this file's run again after a kill."""
    stream.seek(0)
    sha, newlines, last = hashlib.sha256(), 0, b""
    for block in iter(lambda: stream.read(1 << 20), b""):
        sha.update(block)
        newlines += block.count(b"\n")
        last = block
    stream.seek(0)
    if not last:
        return 0, sha.hexdigest()
    lines = newlines + (0 if last.endswith(b"\n") else 1)
    return max(0, lines - 1), sha.hexdigest()


class _Run:
    """A run's row and its two stage tables."""

    def __init__(self, row: RegisterImportRun) -> None:
        self.row = row
        self.keys_table = f"recall_register_stage_keys_{row.pk}"
        self.rows_table = f"recall_register_stage_rows_{row.pk}"
        self.postgres = connection.vendor == "postgresql"

    @classmethod
    def start(cls, key: str, total: int, *, builds_all: bool) -> _Run:
        _drop_abandoned_runs()
        try:
            with transaction.atomic():
                row, created = RegisterImportRun.objects.get_or_create(
                    key=key, defaults={"total_lines": total, "builds_all": builds_all}
                )
        except IntegrityError:  # another process made it at the same moment: it is theirs
            row, created = RegisterImportRun.objects.get(key=key), False
        run = cls(row)
        run.lock()
        if created:
            run.create_tables()
        elif not run.tables_hold_what_was_committed():
            # A crash of PostgreSQL empties UNLOGGED tables: the checking starts again.
            logger.warning("register import run %s: its stage tables were lost; checking again", row.pk)
            run.reset()
        return run

    @classmethod
    def forget(cls, key: str) -> None:
        row = RegisterImportRun.objects.filter(key=key).first()
        if row is not None:
            run = cls(row)
            run.lock()
            run.drop()
            run.unlock()

    def lock(self) -> None:
        if not self.postgres:
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [_LOCK_NAMESPACE, self.row.pk])
            if not cursor.fetchone()[0]:
                raise ImportRejected(
                    [{"line": 0, "error": _("this file is being imported already; wait for that import to end")}], 1
                )

    def unlock(self) -> None:
        if self.postgres:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [_LOCK_NAMESPACE, self.row.pk])

    def create_tables(self) -> None:
        unlogged = "UNLOGGED " if self.postgres else ""
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.keys_table}")
            cursor.execute(f"DROP TABLE IF EXISTS {self.rows_table}")
            cursor.execute(
                f"CREATE {unlogged}TABLE {self.keys_table} (line integer, iin_digest varchar(64), "
                "source_digest bigint, district_id bigint, status varchar(16))"
            )
            if self.postgres:
                cursor.execute(
                    f"""CREATE UNLOGGED TABLE {self.rows_table} (
                        line integer, iin_digest varchar(64), district_id bigint, status varchar(16),
                        polling_station text, name_digest varchar(64), name_surname bigint[], name_given bigint[],
                        name_patronymic bigint[], name_patronymic_near bigint[], birth_digest varchar(64),
                        adult_from timestamptz, iin_data_mismatch boolean, personal text, source_digest bigint
                    )"""
                )
            else:
                cursor.execute(
                    f"CREATE TABLE {self.rows_table} (line integer, iin_digest text, district_id integer, "
                    "status text, polling_station text, name_digest text, name_surname text, name_given text, "
                    "name_patronymic text, name_patronymic_near text, birth_digest text, adult_from datetime, "
                    "iin_data_mismatch bool, personal text, source_digest bigint)"
                )

    def tables_hold_what_was_committed(self) -> bool:
        with connection.cursor() as cursor:
            try:
                with transaction.atomic():
                    cursor.execute(f"SELECT count(*) FROM {self.keys_table}")
                    keys = cursor.fetchone()[0]
                    cursor.execute(f"SELECT count(*) FROM {self.rows_table}")
                    rows = cursor.fetchone()[0]
            except Exception:  # noqa: BLE001 - a table that is gone is a reason to start again
                return False
        return (keys, rows) == (self.row.staged_keys, self.row.staged_rows)

    def reset(self) -> None:
        self.create_tables()
        RegisterImportRun.objects.filter(pk=self.row.pk).update(
            checked_lines=0, built_lines=0, staged_keys=0, staged_rows=0, error_count=0, errors=[]
        )
        self.row.refresh_from_db()

    def stage(self, result: ChunkResult) -> None:
        """Write a chunk's keys and built rows (inside the caller's transaction)."""
        keys, rows = result.keys, result.rows
        with connection.cursor() as cursor:
            if self.postgres:
                if keys:
                    with cursor.cursor.copy(f"COPY {self.keys_table} ({', '.join(KEY_COLUMNS)}) FROM STDIN") as copy:
                        copy.write(keys)
                    self.row.staged_keys += keys.count("\n")
                if rows:
                    with cursor.cursor.copy(f"COPY {self.rows_table} ({', '.join(STAGE_COLUMNS)}) FROM STDIN") as copy:
                        copy.write(rows)
                    self.row.staged_rows += rows.count("\n")
                return
            if keys:
                cursor.executemany(f"INSERT INTO {self.keys_table} VALUES (%s, %s, %s, %s, %s)", keys)
                self.row.staged_keys += len(keys)
            if rows:
                placeholders = ", ".join(["%s"] * len(STAGE_COLUMNS))
                cursor.executemany(f"INSERT INTO {self.rows_table} VALUES ({placeholders})", rows)
                self.row.staged_rows += len(rows)

    def note_errors(self, errors: list[dict[str, Any]]) -> None:
        self.row.error_count += len(errors)
        room = MAX_REPORTED_ERRORS - len(self.row.errors)
        if room > 0:
            self.row.errors.extend(errors[:room])

    def commit_progress(self, field: str, line: int) -> None:
        setattr(self.row, field, line)
        self.row.save(update_fields=[field, "staged_keys", "staged_rows", "error_count", "errors", "updated_at"])

    def drop(self) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.keys_table}")
            cursor.execute(f"DROP TABLE IF EXISTS {self.rows_table}")
            RegisterImportRun.objects.filter(pk=self.row.pk).delete()


def _drop_abandoned_runs() -> None:
    for row in RegisterImportRun.objects.filter(updated_at__lt=timezone.now() - ABANDONED_AFTER):
        run = _Run(row)
        if run.postgres:
            with connection.cursor() as cursor:  # not one a live process holds
                cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [_LOCK_NAMESPACE, row.pk])
                if not cursor.fetchone()[0]:
                    continue
        run.drop()
        run.unlock()
        logger.info("register import run %s was abandoned at line %s; dropped", row.pk, row.checked_lines)


# --- the import -------------------------------------------------------------------------------


def _chunks(text: Any, skip_to: int) -> Iterator[tuple[int, list[Piece]]]:
    """The file after line ``skip_to`` in pieces of about CHUNK lines, cut only where a record
    ends (an even count of quotes so far: a quoted field may hold a line end). The lines are
    parsed by the workers; here they are only read and decoded."""
    line = 1  # the header
    lines: list[str] = []
    first = quotes = 0
    try:
        for raw in text:
            line += 1
            if line <= skip_to:
                continue
            if not lines:
                first = line
            lines.append(raw)
            quotes += raw.count('"')
            # A quote never closed makes the rest of the file one field: cut anyway, and the
            # reader reports it (a field longer than MAX_FIELD) with its line.
            if len(lines) >= CHUNK and (not quotes % 2 or len(lines) >= 4 * CHUNK):
                yield line, [(first, lines)]
                lines, quotes = [], 0
    except UnicodeDecodeError as exc:
        raise ImportRejected([{"line": line + 1, "error": _("unreadable: %(e)s") % {"e": exc}}], 1) from exc
    if lines:
        yield line, [(first, lines)]


def _changed_records(text: Any, skip_to: int, changed: _Lines) -> Iterator[tuple[int, list[Piece]]]:
    """The second pass: only the records that end on a changed line (the first pass read the
    whole file, so it is known to be readable), CHUNK records or 20 CHUNKs of lines at a time."""
    line = 1
    record: list[str] = []
    pieces: list[Piece] = []
    first = quotes = scanned = 0
    for raw in text:
        line += 1
        if line <= skip_to:
            continue
        if not record:
            first = line
        record.append(raw)
        quotes += raw.count('"')
        if quotes % 2:
            continue  # a quoted line end: the record goes on
        if changed.has(line):
            pieces.append((first, record))
        record, quotes = [], 0
        scanned += 1
        if len(pieces) >= CHUNK or scanned >= 20 * CHUNK:
            yield line, pieces
            pieces, scanned = [], 0
    if pieces or scanned:
        yield line, pieces


def _pass(
    run: _Run,
    workers: _Workers,
    text: Any,
    mode: str,
    progress: Callable[[int], None] | None,
    changed: _Lines | None = None,
) -> None:
    """One pass over the file after the run's committed progress in ``mode``, staging what the
    workers return in file order and committing the progress every RECALL_IMPORT_COMMIT_LINES lines."""
    field = "built_lines" if mode == REBUILD else "checked_lines"
    done = getattr(run.row, field)
    chunks = _chunks(text, done) if changed is None else _changed_records(text, done, changed)
    pending: deque[Any] = deque()
    window = 2 * workers.size + 1
    since_commit, finished = 0, False
    while not finished:
        with transaction.atomic():
            while True:
                while len(pending) < window:
                    chunk = next(chunks, None)
                    if chunk is None:
                        break
                    pending.append(workers.work(mode, *chunk))
                if not pending:
                    finished = True
                    run.commit_progress(field, done)
                    break
                result: ChunkResult = pending.popleft().get()
                if result.unreadable:
                    raise ImportRejected([result.unreadable], 1)
                if result.errors:
                    run.note_errors(result.errors)
                    if mode != ONLY_CHECK:
                        mode = ONLY_CHECK  # the chunks already on their way are checked, not staged
                if not run.row.error_count:
                    run.stage(result)
                since_commit += result.last_line - done
                done = result.last_line
                if progress:
                    progress(done - 1)
                if since_commit >= settings.RECALL_IMPORT_COMMIT_LINES:
                    run.commit_progress(field, done)
                    since_commit = 0
                    break


def _changed_lines(run: _Run) -> _Lines:
    """The lines whose voter is new or was built from other values: a hash join of the staged
    keys with the register, not a lookup per line."""
    changed = _Lines(run.row.total_lines + 1)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT k.line FROM {run.keys_table} k LEFT JOIN recall_voter v ON v.iin_digest = k.iin_digest "
            "WHERE v.source_digest IS NULL OR v.source_digest <> k.source_digest"
        )
        while rows := cursor.fetchmany(50_000):
            for (line,) in rows:
                changed.add(line)
    return changed


_COLUMNS_WRITTEN = """iin_digest, district_id, status, polling_station, name_digest, name_surname, name_given,
    name_patronymic, name_patronymic_near, birth_digest, adult_from, iin_data_mismatch, personal, source_digest"""


def _write(run: _Run, builder: _RowBuilder, now: dt.datetime, actor: Any, source: str) -> ImportResult:
    """The one transaction that changes the register (or rejects the file)."""
    keys, rows = run.keys_table, run.rows_table
    with connection.cursor() as cursor:
        if builder.scope_ids is not None:
            # Checked on every line after the first pass; again here on the lines that change
            # something, since another import may have moved one of these voters since.
            _reject_voters_outside(cursor, rows, builder.scope_ids)
        cursor.execute(f"SELECT count(*) FROM {keys}")
        total = cursor.fetchone()[0]
        cursor.execute(f"SELECT count(*) FROM {rows}")
        changed = cursor.fetchone()[0]
        if run.row.builds_all and _empty_and_locked(cursor):
            updated = 0
            with _indexes_built_after(cursor):
                cursor.execute(
                    f"INSERT INTO recall_voter ({_COLUMNS_WRITTEN}, updated_at) "
                    f"SELECT {_COLUMNS_WRITTEN}, %s FROM {rows}",
                    [now],
                )
            # The register held nobody: its counts are the file's (from the narrow keys table).
            cursor.execute(f"SELECT district_id, count(*) FROM {keys} WHERE status = 'active' GROUP BY district_id")
            counts = dict(cursor.fetchall())
            _set_district_counts(cursor, counts, now, relative=False)
        else:
            delta = _count_changes(cursor, rows)
            cursor.execute(
                f"SELECT count(*) FROM {rows} s WHERE EXISTS "
                "(SELECT 1 FROM recall_voter v WHERE v.iin_digest = s.iin_digest)"
            )
            updated = cursor.fetchone()[0]
            cursor.execute(
                f"""
                INSERT INTO recall_voter ({_COLUMNS_WRITTEN}, updated_at)
                SELECT {_COLUMNS_WRITTEN}, %s
                FROM {rows} WHERE true ORDER BY iin_digest  -- sorted: the B-tree's pages are visited in order
                ON CONFLICT (iin_digest) DO UPDATE SET
                    district_id = excluded.district_id, status = excluded.status,
                    polling_station = excluded.polling_station,
                    name_digest = excluded.name_digest, name_surname = excluded.name_surname,
                    name_given = excluded.name_given, name_patronymic = excluded.name_patronymic,
                    name_patronymic_near = excluded.name_patronymic_near, birth_digest = excluded.birth_digest,
                    adult_from = excluded.adult_from, iin_data_mismatch = excluded.iin_data_mismatch,
                    personal = excluded.personal, source_digest = excluded.source_digest,
                    updated_at = excluded.updated_at
                """,
                [now],
            )
            if District.objects.filter(pk__in=delta, register_updated_at__isnull=True).exists():
                refresh_district_counts(now)  # a district counted by no import before: recount all
            else:
                _set_district_counts(cursor, delta, now, relative=True)
    result = ImportResult(total=total, created=changed - updated, updated=updated, unchanged=total - changed)
    audit.record(
        "register.imported",
        actor=actor,
        reason=source,
        total=result.total,
        created=result.created,
        updated=result.updated,
        unchanged=result.unchanged,
    )
    return result


def _count_changes(cursor: Any, rows: str) -> dict[int, int]:
    """Active voters gained (+) and lost (-) per district by the staged rows, read before they
    are written: a re-import that changes 1 % of the register recounts 1 % of it."""
    cursor.execute(
        f"""
        SELECT district_id, sum(n) FROM (
            SELECT district_id, count(*) AS n FROM {rows} WHERE status = 'active' GROUP BY district_id
            UNION ALL
            SELECT v.district_id, -count(*) AS n FROM {rows} s JOIN recall_voter v ON v.iin_digest = s.iin_digest
            WHERE v.status = 'active' GROUP BY v.district_id
        ) AS changes GROUP BY district_id
        """
    )
    return {district: int(n) for district, n in cursor.fetchall() if n}


def _set_district_counts(cursor: Any, counts: dict[int, int], now: dt.datetime, *, relative: bool) -> None:
    """Every district's count of registered voters: ``counts`` (absent: 0), or its count plus
    ``counts`` (``relative``); every district's register date is the import's."""
    cursor.execute(
        "UPDATE recall_district SET register_updated_at = %s" + ("" if relative else ", registered_voters = 0"),
        [now],
    )
    cursor.executemany(
        "UPDATE recall_district SET registered_voters = "
        + ("registered_voters + %s" if relative else "%s")
        + " WHERE id = %s",
        [(n, district) for district, n in counts.items()],
    )


def _empty_and_locked(cursor: Any) -> bool:
    """The register is empty, and stays so until this transaction ends (PostgreSQL: the first
    national import, which may then load the table before building its indexes)."""
    if connection.vendor != "postgresql":
        return False
    cursor.execute("LOCK TABLE recall_voter IN ACCESS EXCLUSIVE MODE")
    cursor.execute("SELECT NOT EXISTS (SELECT 1 FROM recall_voter)")
    return cursor.fetchone()[0]


@contextlib.contextmanager
def _indexes_built_after(cursor: Any) -> Iterator[None]:
    """Load an empty register without its secondary indexes and its unique and foreign-key
    constraints, then put each back exactly as it was (same name, same definition): one sort
    per index instead of twelve million B-tree insertions, and one join to check the districts
    instead of a trigger per row. The primary key stays (other tables' keys point at it)."""
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = 'recall_voter'::regclass AND contype IN ('u', 'f') ORDER BY contype DESC, conname"
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
        "WHERE x.indrelid = 'recall_voter'::regclass AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) ORDER BY i.relname"
    )
    indexes = cursor.fetchall()
    for name, _definition in constraints:
        cursor.execute(f'ALTER TABLE recall_voter DROP CONSTRAINT "{name}"')
    for name, _definition in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    yield
    # Sorting twelve million keys in memory rather than in files (for this transaction only).
    cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
    for _name, definition in indexes:
        cursor.execute(definition)
    for name, definition in constraints:
        cursor.execute(f'ALTER TABLE recall_voter ADD CONSTRAINT "{name}" {definition}')


def import_register(
    stream: IO[bytes],
    *,
    actor: Any | None = None,
    progress: Progress | None = None,
    source: str = "",
    restart: bool = False,
) -> ImportResult:
    """Import a register CSV. Raises ImportRejected (nothing written) if any line is wrong.
    A run of the same file by the same official that was killed goes on where it stopped
    (``restart``: from the start)."""
    lines, sha = _file_identity(stream)
    now = timezone.now()
    text = open_text(stream)
    header, delimiter = read_header(text, REQUIRED)
    builder = _RowBuilder(now, actor, header, delimiter, connection.vendor == "postgresql")
    key = f"{sha}:{getattr(actor, 'pk', None) or '-'}"
    if restart:
        _Run.forget(key)
    # A register that holds nobody yet: every voter is new, so the first pass builds them all.
    run = _Run.start(key, lines, builds_all=not Voter.objects.exists())
    passes = 1 if run.row.builds_all else 2
    resumed_at = max(run.row.checked_lines - 1, 0) + max(run.row.built_lines - 1, 0)
    if resumed_at:
        logger.info("register import run %s goes on after %s of %s lines", run.row.pk, resumed_at, passes * lines)
    if progress:
        progress(resumed_at, passes * lines)
    started = time.monotonic()

    def report(offset: int) -> Callable[[int], None] | None:
        return (lambda done: progress(offset + done, passes * lines)) if progress else None

    try:
        first = ONLY_CHECK if run.row.error_count else BUILD if run.row.builds_all else CHECK
        workers = _Workers(builder)
        try:
            _pass(run, workers, text, first, report(0))
        finally:
            workers.close()
        if run.row.error_count:
            raise ImportRejected(run.row.errors, run.row.error_count)
        with connection.cursor() as cursor:
            _reject_repeated_iins(cursor, run.keys_table)
            if builder.scope_ids is not None:
                _reject_voters_outside(cursor, run.keys_table, builder.scope_ids)
        checked = time.monotonic()
        if passes == 2:
            changed = _changed_lines(run)
            text = open_text(stream)
            read_header(text, REQUIRED)
            workers = _Workers(builder)
            try:
                _pass(run, workers, text, REBUILD, report(lines), changed)
            finally:
                workers.close()
        built = time.monotonic()
        with transaction.atomic():
            result = _write(run, builder, now, actor, source)
            run.drop()
        written = time.monotonic()
    except ImportRejected:
        run.drop()
        raise
    finally:
        try:
            run.unlock()
        except DatabaseError:  # the session is gone, and its lock with it
            logger.warning("register import run %s: could not release its lock", run.row.pk, exc_info=True)
    logger.info(
        "register import: %s rows checked in %.1f s, %s changed rows built in %.1f s and written in %.1f s",
        result.total,
        checked - started,
        result.created + result.updated,
        built - checked,
        written - built,
    )
    return result


def _reject_repeated_iins(cursor: Any, keys: str) -> None:
    cursor.execute(
        f"""
        SELECT min(line), max(line), count(*) OVER () FROM {keys}
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


def _reject_voters_outside(cursor: Any, rows: str, district_ids: list[int]) -> None:
    # Only changed lines can move a voter: an unchanged one is in the district it names.
    cursor.execute(
        f"""
        SELECT s.line, count(*) OVER () FROM {rows} s
        JOIN recall_voter v ON v.iin_digest = s.iin_digest
        WHERE NOT (v.district_id = ANY(%s)) ORDER BY s.line LIMIT %s
        """
        if connection.vendor == "postgresql"
        else f"""
        SELECT s.line, count(*) OVER () FROM {rows} s
        JOIN recall_voter v ON v.iin_digest = s.iin_digest
        WHERE v.district_id NOT IN ({", ".join(["%s"] * len(district_ids)) or "NULL"}) ORDER BY s.line LIMIT %s
        """,
        [district_ids, MAX_REPORTED_ERRORS]
        if connection.vendor == "postgresql"
        else [*district_ids, MAX_REPORTED_ERRORS],
    )
    found = cursor.fetchall()
    if found:
        errors = [
            {"line": line, "error": _("this voter is registered in a district outside your jurisdiction")}
            for line, _total in found
        ]
        raise ImportRejected(errors, found[0][1])


def refresh_district_counts(now: dt.datetime | None = None) -> None:
    """Registered voters per district = active voters in the register: one statement, one pass
    over the register grouped by district (not a count per district)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH counted AS (
                SELECT district_id, count(*) AS n FROM recall_voter WHERE status = 'active' GROUP BY district_id
            )
            UPDATE recall_district SET
                registered_voters = coalesce((SELECT n FROM counted WHERE counted.district_id = recall_district.id), 0),
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
            "unchanged_count": result.unchanged,
        }

    return uploads.run(RegisterImport, job_id, work)


def recover_stale_jobs() -> dict[str, int]:
    """Beat: register imports whose worker died are taken over or failed (uploads.recover_stale)."""
    return uploads.recover_stale(RegisterImport, task_names.IMPORT_REGISTER_FILE)
