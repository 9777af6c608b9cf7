"""SQLite, the embedded default of ``make run``, made to search like PostgreSQL.

SQLite's LIKE ignores case for ASCII letters only, so a voter typing ``есенов`` found nothing
named "Есенов" (Django's ``icontains`` is a LIKE there). SQLite lets an application replace
``like()``: this one ignores case in every script. Django's ``contains`` is a LIKE on SQLite too
and was already case-insensitive for Latin letters; it now is for every letter, as documented
for SQLite. PostgreSQL is untouched (``icontains`` is ``UPPER(...) LIKE UPPER(...)`` there)."""

from __future__ import annotations

import functools
import re
from typing import Any

from django.db.backends.signals import connection_created
from django.dispatch import receiver


@functools.lru_cache(maxsize=512)
def _pattern(pattern: str, escape: str | None) -> re.Pattern[str]:
    out, i = [], 0
    while i < len(pattern):
        char = pattern[i]
        if escape and char == escape and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if char == "%" else "." if char == "_" else re.escape(char))
        i += 1
    return re.compile("".join(out), re.IGNORECASE | re.DOTALL)


def like(pattern: Any, value: Any, escape: Any = None) -> bool | None:
    """SQLite's ``value LIKE pattern [ESCAPE escape]``, without regard to case in any script."""
    if pattern is None or value is None:
        return None
    return _pattern(str(pattern), escape).fullmatch(str(value)) is not None


@receiver(connection_created)
def _unicode_like(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function("like", 2, like, deterministic=True)
        connection.connection.create_function("like", 3, like, deterministic=True)
