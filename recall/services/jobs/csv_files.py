"""Reading the CSV files officials upload (the voter register, paper sheets), and writing the
ones the service gives out (exports, the audit log, open data).

Spreadsheet programs here save CSV as UTF-8 (with or without a byte-order mark) or as
Windows-1251, with a comma or a semicolon; every reader accepts all of them, requires a header
row, and reports problems by line number (ImportRejected). Every writer goes through
``CsvLines``: a cell of text that a spreadsheet would run as a formula is written as text.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from collections.abc import Iterable
from typing import IO, Any

from django.utils.translation import gettext as _

from ...errors import ImportRejected

# What a spreadsheet program reads as the start of a formula (OWASP's list, "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Text someone typed (a name, a refusal's reason, a deputy's name) must not run as a
    spreadsheet formula: prefixed with an apostrophe, which spreadsheets show as text. Numbers
    stay numbers."""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value


class _Echo:
    """A file whose write returns the line, for csv.writer in a streamed response."""

    def write(self, value: str) -> str:
        return value


class CsvLines:
    """One CSV line at a time (for a streamed response or a joined file), every cell through
    ``safe_cell``."""

    def __init__(self, **dialect: Any) -> None:
        self._writer = csv.writer(_Echo(), **dialect)

    def line(self, cells: Iterable[Any]) -> str:
        return self._writer.writerow([safe_cell(cell) for cell in cells])


# A rejected file reports at most this many of its wrong lines.
MAX_REPORTED_ERRORS = 200


def parse_date(value: str) -> dt.date:
    value = value.strip()
    if "." in value:
        day, month, year = value.split(".")
        return dt.date(int(year), int(month), int(day))
    return dt.date.fromisoformat(value)


# The encoding is told from the file's first megabyte; the rest is read as a stream.
SNIFF_BYTES = 1 << 20
# A field longer than this is a broken file (a missing quote swallows the lines after it): the
# reader stops at it and names its line.
MAX_FIELD = 10_000


class _Borrowed(io.RawIOBase):
    """The upload, read through a text wrapper that must not close it."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def open_text(stream: IO[bytes]) -> io.TextIOBase:
    """UTF-8 (with or without a byte-order mark) or, as spreadsheet programs here save CSV,
    Windows-1251, as a text stream: a register of twelve million voters is never held in
    memory. Bytes that are not of the encoding found at the start are reported by line."""
    stream.seek(0)
    head = stream.read(SNIFF_BYTES)
    stream.seek(0)
    encoding = "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=len(head) < SNIFF_BYTES)
    except UnicodeDecodeError:
        try:
            head.decode("cp1251")
        except UnicodeDecodeError as exc:
            raise ImportRejected(
                [{"line": 0, "error": _("the file is neither UTF-8 nor Windows-1251 text; save it as CSV")}], 1
            ) from exc
        encoding = "cp1251"
    return io.TextIOWrapper(io.BufferedReader(_Borrowed(stream), 1 << 20), encoding=encoding, newline="")


def count_rows(stream: IO[bytes]) -> int:
    """Data rows in the file (lines minus the header), for the progress bar."""
    if stream.seek(0, io.SEEK_END) == 0:
        return 0
    stream.seek(0)
    lines = sum(chunk.count(b"\n") for chunk in iter(lambda: stream.read(1 << 20), b""))
    stream.seek(-1, io.SEEK_END)
    if stream.read(1) != b"\n":
        lines += 1
    stream.seek(0)
    return max(0, lines - 1)


def read_header(text: io.TextIOBase, required: tuple[str, ...]) -> tuple[list[str], str]:
    """The header row (lower case) and the delimiter (comma or semicolon) of an uploaded CSV,
    read from ``text``; ImportRejected if a required column is missing."""
    csv.field_size_limit(MAX_FIELD)
    first = text.readline()
    delimiter = ";" if first.count(";") > first.count(",") else ","
    header = [h.strip().lower() for h in next(csv.reader([first], delimiter=delimiter))]
    missing = [c for c in required if c not in header]
    if missing:
        raise ImportRejected([{"line": 1, "error": _("missing columns: %(cols)s") % {"cols": ", ".join(missing)}}], 1)
    return header, delimiter


def csv_reader(text: io.TextIOBase, required: tuple[str, ...]) -> csv.DictReader:
    """A reader over an uploaded CSV: header row required (any case), comma or semicolon."""
    header, delimiter = read_header(text, required)
    return csv.DictReader(text, fieldnames=header, delimiter=delimiter, restval=None)
