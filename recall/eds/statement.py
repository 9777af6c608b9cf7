"""The statement a voter signs with EDS: canonical UTF-8 text, readable, and parseable back.

Example (Russian labels)::

    KZ-RECALL-STATEMENT/1
    Подпись под петицией об отзыве депутата
    Петиция №: 12
    Депутат: Иванов Иван Иванович
    Избирательный округ: Мажилис, округ № 9
    Основания отзыва: Систематические пропуски заседаний
    Дата: 2026-11-25
    Язык: ru
    Одноразовый код: 3q2-7wW8XrD1yWc0m6l3nC9hX0i4Jb0aZgk1p2Vq8nE

The first line is fixed and language-independent; the second is a translated title; then seven
``label: value`` lines in a fixed order (petition, deputy, district, grounds, date, language,
challenge), each label given by the caller in the page's language. Values are NFC-normalised
with whitespace collapsed, so the same inputs always give the same bytes. ``parse_statement``
reads the values back by position, whatever the labels, and refuses any text that
``build_statement`` would not produce byte for byte. The challenge is 32 random bytes,
base64url without padding: one per issued statement, so a signature cannot be replayed on
another petition or reused (the caller stores it and accepts it once).
"""

from __future__ import annotations

import base64
import datetime as dt
import re
import secrets
import unicodedata
from collections.abc import Mapping

HEADER = "KZ-RECALL-STATEMENT/1"
FIELDS = ("petition", "deputy", "district", "grounds", "date", "language", "challenge")
CHALLENGE_BYTES = 32
MAX_GROUNDS_CHARS = 500
_CHALLENGE = re.compile(r"^[A-Za-z0-9_-]{43}$")  # 32 bytes in base64url without padding
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_PETITION = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

DEFAULT_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Signature under the petition to recall a deputy",
        "petition": "Petition No.",
        "deputy": "Deputy",
        "district": "Electoral district",
        "grounds": "Grounds for recall",
        "date": "Date",
        "language": "Language",
        "challenge": "One-time code",
    },
    "ru": {
        "title": "Подпись под петицией об отзыве депутата",
        "petition": "Петиция №",
        "deputy": "Депутат",
        "district": "Избирательный округ",
        "grounds": "Основания отзыва",
        "date": "Дата",
        "language": "Язык",
        "challenge": "Одноразовый код",
    },
    "kk": {
        "title": "Депутатты кері шақыру туралы петицияға қол қою",
        "petition": "Петиция №",
        "deputy": "Депутат",
        "district": "Сайлау округі",
        "grounds": "Кері шақыру негіздері",
        "date": "Күні",
        "language": "Тіл",
        "challenge": "Бір реттік код",
    },
}


class StatementError(ValueError):
    """Text that is not a statement this service issued (or inputs that cannot make one)."""


def new_challenge() -> str:
    """32 random bytes, base64url without padding (43 characters)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(CHALLENGE_BYTES)).rstrip(b"=").decode("ascii")


def build_statement(
    *,
    petition_id: int | str,
    deputy: str,
    district: str,
    grounds: str,
    date: dt.date,
    language: str,
    challenge: str,
    labels: Mapping[str, str] | None = None,
) -> bytes:
    """The exact bytes the voter signs. ``labels`` (title and the seven field labels) default to
    ``DEFAULT_LABELS[language]``, or English; pass gettext's translations to use the site's own."""
    chosen = _labels(language, labels)
    values = {
        "petition": _checked(str(petition_id), _PETITION, "petition id"),
        "deputy": _text(deputy, "deputy"),
        "district": _text(district, "district"),
        "grounds": _text(_shorten(grounds), "grounds"),
        "date": _date(date).isoformat(),
        "language": _checked(language, _LANGUAGE, "language"),
        "challenge": _checked(challenge, _CHALLENGE, "challenge"),
    }
    lines = [HEADER, chosen["title"], *(f"{chosen[key]}: {values[key]}" for key in FIELDS)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def parse_statement(data: bytes) -> dict[str, object]:
    """The values of a statement: petition_id (str), deputy, district, grounds, date
    (``datetime.date``), language, challenge, plus title and labels. Raises StatementError."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise StatementError("The statement is not UTF-8.")
    if not text.endswith("\n"):
        raise StatementError("The statement does not end with a newline.")
    lines = text[:-1].split("\n")
    if len(lines) != 2 + len(FIELDS) or lines[0] != HEADER:
        raise StatementError("This is not a recall statement of this service.")
    labels: dict[str, str] = {"title": lines[1]}
    values: dict[str, str] = {}
    for key, line in zip(FIELDS, lines[2:], strict=True):
        label, sep, value = line.partition(": ")
        if not sep:
            raise StatementError(f"The {key} line has no value.")
        labels[key], values[key] = label, value
    try:
        parsed_date = dt.date.fromisoformat(values["date"])
        rebuilt = build_statement(
            petition_id=values["petition"],
            deputy=values["deputy"],
            district=values["district"],
            grounds=values["grounds"],
            date=parsed_date,
            language=values["language"],
            challenge=values["challenge"],
            labels=labels,
        )
    except ValueError as exc:
        raise StatementError(str(exc)) from exc
    if rebuilt != data:
        raise StatementError("The statement is not in its canonical form.")
    return {
        "petition_id": values["petition"],
        "deputy": values["deputy"],
        "district": values["district"],
        "grounds": values["grounds"],
        "date": parsed_date,
        "language": values["language"],
        "challenge": values["challenge"],
        "title": labels["title"],
        "labels": labels,
    }


def _labels(language: str, labels: Mapping[str, str] | None) -> dict[str, str]:
    base = DEFAULT_LABELS.get(language.split("-")[0], DEFAULT_LABELS["en"])
    chosen = {key: _text(str((labels or {}).get(key) or base[key]), f"{key} label") for key in ("title", *FIELDS)}
    for key in FIELDS:
        label = chosen[key]
        if ": " in label or label.endswith(":"):
            raise StatementError(f"The {key} label must not contain ': '.")
    if chosen["title"] == HEADER:
        raise StatementError("The title must not repeat the header.")
    return chosen


def _text(value: str, what: str) -> str:
    """NFC, one space for any run of whitespace (newlines included), no invisible characters."""
    normal = _normalise(value)
    if not normal:
        raise StatementError(f"The {what} is empty.")
    return normal


def _normalise(value: str) -> str:
    # Control and format characters (soft hyphens, bidi marks) would make two texts that look
    # the same differ in bytes: drop them, keeping whitespace for split() to collapse.
    visible = "".join(
        ch
        for ch in unicodedata.normalize("NFC", str(value))
        if ch.isspace() or unicodedata.category(ch) not in ("Cc", "Cf")
    )
    return " ".join(visible.split())


def _shorten(grounds: str) -> str:
    text = _normalise(grounds)
    return text if len(text) <= MAX_GROUNDS_CHARS else text[: MAX_GROUNDS_CHARS - 1].rstrip() + "…"


def _checked(value: str, pattern: re.Pattern[str], what: str) -> str:
    if not pattern.match(value):
        raise StatementError(f"The {what} {value!r} is not valid.")
    return value


def _date(value: dt.date) -> dt.date:
    if isinstance(value, dt.datetime):
        raise StatementError("The date is a calendar date, not a datetime.")
    return value
